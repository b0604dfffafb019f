"""The OpenAPI 3.1 document for API v1, built from the same constants validation uses."""

from __future__ import annotations

from typing import Any

from ..referrals.models import RouteStatus
from ..referrals.risk import DASH_QUESTIONS, Answer, Criterion, Level
from ..referrals.validation import CONSENT, LEGAL_BASES, MAX_CHILDREN, NEEDS


def _text(limit: int, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit, **extra}


def _obj(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD, in the past"}
PHONE = _text(30, description="A UK phone number")
ERROR = _obj({"error": {"type": "string"}}, ["error"])
VALIDATION_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages keyed by the field's dotted path, e.g. victim.last_name",
        },
    },
    "required": ["error", "errors"],
}


def _referral_request() -> dict[str, Any]:
    victim = _obj(
        {
            "first_name": _text(100, minLength=1),
            "last_name": _text(100, minLength=1),
            "other_names": _text(200),
            "date_of_birth": DATE,
            "gender": _text(50),
            "address": _text(500),
            "postcode": _text(10, description="A UK postcode"),
            "phone": PHONE,
            "email": _text(254, format="email"),
            "language": _text(50),
            "interpreter_needed": {"type": "boolean"},
            "disability": _text(500),
        },
        ["first_name", "last_name"],
    )
    safe_contact = _obj(
        {
            "safe_to_contact": {"type": "boolean"},
            "phone": PHONE,
            "safe_times": _text(200),
            "voicemail_ok": {"type": "boolean"},
            "text_ok": {"type": "boolean"},
            "letters_ok": {"type": "boolean"},
            "code_word": _text(50),
            "notes": _text(1000),
            "who_must_not_know": _text(500),
        },
        ["safe_to_contact"],
    )
    perpetrator = _obj(
        {
            "first_name": _text(100, minLength=1),
            "last_name": _text(100, minLength=1),
            "date_of_birth": DATE,
            "relationship": _text(100, minLength=1),
            "address": _text(500),
        },
        ["first_name", "last_name", "relationship"],
    )
    child = _obj(
        {
            "name": _text(100, minLength=1),
            "date_of_birth": DATE,
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
            "professional_judgement": {"type": "boolean"},
            "judgement_reason": _text(
                2000, description="Required when professional_judgement is true"
            ),
            "incidents_past_12_months": {"type": "integer", "minimum": 0, "maximum": 366},
        },
        ["tool", "answers"],
    )
    consent = _obj(
        {
            "status": {"type": "string", "enum": list(CONSENT)},
            "override": _obj(
                {
                    "legal_basis": {
                        "type": "string",
                        "enum": list(LEGAL_BASES),
                        "description": "; ".join(f"{k}: {v}" for k, v in LEGAL_BASES.items()),
                    },
                    "reason": _text(2000, minLength=1),
                },
                ["legal_basis", "reason"],
            ),
        },
        ["status"],
    )
    return _obj(
        {
            "victim": victim,
            "safe_contact": safe_contact,
            "perpetrator": perpetrator,
            "children": {"type": "array", "items": child, "maxItems": MAX_CHILDREN},
            "risk": risk,
            "consent": consent,
            "needs": {
                "type": "array",
                "items": {"type": "string", "enum": list(NEEDS)},
                "uniqueItems": True,
            },
            "narrative": _text(10000, minLength=1),
            "refer_perpetrator_to_programme": {"type": "boolean"},
        },
        ["victim", "safe_contact", "risk", "consent", "narrative"],
    )


def _referral_response() -> dict[str, Any]:
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


def _responses(codes: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    return {
        code: {"description": text, "content": {"application/json": {"schema": schema}}}
        for code, (text, schema) in codes.items()
    }


def document() -> dict[str, Any]:
    common = {"401": ("Missing or invalid bearer token", ERROR)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "daservice API",
            "version": "1.0.0",
            "description": "Referrals from partner agencies' systems. Risk questions paraphrase "
            "the SafeLives Dash risk identification checklist (© SafeLives).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "ReferralRequest": _referral_request(),
                "Referral": _referral_response(),
                "Error": ERROR,
                "ValidationError": VALIDATION_ERROR,
            },
        },
        "paths": {
            "/api/v1/referrals": {
                "post": {
                    "operationId": "createReferral",
                    "summary": "Refer a victim",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                            "description": "A retry with the same key and body returns the same "
                            "response and creates nothing; the same key with another body is a 409.",  # noqa: E501
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ReferralRequest"}
                            }
                        },
                    },
                    "responses": _responses(
                        {
                            "201": (
                                "Referral recorded and routed",
                                {"$ref": "#/components/schemas/Referral"},
                            ),
                            "400": ("Malformed JSON or header", ERROR),
                            **common,
                            "409": ("Idempotency-Key reused with a different body", ERROR),
                            "413": ("Request too large", ERROR),
                            "415": ("Not JSON", ERROR),
                            "422": (
                                "Invalid fields, each named",
                                {"$ref": "#/components/schemas/ValidationError"},
                            ),
                        }
                    ),
                }
            },
            "/api/v1/referrals/{referral_id}": {
                "get": {
                    "operationId": "getReferral",
                    "summary": "A referral your agency made",
                    "parameters": [
                        {
                            "name": "referral_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": _responses(
                        {
                            "200": ("The referral", {"$ref": "#/components/schemas/Referral"}),
                            **common,
                            "404": ("No such referral, or not your agency's", ERROR),
                        }
                    ),
                }
            },
        },
    }
