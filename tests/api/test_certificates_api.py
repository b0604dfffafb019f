"""GET /api/v1/certificates/<code>: public (no bearer token), exactly the documented fields,
404 for unknown or malformed codes, 429 with Retry-After per client address."""

from __future__ import annotations

from datetime import date

import pytest

from daservice.accounts.models import Role
from daservice.training import certificates

from .. import factories
from ..training import _certificates as make

FIELDS = {"code", "status", "holder", "course", "issued_on", "expires_on"}


def test_a_certificate_is_checked_without_a_token_and_shows_only_its_fields(app, client):
    issued = make.certificate(factories.agency(), name="Grace Okafor")
    response = client.get(f"/api/v1/certificates/{issued.code}")
    assert response.status_code == 200 and response.is_json
    assert response.json == {
        "code": issued.code,
        "status": "valid",
        "holder": "Grace Okafor",
        "course": issued.course_title,
        "issued_on": issued.issued_on.isoformat(),
        "expires_on": "2029-03-09",
    }
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_the_code_comes_back_grouped_however_it_was_sent(app, client):
    issued = make.certificate(factories.agency())
    response = client.get(f"/api/v1/certificates/{issued.code.lower().replace('-', '')}")
    assert response.json["code"] == issued.code


def test_expired_revoked_and_never_expiring_certificates(app, client):
    agency = factories.agency()
    expired = make.certificate(agency, completed_on=date(2020, 1, 6), validity_months=12)
    revoked = make.certificate(agency)
    certificates.revoke(factories.user(Role.TRAINING_COORDINATOR), revoked, "Wrong person")
    forever = make.certificate(agency, validity_months=None)
    assert client.get(f"/api/v1/certificates/{expired.code}").json["status"] == "expired"
    body = client.get(f"/api/v1/certificates/{revoked.code}").json
    assert body["status"] == "revoked" and set(body) == FIELDS
    assert "Wrong person" not in str(body)
    assert client.get(f"/api/v1/certificates/{forever.code}").json["expires_on"] is None


@pytest.mark.parametrize("code", ["K7QM-9RXD-2HFT-8VWC", "nope", "O0O0-I1I1-O0O0-I1I1", "9" * 300])
def test_unknown_and_malformed_codes_are_the_same_404(app, client, code):
    response = client.get(f"/api/v1/certificates/{code}")
    assert response.status_code == 404 and response.json == {"error": "not found"}


def test_too_many_checks_get_429_with_retry_after(app, client):
    app.config["RATE_LIMITS"] = {**app.config["RATE_LIMITS"], "public_lookup": "2 per minute"}
    issued = make.certificate(factories.agency())
    statuses = [client.get(f"/api/v1/certificates/{issued.code}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get(f"/api/v1/certificates/{issued.code}")
    assert refused.is_json and int(refused.headers["Retry-After"]) > 0


def test_the_other_endpoints_still_need_a_token(app, client):
    response = client.get("/api/v1/referrals/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 401
    bad = client.get(
        "/api/v1/referrals/00000000-0000-4000-8000-000000000000",
        headers={"Authorization": "Bearer das_wrong"},
    )
    assert bad.status_code == 401


def test_the_openapi_document_marks_it_public_and_names_the_fields(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/certificates/{code}"]["get"]
    assert operation["security"] == []
    assert set(operation["responses"]) == {"200", "404", "429"}
    assert set(document["components"]["schemas"]["Certificate"]["properties"]) == FIELDS
    assert document["paths"]["/api/v1/referrals"]["post"].get("security") is None  # global bearer
