"""JSON Schemas of API v1's bodies, built from the same constants validation uses.

What ``referrals.validation.parse`` accepts, as far as JSON Schema can: a field that may be left
out may also be null, and optional text may be empty (both mean "not given"); required text must
not be blank; a length limit counts the characters sent. The one rule JSON Schema cannot state
(dates not in the future, nor more than 120 years ago) is in the descriptions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..referrals.models import RouteStatus
from ..referrals.risk import DASH_QUESTIONS, Answer, Criterion, Level
from ..referrals.validation import CONSENT, LEGAL_BASES, MAX_CHILDREN, NEEDS, SPACE_CLASS

S = f"[{SPACE_CLASS}]"  # a space, as validation counts them (not \s: regex dialects differ)
NOT_BLANK = f"[^{SPACE_CLASS}]"  # somewhere, a character that is not a space
_SEP = f"[{SPACE_CLASS}()-]*"  # what a phone number may be written with between its digits
PHONE_PATTERN = (
    f"^(?:{S}*|{_SEP}(?:\\+{_SEP}4{_SEP}4|0{_SEP}0{_SEP}4{_SEP}4|0)(?:{_SEP}[0-9]){{9,10}}{_SEP})$"
)
_POSTCODE = "[Gg][Ii][Rr] ?0[Aa][Aa]|[A-Za-z]{1,2}[0-9][0-9A-Za-z]? ?[0-9][A-Za-z]{2}"
POSTCODE_PATTERN = f"^{S}*(?:(?:{_POSTCODE}){S}*)?$"
_ADDRESS = f"[^@{SPACE_CLASS}]+"
EMAIL_PATTERN = f"^{S}*(?:{_ADDRESS}@{_ADDRESS}\\.{_ADDRESS}{S}*)?$"


def _text(limit: int, *, required: bool = False, **extra: Any) -> dict[str, Any]:
    if required:
        return {"type": "string", "minLength": 1, "maxLength": limit, "pattern": NOT_BLANK, **extra}
    return {"type": ["string", "null"], "maxLength": limit, **extra}


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or null."""
    return {**schema, "type": [schema["type"], "null"]}


def _obj(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _date() -> dict[str, Any]:
    earliest = date.today().year - 120
    return {
        "type": ["string", "null"],
        "anyOf": [{"format": "date"}, {"const": ""}],
        "description": f"YYYY-MM-DD: not in the future, and not before {earliest}-01-01",
    }


BOOLEAN = {"type": ["boolean", "null"]}
PHONE = _text(
    30,
    pattern=PHONE_PATTERN,
    description="A UK phone number, like 07700 900 982 or +44 20 7946 0000 (spaces, brackets and "
    "hyphens are ignored)",
)
ERROR = _obj({"error": {"type": "string"}}, ["error"])
VALIDATION_ERROR = _obj(
    {
        "error": {"type": "string"},
        "errors": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "description": "Messages keyed by the field's dotted path, e.g. victim.last_name "
            '("" when the body is not a JSON object)',
        },
    },
    ["error", "errors"],
)


def referral_request() -> dict[str, Any]:
    victim = _obj(
        {
            "first_name": _text(100, required=True),
            "last_name": _text(100, required=True),
            "other_names": _text(200),
            "date_of_birth": _date(),
            "gender": _text(50),
            "pronouns": _text(50),
            "address": _text(500),
            "postcode": _text(10, pattern=POSTCODE_PATTERN, description="A UK postcode"),
            "phone": PHONE,
            "email": _text(254, pattern=EMAIL_PATTERN, description="An email address"),
            "language": _text(50),
            "interpreter_needed": BOOLEAN,
            "disability": _text(500),
        },
        ["first_name", "last_name"],
    )
    safe_contact = _obj(
        {
            "safe_to_contact": {"type": "boolean"},
            "phone": PHONE,
            "safe_times": _text(200),
            "voicemail_ok": BOOLEAN,
            "text_ok": BOOLEAN,
            "letters_ok": BOOLEAN,
            "code_word": _text(50),
            "notes": _text(1000),
            "who_must_not_know": _text(500),
        },
        ["safe_to_contact"],
    )
    perpetrator = _obj(
        {
            "first_name": _text(100, required=True),
            "last_name": _text(100, required=True),
            "date_of_birth": _date(),
            "relationship": _text(100, required=True),
            "address": _text(500),
        },
        ["first_name", "last_name", "relationship"],
    )
    child = _obj(
        {
            "name": _text(100, required=True),
            "date_of_birth": _date(),
            "relationship_to_victim": _text(50),
            "relationship_to_perpetrator": _text(50),
            "school": _text(200),
        },
        ["name"],
    )
    answers = _obj(
        {
            n: {"type": "string", "enum": [a.value for a in Answer], "description": q}
            for n, q in DASH_QUESTIONS.items()
        },
        list(DASH_QUESTIONS),
    )
    risk = _obj(
        {
            "tool": {"type": "string", "enum": ["dash"]},
            "answers": answers,
            "professional_judgement": BOOLEAN,
            "judgement_reason": _text(
                2000, description="Required when professional_judgement is true"
            ),
            "incidents_past_12_months": {
                "type": ["integer", "null"],
                "minimum": 0,
                "maximum": 366,
            },
        },
        ["tool", "answers"],
    )
    risk["if"] = _is_true("professional_judgement")
    risk["then"] = {
        "properties": {"judgement_reason": {"type": "string", "pattern": NOT_BLANK}},
        "required": ["judgement_reason"],
    }
    consent = _obj(
        {
            "status": {"type": "string", "enum": list(CONSENT)},
            "override": _optional(
                _obj(
                    {
                        "legal_basis": {
                            "type": "string",
                            "enum": list(LEGAL_BASES),
                            "description": "; ".join(f"{k}: {v}" for k, v in LEGAL_BASES.items()),
                        },
                        "reason": _text(2000, required=True),
                    },
                    ["legal_basis", "reason"],
                )
            ),
        },
        ["status"],
    )
    # A lawful basis for sharing without consent is only recorded when she has not given it.
    consent["if"] = {"properties": {"status": {"const": "given"}}, "required": ["status"]}
    consent["then"] = {"properties": {"override": {"type": "null"}}}
    request = _obj(
        {
            "victim": victim,
            "safe_contact": safe_contact,
            "perpetrator": _optional(perpetrator),
            "children": {"type": ["array", "null"], "items": child, "maxItems": MAX_CHILDREN},
            "risk": risk,
            "consent": consent,
            "needs": {
                "type": ["array", "null"],
                "items": {"type": "string", "enum": list(NEEDS)},
                "description": "Each need once; a repeat is ignored",
            },
            "narrative": _text(10000, required=True),
            "refer_perpetrator_to_programme": BOOLEAN,
        },
        ["victim", "safe_contact", "risk", "consent", "narrative"],
    )
    # Referring the perpetrator to a programme needs their details.
    request["if"] = _is_true("refer_perpetrator_to_programme")
    request["then"] = {
        "properties": {"perpetrator": {"type": "object"}},
        "required": ["perpetrator"],
    }
    return request


def _is_true(name: str) -> dict[str, Any]:
    return {"properties": {name: {"const": True}}, "required": [name]}


def referral_response() -> dict[str, Any]:
    return _obj(
        {
            "id": {"type": "string", "format": "uuid"},
            "reference": {"type": "string", "pattern": r"^DA-\d{4}-\d{6}$"},
            "status": {
                "type": "string",
                "enum": ["received", "held_for_consent", "routed", "closed"],
            },
            "risk": _obj(
                {
                    "score": {"type": "integer", "minimum": 0, "maximum": 24},
                    "level": {"type": "string", "enum": [level.value for level in Level]},
                    "marac": {"type": "boolean"},
                    "criteria": {
                        "type": "array",
                        "items": {"type": "string", "enum": [c.value for c in Criterion]},
                    },
                },
                ["score", "level", "marac", "criteria"],
            ),
            "routes": {
                "type": "array",
                "items": _obj(
                    {
                        "service_id": {"type": "string", "format": "uuid"},
                        "service": {"type": "string"},
                        "status": {"type": "string", "enum": [s.value for s in RouteStatus]},
                    },
                    ["service_id", "service", "status"],
                ),
            },
        },
        ["id", "reference", "status", "risk", "routes"],
    )
