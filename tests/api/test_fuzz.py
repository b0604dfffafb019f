"""API v1 fuzzed against its own OpenAPI document (DESIGN.md §5: "kept true to behaviour").

Schemathesis loads ``/api/v1/openapi.json`` from the app and sends generated requests in-process
(no server), each with a real bearer token, through the suite's ``client``. Every response goes
through all of Schemathesis's checks: no 5xx; only documented status codes, content types and
headers; bodies matching the documented schemas (so a 422 is a ValidationError naming fields);
schema-valid requests accepted and schema-invalid ones refused; auth enforced.

Bounded and repeatable: a fixed number of examples, derandomized, no example database.
``FUZZ_EXAMPLES=1000 FUZZ_SEED=7 pytest tests/api/test_fuzz.py`` digs deeper, locally.
"""

from __future__ import annotations

import contextvars
import json
import os
import re
import unicodedata
import uuid
from datetime import date
from typing import Any

import hypothesis
import jsonschema_rs
import pytest
import schemathesis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from schemathesis import GenerationMode

from daservice.accounts.models import Agency
from daservice.api import auth
from daservice.api.models import IdempotencyRecord
from daservice.directory.models import ServiceKind
from daservice.extensions import db
from daservice.perpetrators.models import Programme, ProgrammeKind
from daservice.referrals import validation

from .. import factories
from ..conftest import row_count

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))  # 0: the budgets below
SEED = int(os.environ.get("FUZZ_SEED", "0"))  # 0: derandomized
BUDGET = {
    "GET /api/v1/certificates/{code}": 15,
    "POST /api/v1/referrals": 100,
    "GET /api/v1/referrals/{referral_id}": 15,
    "POST /api/v1/referrals/{referral_id}/consent": 20,
    "GET /api/v1/programmes": 5,
    "POST /api/v1/placements": 60,
    "GET /api/v1/placements/{placement_id}": 15,
}
# Operations that take no input at all (bar the token): nothing to send wrong, so no negative case.
NO_INPUT = {"GET /api/v1/programmes"}
STATEFUL_SCENARIOS = 8

# Dates of birth must not be in the future nor more than 120 years ago: the document says so in
# words, as JSON Schema cannot. Valid dates are drawn from that window.
_today = date.today()
schemathesis.openapi.format(
    "date", st.dates(date(_today.year - 120, 1, 1), _today).map(date.isoformat)
)


def _settings(max_examples: int, **extra: Any) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=EXAMPLES or max_examples,
        derandomize=not SEED,
        database=None,  # nothing written into the repository
        deadline=None,
        # One test body runs many examples against the function-scoped app: that is the intent.
        suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
        **extra,
    )


@pytest.fixture()
def bearer(app: Flask) -> str:
    directory = factories.directory()
    # An open programme, so the document's placement request has an id to accept.
    service = directory[ServiceKind.PERPETRATOR_PROGRAMME]
    db.session.add(
        Programme(
            name="Fuzzed programme",
            agency_id=service.agency_id,
            kind=ProgrammeKind.GROUP,
            capacity=5,
            eligibility="Anyone.",
        )
    )
    db.session.commit()
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == "MPS"))
    assert agency is not None
    _, raw = auth.issue(agency.id, "MPS fuzzing bridge")
    return raw


@pytest.fixture()
def api_schema(app: Flask, bearer: str) -> Any:
    config = schemathesis.Config.from_dict(
        {
            "cache": {"enabled": False},  # no .schemathesis/ in the repository
            # Every call carries the real token, not a generated one: those would only ever get
            # a 401, and the `ignored_auth` check already proves the token is needed.
            "generation": {"with-security-parameters": False},
            "auth": {"openapi": {"bearer": {"bearer": bearer}}},
        }
    )
    # A fresh context, as for every request in a real server (see conftest.IsolatedClient).
    return contextvars.Context().run(
        schemathesis.openapi.from_wsgi, "/api/v1/openapi.json", app, config=config
    )


def _forget_idempotency_keys() -> None:
    # Hypothesis draws short keys ("0") again and again; without this most valid bodies after the
    # first would get a correct but uninformative 409 instead of being validated.
    db.session.execute(sa.delete(IdempotencyRecord))
    db.session.commit()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_api_is_true_to_its_openapi_document(
    api_schema: Any, client: FlaskClient, mode: GenerationMode
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert sorted(op.label for op in operations) == sorted(BUDGET)  # a new operation needs a budget
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and operation.label in NO_INPUT:
            continue

        @_settings(BUDGET[operation.label])
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case: Any) -> None:
            _forget_idempotency_keys()
            case.call_and_validate(session=client)

        if SEED:
            fuzz = hypothesis.seed(SEED)(fuzz)
        fuzz()


def test_created_referrals_can_be_read_back_as_documented(
    api_schema: Any, client: FlaskClient
) -> None:
    """Stateful: follows the document's link from a 201 to GET /referrals/{id}."""

    class Scenario(api_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"session": client}

        def before_call(self, case: Any) -> None:
            _forget_idempotency_keys()

    Scenario.run(settings=_settings(STATEFUL_SCENARIOS, stateful_step_count=6))


# --- What the fuzzing found (or led to), each pinned by a plain test ---------------------------


def post(client: FlaskClient, bearer: str, body: Any = None, *, raw: bytes | None = None) -> Any:
    headers = {"Authorization": f"Bearer {bearer}"}
    if raw is not None:
        return client.post(
            "/api/v1/referrals", data=raw, content_type="application/json", headers=headers
        )
    return client.post("/api/v1/referrals", json=body, headers=headers)


def _with_placeholder(**changes: Any) -> bytes:
    """A valid body as JSON text, with PLACEHOLDER (quotes included) ready to be replaced."""
    return json.dumps(factories.referral_payload(**changes)).encode()


@pytest.mark.parametrize(
    "section,fields",
    [
        ("consent", ["consent.status"]),  # was a 500: 'None' is not a valid ConsentStatus
        ("risk", ["risk.tool", "risk.answers.1", "risk.answers.24"]),  # was a 201, with no answers
    ],
)
def test_an_empty_section_is_refused_naming_its_fields(client, bearer, section, fields):
    response = post(client, bearer, factories.referral_payload(**{section: {}}))
    assert response.status_code == 422
    assert set(fields) <= set(response.json["errors"])
    assert row_count("referrals") == 0


@pytest.mark.parametrize(
    "changes,field",
    [
        # Each was a 500 (unhashable value looked up in a set or dict).
        ({"risk__answers__7": ["yes"]}, "risk.answers.7"),
        (
            {"consent": {"status": "refused", "override": {"legal_basis": {}, "reason": "Risk"}}},
            "consent.override.legal_basis",
        ),
    ],
)
def test_a_value_of_the_wrong_shape_is_named_not_a_server_error(client, bearer, changes, field):
    response = post(client, bearer, factories.referral_payload(**changes))
    assert response.status_code == 422 and field in response.json["errors"]


@pytest.mark.parametrize("field,value", [("children", False), ("children", ""), ("needs", 0)])
def test_a_list_given_as_something_else_is_refused_not_taken_as_empty(client, bearer, field, value):
    response = post(client, bearer, factories.referral_payload(**{field: value}))
    assert response.status_code == 422 and field in response.json["errors"]


def test_a_whole_number_written_with_a_decimal_point_is_that_number(client, bearer):
    # JSON Schema's "integer" includes 3.0, and so does the document.
    body = factories.referral_payload(risk__incidents_past_12_months=3.0)
    response = post(client, bearer, body)
    assert response.status_code == 201
    assert "potential_escalation" in response.json["risk"]["criteria"]


@pytest.mark.parametrize(
    "raw",
    [
        # Escaped lone surrogates parse in Python but are not text: each was a 500 on encrypting.
        _with_placeholder(narrative="PLACEHOLDER").replace(b'"PLACEHOLDER"', b'"\\ud800"'),
        _with_placeholder(victim__last_name="PLACEHOLDER").replace(b'"PLACEHOLDER"', b'"a\\udfff"'),
        # Nesting deeper than Python's recursion limit was a 500 (RecursionError).
        b"[" * 100_000 + b"]" * 100_000,
        # NaN and Infinity are not JSON, though Python's json module reads them.
        _with_placeholder(risk__incidents_past_12_months="PLACEHOLDER").replace(
            b'"PLACEHOLDER"', b"NaN"
        ),
    ],
    ids=["lone-surrogate", "lone-surrogate-in-name", "deep-nesting", "nan"],
)
def test_json_that_is_not_json_text_is_a_400(client, bearer, raw):
    response = post(client, bearer, raw=raw)
    assert response.status_code == 400 and response.json == {"error": "malformed JSON"}
    assert row_count("referrals") == 0


def test_the_space_characters_are_ecmascripts_which_the_documents_patterns_use():
    # ECMAScript's \s: WhiteSpace (tab, VT, FF, ZWNBSP and every Zs) and LineTerminator.
    ecmascript = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Zs"}
    ecmascript |= set("\t\v\f\ufeff\n\r\u2028\u2029")
    assert set(validation.SPACES) == ecmascript
    in_class = {
        chr(c)
        for c in range(0x110000)
        if not 0xD800 <= c <= 0xDFFF and re.fullmatch(f"[{validation.SPACE_CLASS}]", chr(c))
    }
    assert in_class == ecmascript


def _case(name: str, accepted: bool, **changes: Any) -> Any:
    return pytest.param(changes, accepted, id=name)


@pytest.mark.parametrize(
    "changes,accepted",
    [
        # Control characters are not spaces to the document; they were to Python's str.strip().
        _case("control-character-is-text", True, narrative="\x1d"),
        _case("next-line-is-not-a-space", True, victim__email="amira\x85@example.com"),
        _case("unicode-spaces-are-blank", False, narrative="\u3000\ufeff"),
        # Limits count what was sent: too many spaces are too long, not blank.
        _case("spaces-over-the-limit", False, victim__postcode=" " * 11),
        _case("trailing-spaces-over-the-limit", False, victim__first_name="Amira" + " " * 96),
        _case("spaces-around-are-trimmed", True, victim__postcode="\u00a0IG1 1DD\u00a0"),
        # ASCII only: other digits, and letters that str.upper() turns into A-Z, were accepted.
        _case(
            "arabic-indic-digits",
            False,
            victim__phone="0\u0667\u0667\u0660\u0660 \u0669\u0660\u0660\u0661\u0662\u0663",
        ),
        _case("dotless-i-in-postcode", False, victim__postcode="\u0131g1 1dd"),
        _case("phone-with-brackets-and-hyphen", True, victim__phone="(020) 7946-0000"),
        # Left out, null or (for text and dates) empty all mean "not given".
        _case("null-and-empty", True, victim__other_names=None, victim__date_of_birth=""),
        _case("null-sections", True, perpetrator=None, children=None, needs=None),
        _case("a-need-twice", True, needs=["housing", "housing"]),
        # Rules between fields.
        _case("consent-given-no-override", True, consent={"status": "given", "override": None}),
        _case(
            "consent-given-with-override",
            False,
            consent={
                "status": "given",
                "override": {"legal_basis": "vital_interests", "reason": "Risk"},
            },
        ),
        _case(
            "judgement-blank-reason",
            False,
            risk__professional_judgement=True,
            risk__judgement_reason=" ",
        ),
        _case(
            "judgement-with-reason",
            True,
            risk__professional_judgement=True,
            risk__judgement_reason="Fear",
        ),
        _case("programme-without-perpetrator", False, refer_perpetrator_to_programme=True),
    ],
)
def test_the_document_and_the_api_agree(client, bearer, changes, accepted):
    document = client.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]["ReferralRequest"]
    body = factories.referral_payload(**changes)
    assert jsonschema_rs.Draft202012Validator(schema, validate_formats=True).is_valid(body) is (
        accepted
    )
    response = post(client, bearer, body)
    assert response.status_code == (201 if accepted else 422), response.json


def test_an_idempotent_replay_has_the_same_location(client, bearer):
    headers = {"Authorization": f"Bearer {bearer}", "Idempotency-Key": "retry-1"}
    body = factories.referral_payload()
    first = client.post("/api/v1/referrals", json=body, headers=headers)
    again = client.post("/api/v1/referrals", json=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]


@pytest.mark.parametrize(
    "method,path,allow",
    [
        ("DELETE", "/api/v1/referrals", "OPTIONS, POST"),
        ("PUT", "/api/v1/referrals/e3e70682-c209-4cac-a29f-6fbed82c07cd", "GET, HEAD, OPTIONS"),
    ],
)
def test_a_method_not_allowed_says_which_are(client, bearer, method, path, allow):
    response = client.open(path, method=method, headers={"Authorization": f"Bearer {bearer}"})
    assert response.status_code == 405 and response.is_json
    assert response.headers["Allow"] == allow


def test_a_referral_is_found_only_by_its_id_as_issued(client, bearer):
    created = post(client, bearer, factories.referral_payload()).json
    headers = {"Authorization": f"Bearer {bearer}"}
    found = client.get(f"/api/v1/referrals/{created['id'].upper()}", headers=headers)
    assert found.status_code == 200 and found.json == created
    for spelling in (
        uuid.UUID(created["id"]).hex,
        f"{{{created['id']}}}",
        f"urn:uuid:{created['id']}",
    ):
        response = client.get(f"/api/v1/referrals/{spelling}", headers=headers)
        assert response.status_code == 404 and response.json == {"error": "not found"}
