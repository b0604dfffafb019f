"""The OpenAPI 3.1 document for API v1: its paths, responses and headers. The bodies' schemas,
built from the same constants validation uses, are ``schemas.py``."""

from __future__ import annotations

from typing import Any

from . import placements
from .schemas import (
    ERROR,
    VALIDATION_ERROR,
    placement_request,
    placement_response,
    programmes_response,
    referral_request,
    referral_response,
)

# GET /api/v1/certificates/{code}: exactly the fields DESIGN.md §5 names, and nothing more.
CERTIFICATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {
            "type": "string",
            "pattern": "^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$",
            "description": "The code in its printed form, grouped: K7QM-9RXD-2HFT-8VWC",
        },
        "status": {"type": "string", "enum": ["valid", "expired", "revoked"]},
        "holder": {"type": "string", "description": "The name printed on the certificate"},
        "course": {"type": "string", "description": "The course title printed on it"},
        "issued_on": {"type": "string", "format": "date"},
        "expires_on": {
            "type": ["string", "null"],
            "format": "date",
            "description": "null: it does not expire",
        },
    },
    "required": ["code", "status", "holder", "course", "issued_on", "expires_on"],
    "additionalProperties": False,
}


def _certificate_path() -> dict[str, Any]:
    return {
        "get": {
            "operationId": "verifyCertificate",
            "summary": "Check a training certificate by its code (public: no token)",
            "description": "Codes are found however they are typed: any case, with or without "
            "spaces and dashes. Unknown and malformed codes get the same 404. Rate-limited per "
            "client address.",
            "security": [],
            "parameters": [
                {
                    "name": "code",
                    "in": "path",
                    "required": True,
                    # Longer than 64 characters is not a code however it is spaced: a 404.
                    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
                }
            ],
            "responses": {
                "200": _response("The certificate's public record", CERTIFICATE),
                "404": _response("No certificate has this code (or it is not a code)", ERROR),
                "429": _response(
                    "Too many checks from this address",
                    ERROR,
                    headers={
                        "Retry-After": _header(
                            "Seconds to wait before trying again", required=True, pattern="^[0-9]+$"
                        )
                    },
                ),
            },
        }
    }


def _response(text: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"description": text, "content": {"application/json": {"schema": schema}}, **extra}


def _header(text: str, *, required: bool = False, **schema: Any) -> dict[str, Any]:
    return {"description": text, "required": required, "schema": {"type": "string", **schema}}


def _created(text: str, schema: dict[str, Any], things: str, get: str, id_name: str) -> Any:
    """A 201 of an idempotent POST: where the new thing is, and the link to GET it."""
    return _response(
        text,
        schema,
        headers={
            "Location": _header(
                f"Where to GET the {things[:-1]}",
                required=True,
                pattern=f"^/api/v1/{things}/[0-9a-f-]{{36}}$",
            ),
            "Idempotent-Replayed": _header(
                "Sent when this is the answer to an earlier request with the same "
                "Idempotency-Key and body",
                enum=["true"],
            ),
        },
        links={
            get[0].upper() + get[1:]: {
                "operationId": get,
                "parameters": {id_name: "$response.body#/id"},
            }
        },
    )


def _post_refusals() -> dict[str, Any]:
    """What an idempotent JSON POST answers besides its 201, 401 and 422."""
    return {
        "400": _response(
            "Malformed JSON (or text that is not Unicode, or a name given twice in one object), "
            "or a bad header",
            ERROR,
        ),
        "409": _response("Idempotency-Key reused with a different body", ERROR),
        "413": _response("Request too large (over the size limit, chunked or not)", ERROR),
        "415": _response("Not JSON", ERROR),
    }


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "A retry with the same key and body returns the same response and creates "
    "nothing; the same key with another body is a 409.",
}


def _placement_paths(unauthorised: dict[str, Any]) -> dict[str, Any]:
    placement = {"$ref": "#/components/schemas/Placement"}
    return {
        "/api/v1/programmes": {
            "get": {
                "operationId": "listProgrammes",
                "summary": "The perpetrator programmes taking placements now",
                "responses": {
                    "200": _response("Open programmes", programmes_response()),
                    **unauthorised,
                },
            }
        },
        "/api/v1/placements": {
            "post": {
                "operationId": "createPlacement",
                "summary": "Place a man on a perpetrator programme",
                "description": "He is matched to the person the partnership already knows by "
                "name and date of birth. Only the stage of the placement is ever sent back.",
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/PlacementRequest"}
                        }
                    },
                },
                "responses": {
                    "201": _created(
                        "Placement made: the programme's workers will contact him",
                        placement,
                        "placements",
                        "getPlacement",
                        "placement_id",
                    ),
                    **_post_refusals(),
                    **unauthorised,
                    "422": _response(
                        "Invalid fields, each named (an unknown or closed programme is "
                        "programme_id)",
                        {"$ref": "#/components/schemas/ValidationError"},
                    ),
                },
            }
        },
        "/api/v1/placements/{placement_id}": {
            "get": {
                "operationId": "getPlacement",
                "summary": "Where a placement you sent has got to",
                "parameters": [
                    {
                        "name": "placement_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "format": "uuid"},
                    }
                ],
                "responses": {
                    "200": _response("The placement", placement),
                    **unauthorised,
                    "404": _response("No such placement, or not one you sent", ERROR),
                },
            }
        },
    }


def document() -> dict[str, Any]:
    unauthorised = {
        "401": _response(
            "Missing or invalid bearer token",
            ERROR,
            headers={
                "WWW-Authenticate": _header("The scheme to use", required=True, pattern="^Bearer ")
            },
        )
    }
    referral = {"$ref": "#/components/schemas/Referral"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "daservice API",
            "version": "1.0.0",
            "description": "Referrals from partner agencies' systems, placements on perpetrator "
            "programmes, and public checks of training certificates. Risk questions paraphrase "
            "the SafeLives Dash risk identification checklist (© SafeLives).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "ReferralRequest": referral_request(),
                "Referral": referral_response(),
                "PlacementRequest": placement_request(
                    [p["id"] for p in placements.open_programmes()]
                ),
                "Placement": placement_response(),
                "Certificate": CERTIFICATE,
                "Error": ERROR,
                "ValidationError": VALIDATION_ERROR,
            },
        },
        "paths": {
            "/api/v1/certificates/{code}": _certificate_path(),
            **_placement_paths(unauthorised),
            "/api/v1/referrals": {
                "post": {
                    "operationId": "createReferral",
                    "summary": "Refer a victim",
                    "parameters": [IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ReferralRequest"}
                            }
                        },
                    },
                    "responses": {
                        "201": _created(
                            "Referral recorded and routed",
                            referral,
                            "referrals",
                            "getReferral",
                            "referral_id",
                        ),
                        **_post_refusals(),
                        **unauthorised,
                        "422": _response(
                            "Invalid fields, each named",
                            {"$ref": "#/components/schemas/ValidationError"},
                        ),
                    },
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
                            "schema": {"type": "string", "format": "uuid"},
                        }
                    ],
                    "responses": {
                        "200": _response("The referral", referral),
                        **unauthorised,
                        "404": _response("No such referral, or not your agency's", ERROR),
                    },
                }
            },
            "/api/v1/referrals/{referral_id}/consent": {
                "post": {
                    "operationId": "recordConsent",
                    "summary": "They have now given consent: send the referrals held for it",
                    "parameters": [
                        {
                            "name": "referral_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "format": "uuid"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"status": {"type": "string", "enum": ["given"]}},
                                    "required": ["status"],
                                    "additionalProperties": False,
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _response("The referral, with held routes released", referral),
                        "400": _response("Malformed JSON (or a name given twice)", ERROR),
                        **unauthorised,
                        "404": _response("No such referral, or not your agency's", ERROR),
                        "413": _response(
                            "Request too large (over the size limit, chunked or not)", ERROR
                        ),
                        "415": _response("Not JSON", ERROR),
                        "422": _response('Not {"status": "given"}', VALIDATION_ERROR),
                    },
                }
            },
        },
    }
