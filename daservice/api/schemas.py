"""JSON Schemas of API v1's bodies, built from the declaration validation reads
(``referrals.referral_fields``: each field's kind, limit and whether it is required).

What ``referrals.validation.parse`` accepts, as far as JSON Schema can: a field that may be left
out may also be null, and optional text may be empty (both mean "not given"); required text must
not be blank; a length limit counts the characters sent. The one rule JSON Schema cannot state
(dates not in the future, nor more than 120 years ago) is in the descriptions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..perpetrators.models import ProgrammeKind, Source, Stage
from ..referrals.models import RouteStatus
from ..referrals.referral_fields import Field, fields_of
from ..referrals.risk import DASH_QUESTIONS, Answer, Criterion, Level
from ..referrals.validation import MAX_CHILDREN, SPACE_CLASS

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
# What a text field in a format says besides its length.
FORMATS: dict[str, dict[str, str]] = {
    "phone": {
        "pattern": PHONE_PATTERN,
        "description": "A UK phone number, like 07700 900 982 or +44 20 7946 0000 (spaces, "
        "brackets and hyphens are ignored)",
    },
    "postcode": {"pattern": POSTCODE_PATTERN, "description": "A UK postcode"},
    "email": {"pattern": EMAIL_PATTERN, "description": "An email address"},
}


def _field(f: Field) -> dict[str, Any]:
    """One declared field's schema."""
    about = {"description": f.note} if f.note else {}
    if f.kind == "date":
        return _date()
    if f.kind == "bool":
        return {"type": "boolean"} if f.required else BOOLEAN
    if f.kind == "enum":  # each is required when its object is sent
        return {"type": "string", "enum": list(f.choices), **about}
    if f.kind == "list":
        items = {"type": "string", "enum": list(f.choices)}
        return {"type": ["array", "null"], "items": items, **about}
    if f.limit is None:
        raise ValueError(f"{f.path} is text without a character limit")
    return _text(f.limit, required=f.required, **FORMATS.get(f.kind, {}), **about)


def _declared(
    parent: str, more: dict[str, Any] | None = None, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """An object's schema: its declared fields, with ``more`` properties the declaration does not
    hold (the objects in it, and fields with rules of their own). ``required`` lists those of
    ``more`` that are required, first (a declared field may be named to keep the list's order);
    the declared fields that are required follow."""
    fields = fields_of(parent)
    properties = {**(more or {}), **{f.key: _field(f) for f in fields}}
    declared = [f.key for f in fields if f.required and f.key not in required]
    return _obj(properties, [*required, *declared])


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
    victim = _declared("victim")
    safe_contact = _declared("safe_contact")
    perpetrator = _declared("perpetrator")
    child = _declared("children")
    answers = _obj(
        {
            n: {"type": "string", "enum": [a.value for a in Answer], "description": q}
            for n, q in DASH_QUESTIONS.items()
        },
        list(DASH_QUESTIONS),
    )
    risk = _declared(
        "risk",
        {
            "answers": answers,
            "incidents_past_12_months": {
                "type": ["integer", "null"],
                "minimum": 0,
                "maximum": 366,
            },
        },
        required=("tool", "answers"),
    )
    risk["if"] = _is_true("professional_judgement")
    risk["then"] = {
        "properties": {"judgement_reason": {"type": "string", "pattern": NOT_BLANK}},
        "required": ["judgement_reason"],
    }
    consent = _declared("consent", {"override": _optional(_declared("consent.override"))})
    # A lawful basis for sharing without consent is only recorded when she has not given it.
    consent["if"] = {"properties": {"status": {"const": "given"}}, "required": ["status"]}
    consent["then"] = {"properties": {"override": {"type": "null"}}}
    request = _declared(
        "",
        {
            "victim": victim,
            "safe_contact": safe_contact,
            "perpetrator": _optional(perpetrator),
            "children": {"type": ["array", "null"], "items": child, "maxItems": MAX_CHILDREN},
            "risk": risk,
            "consent": consent,
        },
        required=("victim", "safe_contact", "risk", "consent"),
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


def placement_request(programme_ids: list[str]) -> dict[str, Any]:
    """``POST /api/v1/placements``: ``programme_ids`` are the open programmes' (as ``GET
    /api/v1/programmes`` lists them), so the document says which ids are accepted now."""
    programme: dict[str, Any] = {
        "type": "string",
        "description": "An open programme's id, as GET /api/v1/programmes lists them",
    }
    if programme_ids:
        programme["enum"] = programme_ids
    else:
        programme["not"] = {}  # no programme is taking placements now
    person = _obj(
        {
            "first_name": _text(100, required=True),
            "last_name": _text(100, required=True),
            "date_of_birth": _date(),
        },
        ["first_name", "last_name"],
    )
    person["description"] = (
        "The man placed. He is matched to the person the partnership already knows by name and "
        "date of birth"
    )
    return _obj(
        {
            "programme_id": programme,
            "source": {
                "type": "string",
                "enum": [s.value for s in Source if s is not Source.REFERRAL_ROUTE],
                "description": "Who referred him",
            },
            "person": person,
        },
        ["programme_id", "source", "person"],
    )


def placement_response() -> dict[str, Any]:
    return _obj(
        {
            "id": {"type": "string", "format": "uuid"},
            "programme_id": {"type": "string", "format": "uuid"},
            "source": {"type": "string", "enum": [s.value for s in Source]},
            "stage": {
                "type": "string",
                "enum": [s.value for s in Stage],
                "description": "Where the placement has got to (referred, contacted, assessed, "
                "not_suitable, waiting_list, attending, suspended, or an ending)",
            },
            "created_at": {"type": "string", "format": "date-time"},
            "stage_changed_at": {"type": "string", "format": "date-time"},
        },
        ["id", "programme_id", "source", "stage", "created_at", "stage_changed_at"],
    )


def programmes_response() -> dict[str, Any]:
    programme = _obj(
        {
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string"},
            "provider": {"type": "string", "description": "The agency that runs it"},
            "kind": {"type": "string", "enum": [k.value for k in ProgrammeKind]},
            "accredited": {"type": "boolean"},
            "eligibility": {"type": "string", "description": "Who it is for, as published"},
        },
        ["id", "name", "provider", "kind", "accredited", "eligibility"],
    )
    return _obj({"programmes": {"type": "array", "items": programme}}, ["programmes"])
