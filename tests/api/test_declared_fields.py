"""The referral's fields are declared once (``referrals/referral_fields.py``) and the API's
contract, validation and the web journey all say the same of them.

``openapi_referral_request.json`` is the request schema as it was written out by hand before the
declaration existed (captured from ``schemas.referral_request()``): the one derived from the
declaration must be that document, so the contract provably did not move.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from daservice.referrals import journey_sections, validation
from daservice.referrals.referral_fields import FIELDS, TEXT_KINDS, Field

from .. import factories

BEFORE = Path(__file__).with_name("openapi_referral_request.json")
TEXT_FIELDS = [f for f in FIELDS if f.kind in TEXT_KINDS]


def _served_request_schema(client: FlaskClient) -> dict[str, Any]:
    document = client.get("/api/v1/openapi.json").get_json()
    return document["components"]["schemas"]["ReferralRequest"]


def test_the_served_request_schema_is_the_one_written_by_hand_before(client: FlaskClient) -> None:
    # The date fields' earliest year moves with today's date: the capture's is brought up to date.
    earliest = f"not before {date.today().year - 120}-01-01"
    before = json.loads(re.sub(r"not before \d{4}-01-01", earliest, BEFORE.read_text()))
    assert _served_request_schema(client) == before


def _sent_at(f: Field) -> str:
    """Where the field is sent: a child's fields are sent as ``children.0.name``."""
    return f.path.replace("children.", "children.0.", 1)


def _body_with(f: Field, value: str) -> dict[str, Any]:
    body = copy.deepcopy(factories.referral_payload())
    body["children"] = [{"name": "Sam"}]
    body["consent"] = {
        "status": "refused",
        "override": {"legal_basis": "vital_interests", "reason": "Synthetic reason"},
    }
    target = body
    *objects, key = _sent_at(f).split(".")
    for name in objects:
        target = target[int(name)] if isinstance(target, list) else target.setdefault(name, {})
    target[key] = value
    return body


def _errors(body: dict[str, Any]) -> dict[str, list[str]]:
    try:
        validation.parse(body)
    except validation.Invalid as invalid:
        return invalid.errors
    return {}


def _schema_at(schema: dict[str, Any], path: str) -> dict[str, Any]:
    for name in path.split("."):
        schema = schema["items"] if name == "0" else schema
        if name != "0":
            schema = schema["properties"][name]
    return schema


def _journey_limits() -> dict[str, int | None]:
    questions = [q for page in journey_sections.PAGES.values() for q in page.questions]
    found = {q.error_paths[0]: q.limit for q in questions if q.kind in ("text", "textarea")}
    for q in journey_sections.CHILD_QUESTIONS:
        if q.kind in ("text", "textarea"):
            found[f"children.{q.error_paths[0]}"] = q.limit
    return found


def test_the_valid_body_used_here_is_valid() -> None:
    assert _errors(_body_with(TEXT_FIELDS[0], "Amira")) == {}


@pytest.mark.parametrize("f", TEXT_FIELDS, ids=lambda f: f.path)
def test_a_text_fields_limit_is_the_same_in_validation_the_api_and_the_journey(
    f: Field, client: FlaskClient
) -> None:
    assert f.limit is not None
    too_long = f"{f.label[0].upper()}{f.label[1:]} must be {f.limit:,} characters or fewer"

    # Validation: one character over is refused with the limit in the message; at it, it is not.
    assert _errors(_body_with(f, "x" * (f.limit + 1))).get(_sent_at(f)) == [too_long]
    assert too_long not in _errors(_body_with(f, "x" * f.limit)).get(_sent_at(f), [])

    # The API's contract states the same limit, and whether the field is required.
    schema = _served_request_schema(client)
    assert _schema_at(schema, _sent_at(f))["maxLength"] == f.limit
    parent = _schema_at(schema, _sent_at(f).rpartition(".")[0]) if "." in f.path else schema
    assert (f.key in parent["required"]) is f.required

    # The journey's question for it counts the same number of characters.
    journey = _journey_limits()
    if f.path in journey:
        assert journey[f.path] == f.limit


def test_every_text_question_in_the_journey_is_a_declared_field() -> None:
    declared = {f.path for f in TEXT_FIELDS}
    journey = _journey_limits()
    # Only the number of incidents is asked as text without being text in the API.
    assert set(journey) - declared == {"risk.incidents_past_12_months"}
    assert declared - set(journey) == set()
