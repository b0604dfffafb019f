"""JSON API v1: bearer tokens, the referral contract, idempotency, and errors naming each field."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from daservice.api import auth
from daservice.api.models import ApiClient
from daservice.audit import AuditEvent
from daservice.extensions import db
from daservice.referrals.models import Referral, Route

from .. import factories
from ..conftest import row_count


def post(client, token, body, **headers):
    return client.post(
        "/api/v1/referrals", json=body, headers={"Authorization": f"Bearer {token}", **headers}
    )


def test_standard_risk_referral_with_consent_goes_to_outreach(client, token):
    response = post(client, token, factories.referral_payload())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["reference"].startswith("DA-") and len(body["reference"]) == 14
    assert body["risk"] == {"score": 0, "level": "standard", "marac": False, "criteria": []}
    assert [(r["service"], r["status"]) for r in body["routes"]] == [
        ("Community outreach", "pending")
    ]
    assert body["status"] == "routed"
    assert response.headers["Location"] == f"/api/v1/referrals/{body['id']}"
    assert "Set-Cookie" not in response.headers


def test_high_risk_with_children_routes_to_marac_idva_and_mash(client, token):
    body = factories.referral_payload(
        risk__answers=factories.high_risk_answers(15),
        children=[{"name": "Child One", "date_of_birth": "2019-02-02"}],
    )
    response = post(client, token, body)
    assert response.status_code == 201
    result = response.json
    assert result["risk"]["level"] == "high" and result["risk"]["criteria"] == ["visible_high_risk"]
    assert {r["service"] for r in result["routes"]} == {
        "Redbridge Marac",
        "Redbridge IDVA service",
        "Children's safeguarding (MASH)",
    }


def test_without_consent_only_lawful_routes_are_made_and_the_rest_are_held(client, token):
    body = factories.referral_payload(
        consent={"status": "refused"},
        risk__answers=factories.high_risk_answers(14),
        needs=["housing"],
    )
    result = post(client, token, body).json
    statuses = {r["service"]: r["status"] for r in result["routes"]}
    assert statuses == {
        "Redbridge Marac": "pending",
        "Redbridge IDVA service": "pending",
        "Housing options": "held_for_consent",
    }


def test_standard_risk_without_consent_is_held(client, token):
    result = post(client, token, factories.referral_payload(consent={"status": "not_sought"})).json
    assert result["status"] == "held_for_consent"
    assert result["routes"][0]["status"] == "held_for_consent"


def test_override_records_basis_reason_and_releases_routes(client, token):
    body = factories.referral_payload(
        consent={
            "status": "refused",
            "override": {
                "legal_basis": "dpa2018_sch1_para18",
                "reason": "Imminent risk to life; synthetic test.",
            },
        }
    )
    result = post(client, token, body).json
    assert [r["status"] for r in result["routes"]] == ["pending"]
    referral = db.session.get(Referral, __import__("uuid").UUID(result["id"]))
    assert referral.override_legal_basis == "dpa2018_sch1_para18" and referral.override_at
    assert referral.override_reason == "Imminent risk to life; synthetic test."
    overrides = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "consent.override")
    )
    assert overrides == 1


def test_validation_names_every_bad_field(client, token):
    body = factories.referral_payload(
        victim__last_name="",
        victim__date_of_birth="2999-01-01",
        victim__postcode="NOT A CODE",
        victim__phone="12345",
        safe_contact__safe_to_contact=factories.DELETE,
        risk__answers={"1": "maybe"},
        narrative="x" * 10001,
        children=[{"date_of_birth": "31/02/2020"}],
    )
    response = post(client, token, body)
    assert response.status_code == 422
    errors = response.json["errors"]
    for field in (
        "victim.last_name",
        "victim.date_of_birth",
        "victim.postcode",
        "victim.phone",
        "safe_contact.safe_to_contact",
        "risk.answers.1",
        "risk.answers.2",
        "narrative",
        "children.0.name",
        "children.0.date_of_birth",
    ):
        assert field in errors, field
    assert errors["victim.date_of_birth"] == ["Date of birth must be in the past"]
    assert row_count("referrals") == 0


def test_unknown_fields_are_refused_by_name(client, token):
    response = post(client, token, factories.referral_payload(victim__nickname="x"))
    assert response.status_code == 422 and "victim.nickname" in response.json["errors"]


def test_judgement_needs_a_reason(client, token):
    response = post(client, token, factories.referral_payload(risk__professional_judgement=True))
    assert response.status_code == 422 and "risk.judgement_reason" in response.json["errors"]


@pytest.mark.parametrize(
    "headers,data,status",
    [
        ({"Content-Type": "application/json"}, b"{not json", 400),
        ({"Content-Type": "text/plain"}, b"{}", 415),
        ({"Content-Type": "application/json"}, b"[1, 2]", 422),
    ],
)
def test_malformed_requests(client, token, headers, data, status):
    response = client.post(
        "/api/v1/referrals", data=data, headers={"Authorization": f"Bearer {token}", **headers}
    )
    assert response.status_code == status
    assert response.is_json and response.json["error"]


def test_too_large_is_413(client, token, app):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = post(client, token, factories.referral_payload(narrative="x" * 5000))
    assert response.status_code == 413 and response.is_json


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer das_wrong", "Basic abc", "Bearer " + "x" * 500]
)
def test_missing_or_bad_token_is_401(client, directory, header):
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/referrals", json=factories.referral_payload(), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert row_count("referrals") == 0


def test_revoked_token_is_401_from_the_next_request(client, token):
    assert post(client, token, factories.referral_payload()).status_code == 201
    auth.revoke(db.session.scalar(sa.select(ApiClient)))
    assert post(client, token, factories.referral_payload()).status_code == 401


def test_idempotent_retry_returns_the_same_response_and_creates_nothing(client, token):
    """The same bytes, so a client that signs or hashes responses sees no difference."""
    body = factories.referral_payload()
    first = post(client, token, body, **{"Idempotency-Key": "abc-123"})
    again = post(client, token, body, **{"Idempotency-Key": "abc-123"})
    assert first.status_code == again.status_code == 201
    assert first.get_data() == again.get_data()
    assert first.headers["Location"] == again.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert row_count("referrals") == 1 and row_count("routes") == 1
    other = post(
        client,
        token,
        factories.referral_payload(narrative="different"),
        **{"Idempotency-Key": "abc-123"},
    )
    assert other.status_code == 409
    assert row_count("referrals") == 1


def test_get_referral_for_own_agency_and_404_for_others(client, token, directory):
    created = post(client, token, factories.referral_payload()).json
    mine = client.get(
        f"/api/v1/referrals/{created['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert mine.status_code == 200 and mine.json == created
    from daservice.accounts.models import Agency

    other_agency = db.session.scalar(sa.select(Agency).where(Agency.code == "NELFT"))
    _, other = auth.issue(other_agency.id, "NELFT system")
    before = row_count("audit_events")
    theirs = client.get(
        f"/api/v1/referrals/{created['id']}", headers={"Authorization": f"Bearer {other}"}
    )
    assert theirs.status_code == 404 and theirs.json == {"error": "not found"}
    assert row_count("audit_events") == before  # nothing read, nothing recorded as read
    bad = client.get("/api/v1/referrals/not-a-uuid", headers={"Authorization": f"Bearer {other}"})
    assert bad.status_code == 404


def test_a_partner_system_reads_only_what_it_sent_not_its_agencys_other_referrals(
    client, token, directory
):
    from daservice.accounts.models import Agency

    agency = db.session.scalar(sa.select(Agency).where(Agency.code == "MPS"))
    _, sibling = auth.issue(agency.id, "MPS custody system")  # the same agency, another system
    created = post(client, token, factories.referral_payload()).json
    url = f"/api/v1/referrals/{created['id']}"
    sibling_header = {"Authorization": f"Bearer {sibling}"}
    before = row_count("audit_events")
    assert client.get(url, headers=sibling_header).status_code == 404
    consent = client.post(f"{url}/consent", json={"status": "given"}, headers=sibling_header)
    assert consent.status_code == 404
    assert row_count("audit_events") == before
    # A referral made on the web by the agency's own staff is not the system's either.
    from daservice.accounts.models import Role
    from daservice.referrals.models import Referral

    web_user = factories.user(Role.REFERRER, agency_row=agency)
    made = factories.refer(web_user, factories.referral_payload())
    assert db.session.get(Referral, made.id).agency_id == agency.id
    web_url = f"/api/v1/referrals/{made.id}"
    assert client.get(web_url, headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_protected_values_are_ciphertext_at_rest_and_absent_from_responses(client, token):
    body = factories.referral_payload(
        narrative="CANARY narrative text", safe_contact__code_word="CANARYWORD"
    )
    response = post(client, token, body)
    text = response.get_data(as_text=True)
    assert "CANARY" not in text and "Okafor" not in text
    raw = db.session.execute(sa.text("SELECT narrative, safe_contact FROM referrals")).one()
    assert all(v.startswith("ev1.") for v in raw) and "CANARY" not in " ".join(raw)


def test_repeat_and_serial_perpetrator_through_the_person_index(client, token):
    high = factories.high_risk_answers(14)
    perp = {
        "first_name": "Kyle",
        "last_name": "Example",
        "relationship": "ex-partner",
        "date_of_birth": "1985-01-01",
    }
    first = post(
        client, token, factories.referral_payload(risk__answers=high, perpetrator=perp)
    ).json
    # The same victim again, typed differently: repeat; the referrer is not told she was known.
    again = factories.referral_payload(victim__last_name="OKAFOR ", victim__first_name="amira")
    second = post(client, token, again).json
    stored = db.session.get(Referral, __import__("uuid").UUID(second["id"]))
    assert stored.repeat and stored.marac  # the receiving services see it...
    assert (
        second["risk"]["criteria"] == [] and second["risk"]["marac"] is False
    )  # ...not the referrer
    assert "repeat" not in json.dumps(second)
    victims = {r.victim_id for r in db.session.scalars(sa.select(Referral))}
    assert len(victims) == 1
    # Same perpetrator, different victim: serial perpetrator flagged on both referrals.
    other_victim = factories.referral_payload(
        victim={"first_name": "Leah", "last_name": "Brown", "date_of_birth": "1993-03-03"},
        perpetrator=dict(perp, last_name="EXAMPLE"),
    )
    post(client, token, other_victim)
    flags = dict(
        db.session.execute(sa.select(Referral.reference, Referral.serial_perpetrator)).all()
    )
    assert flags[first["reference"]] is True
    assert sum(flags.values()) == 2


def test_a_repeat_referral_looks_to_its_referrer_exactly_like_a_first_one(client, token):
    # A Marac referral for her, then a low-scoring one: Marac again, only because of "repeat".
    post(client, token, factories.referral_payload(risk__answers=factories.high_risk_answers(14)))
    again = factories.referral_payload(victim__last_name="OKAFOR", consent={"status": "not_sought"})
    seen = post(client, token, again).json
    stranger = factories.referral_payload(
        victim={"first_name": "Leah", "last_name": "Brown", "date_of_birth": "1993-03-03"},
        consent={"status": "not_sought"},
    )
    first_time = post(client, token, stranger).json

    def shown(summary: dict) -> tuple:
        return (
            summary["status"],
            summary["risk"],
            [(r["service"], r["status"]) for r in summary["routes"]],
        )

    assert shown(seen) == shown(first_time)  # nothing tells the referrer she was known
    assert [r["service"] for r in seen["routes"]] == ["Community outreach"]
    read_back = client.get(
        f"/api/v1/referrals/{seen['id']}", headers={"Authorization": f"Bearer {token}"}
    ).json
    assert shown(read_back) == shown(first_time)
    # The receiving services get all of it: Marac and the Idva, lawful without consent.
    stored = db.session.get(Referral, __import__("uuid").UUID(seen["id"]))
    assert stored.repeat and stored.marac
    routed = {r.service.kind.value: r.status.value for r in stored.routes}
    assert routed == {"marac": "pending", "idva": "pending", "outreach": "held_for_consent"}


def test_new_routes_notify_service_workers_without_case_detail(client, token, app, directory):
    from daservice.accounts.models import Role
    from daservice.directory.models import ServiceKind, ServiceMember

    worker = factories.user(Role.SERVICE_WORKER)
    db.session.add(ServiceMember(service_id=directory[ServiceKind.OUTREACH].id, user_id=worker.id))
    db.session.commit()
    post(client, token, factories.referral_payload())
    sent = factories.deliver()
    assert [m.to for m in sent] == [worker.email]
    assert "Okafor" not in sent[0].subject + sent[0].body and "DA-" not in sent[0].body


def test_sla_due_time_is_set_for_released_routes(client, token):
    post(client, token, factories.referral_payload(risk__answers=factories.high_risk_answers(14)))
    routes = db.session.scalars(sa.select(Route)).all()
    assert routes and all(r.due_at is not None for r in routes)


def test_partner_system_records_consent_later_and_held_routes_are_released(
    client, token, directory
):
    created = post(client, token, factories.referral_payload(consent={"status": "not_sought"})).json
    assert created["status"] == "held_for_consent"
    url = f"/api/v1/referrals/{created['id']}/consent"
    auth_header = {"Authorization": f"Bearer {token}"}
    bad = client.post(url, json={"status": "refused"}, headers=auth_header)
    assert bad.status_code == 422 and "status" in bad.json["errors"]
    released = client.post(url, json={"status": "given"}, headers=auth_header)
    assert released.status_code == 200
    assert [r["status"] for r in released.json["routes"]] == ["pending"]
    from daservice.accounts.models import Agency

    other_agency = db.session.scalar(sa.select(Agency).where(Agency.code == "NELFT"))
    _, other = auth.issue(other_agency.id, "NELFT system")
    assert (
        client.post(
            url, json={"status": "given"}, headers={"Authorization": f"Bearer {other}"}
        ).status_code
        == 404
    )


def test_a_new_token_replaces_the_old_and_keeps_the_clients_referrals(client, token, app):
    created = post(client, token, factories.referral_payload()).json
    stored = db.session.scalar(sa.select(ApiClient))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-clients", "new-token", "--client", str(stored.id)])
    assert result.exit_code == 0, result.output
    fresh = result.output.split("secret store): ")[1].strip()
    assert fresh.startswith("das_") and fresh != token
    url = f"/api/v1/referrals/{created['id']}"
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {fresh}"}).json == created
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "api_client.token_replaced" in actions
    bad = runner.invoke(args=["api-clients", "new-token", "--client", "not-an-id"])
    assert bad.exit_code != 0 and "not a client id" in bad.output


def test_a_revoked_client_is_refused_at_once_and_its_referrals_stay(client, token, app):
    created = post(client, token, factories.referral_payload()).json
    stored = db.session.scalar(sa.select(ApiClient))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-clients", "revoke", "--client", str(stored.id)])
    assert result.exit_code == 0, result.output
    assert "no longer works" in result.output
    url = f"/api/v1/referrals/{created['id']}"
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert db.session.get(Referral, uuid.UUID(created["id"])) is not None
    assert "api_client.revoked" in db.session.scalars(sa.select(AuditEvent.action)).all()
    again = runner.invoke(args=["api-clients", "revoke", "--client", str(stored.id)])
    assert again.exit_code != 0 and "no such active client" in again.output


def test_the_example_in_docs_api_md_is_accepted(client, token):
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    example = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    response = post(client, token, example)
    assert response.status_code == 201, response.get_json()
    assert response.json["risk"]["level"] == "standard"
    kinds = {r["service"] for r in response.json["routes"]}
    assert {"Community outreach", "Housing options"} <= kinds


def test_an_idempotency_key_is_scoped_to_what_it_was_sent_for(app, token):
    from daservice.api import idempotency

    client_id = db.session.scalar(sa.select(ApiClient.id))
    ran = []

    def work():
        ran.append(1)
        return idempotency.Answer(201, '{"id": "x"}\n')

    for scope in ("POST /api/v1/referrals", "POST /api/v1/placements", "POST /api/v1/referrals"):
        idempotency.once(client_id, scope, "same-key", {"a": 1}, work, lambda sent: None)
    assert len(ran) == 2  # the third is the first's retry


def test_recording_consent_twice_changes_nothing_the_second_time(client, token):
    created = post(client, token, factories.referral_payload(consent={"status": "not_sought"})).json
    url = f"/api/v1/referrals/{created['id']}/consent"
    headers = {"Authorization": f"Bearer {token}"}
    first = client.post(url, json={"status": "given"}, headers=headers)
    recorded = db.session.get(Referral, uuid.UUID(created["id"])).consent_recorded_at
    second = client.post(url, json={"status": "given"}, headers=headers)
    assert first.status_code == second.status_code == 200 and first.json == second.json
    db.session.expire_all()
    assert db.session.get(Referral, uuid.UUID(created["id"])).consent_recorded_at == recorded
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("consent.given") == 1


def _chunked(client, token, body: bytes):
    """A body sent with Transfer-Encoding: chunked, as gunicorn hands it over (no Content-Length,
    the stream terminated by the server)."""
    import io

    return client.post(
        "/api/v1/referrals",
        input_stream=io.BytesIO(body),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_an_oversized_chunked_body_is_413_as_documented(client, token, app):
    """Probe F8: without a Content-Length the body was cut at the limit and answered 400."""
    app.config["MAX_CONTENT_LENGTH"] = 2000
    body = json.dumps(factories.referral_payload(narrative="x" * 5000)).encode()
    response = _chunked(client, token, body)
    assert response.status_code == 413
    assert response.json == {"error": "request too large"}
    assert row_count("referrals") == 0


def test_a_small_chunked_body_is_accepted(client, token):
    response = _chunked(client, token, json.dumps(factories.referral_payload()).encode())
    assert response.status_code == 201, response.json


def test_duplicate_member_names_are_refused_naming_the_key(client, token):
    """A gateway that keeps the first value would disagree with one that keeps the last."""
    body = json.dumps(factories.referral_payload())[:-1] + ', "consent": {"status": "refused"}}'
    response = client.post(
        "/api/v1/referrals",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json == {"error": 'malformed JSON: the name "consent" appears twice'}
    assert row_count("referrals") == 0


def test_duplicate_names_in_a_nested_object_are_refused(client, token):
    body = json.dumps(factories.referral_payload()).replace(
        '"first_name": "Amira"', '"first_name": "Amira", "first_name": "Zed"', 1
    )
    response = client.post(
        "/api/v1/referrals",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "first_name" in response.json["error"]


def test_an_api_override_names_the_partner_system_and_its_agency_as_the_decider(client, token):
    """docs/api.md: through the API, the decider of record for an override is the partner
    system that sent it and its agency (which answers for who decided, in its own records)."""
    body = factories.referral_payload(
        consent={
            "status": "not_sought",
            "override": {"legal_basis": "cda1998_s115", "reason": "Synthetic: Marac."},
        }
    )
    result = post(client, token, body).json
    stored = db.session.scalar(sa.select(ApiClient))
    referral = db.session.get(Referral, uuid.UUID(result["id"]))
    assert referral.api_client_id == stored.id and referral.override_by_id is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "consent.override"))
    assert event.actor_id == stored.id and event.agency_id == stored.agency_id
    assert event.target_id in {str(referral.id), referral.id.hex}
