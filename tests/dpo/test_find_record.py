"""The DPO finds a record by its reference, by a person's name and date of birth, by a user, or
by its id however it is spelt, and sees who viewed and changed it in plain English."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role, User
from daservice.audit import AuditEvent
from daservice.directory.models import ServiceKind, ServiceMember
from daservice.extensions import db
from daservice.referrals import route_actions, services

from .. import factories


@pytest.fixture()
def referral(app):
    """A referral about Amira Okafor (born 14 June 1991), viewed and accepted by an outreach
    worker who then logged a contact attempt."""
    directory = factories.directory()
    worker = factories.user(Role.SERVICE_WORKER)
    worker.display_name = "Imani Worker"
    db.session.add(ServiceMember(service_id=directory[ServiceKind.OUTREACH].id, user_id=worker.id))
    db.session.commit()
    made = factories.refer(factories.user(Role.REFERRER), factories.referral_payload())
    route = made.routes[0]
    services.view_referral(worker, made.id)
    route_actions.open_route(worker, route.id)
    route_actions.accept(worker, route.id)
    route_actions.log_contact(worker, route.id, channel="phone", outcome="no_answer", notes=None)
    return made


def _dpo(login_as):
    login_as(factories.user(Role.DPO))


def _log(client, **params):
    return client.get("/dpo/access", query_string=params)


@pytest.mark.parametrize(
    "spelling",
    [
        lambda u: str(u),
        lambda u: str(u).upper(),
        lambda u: u.hex,
        lambda u: u.hex.upper(),
        lambda u: "{" + str(u) + "}",
        lambda u: f"  {u}  ",
    ],
    ids=["lower-dashed", "upper-dashed", "hex", "upper-hex", "braces", "spaces"],
)
def test_any_spelling_of_an_id_finds_the_same_accesses(client, login_as, referral, spelling):
    _dpo(login_as)
    page = _log(client, target_type="referral", target_id=spelling(referral.id))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Imani Worker" in body  # the worker's access, not only the DPO's own searches


def test_what_is_not_an_id_is_refused_with_a_govuk_error(client, login_as, referral):
    _dpo(login_as)
    page = _log(client, target_type="referral", target_id="DA-2026-not-an-id")
    body = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "govuk-error-summary" in body and "Enter a record ID like" in body
    assert "DA-2026-not-an-id" in body  # what was typed is kept


def test_a_reference_finds_the_referral_with_views_and_changes_in_plain_english(
    client, login_as, referral
):
    _dpo(login_as)
    page = _log(client, reference=referral.reference.lower())  # typed in any case
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"Referral {referral.reference}" in body
    for words in (
        "Sent the referral",
        "Viewed the referral",
        "Accepted the referral",
        "Logged an attempt to contact the person referred",
    ):
        assert words in body, words
    assert referral.routes[0].service.name in body  # which service the route events were for
    assert "route.accepted" not in body and "referral.viewed" not in body
    worker = db.session.scalar(sa.select(User).where(User.display_name == "Imani Worker"))
    assert worker.agency.name in body  # agencies by name, not code


def test_no_record_found_is_not_the_same_as_nobody_accessed_it(client, login_as, referral):
    _dpo(login_as)
    missing = _log(client, reference="DA-2026-999999").get_data(as_text=True)
    assert "No record found with reference DA-2026-999999" in missing
    assert "Nobody has accessed this record" not in missing

    unknown = _log(client, target_type="referral", target_id=str(uuid.uuid4()))
    assert "No record found with ID" in unknown.get_data(as_text=True)

    untouched = factories.user(Role.REFERRER)
    page = _log(client, target_type="user", target_id=str(untouched.id)).get_data(as_text=True)
    assert "Nobody has accessed this record" in page and "No record found" not in page


def test_a_badly_typed_reference_gets_a_govuk_error(client, login_as):
    _dpo(login_as)
    page = _log(client, reference="12345")
    body = page.get_data(as_text=True)
    assert page.status_code == 400 and "govuk-error-summary" in body
    assert "Enter a reference in the right format, like DA-2026-000006" in body


def test_a_person_is_found_by_last_name_and_date_of_birth(client, login_as, referral):
    _dpo(login_as)
    page = client.get(
        "/dpo/people",
        query_string={
            "last_name": "  OKAFOR ",
            "date_of_birth": ["14", "6", "1991"],
        },
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 person found" in body and referral.reference in body
    assert f"target_id={referral.victim_id}" in body
    # Nothing she told us is shown: the matches are named by their referrals.
    assert "12 Example Road" not in body and "07700 900123" not in body

    other = client.get(
        "/dpo/people", query_string={"last_name": "Okafor", "date_of_birth": ["15", "6", "1991"]}
    ).get_data(as_text=True)
    assert "No record found for this name and date of birth" in other


def test_person_search_needs_a_real_date_of_birth(client, login_as):
    _dpo(login_as)
    page = client.get(
        "/dpo/people", query_string={"last_name": "Okafor", "date_of_birth": ["31", "2", "1991"]}
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 400 and "Date of birth must be a real date" in body
    assert "Enter their date of birth" not in body
    assert 'value="Okafor"' in body  # what was typed is kept


def test_a_user_is_found_by_name_or_email_and_their_account_log_shown(client, login_as, app):
    admin = factories.user(Role.ADMIN)
    target = factories.user(Role.REFERRER, email="priya.shah@example.test")
    from daservice import audit

    audit.record("user.updated", actor=admin, target_type="user", target_id=target.id)
    db.session.commit()
    _dpo(login_as)
    found = client.get("/dpo/users", query_string={"q": "PRIYA"}).get_data(as_text=True)
    assert "1 user account found" in found and target.display_name in found
    page = _log(client, target_type="user", target_id=str(target.id)).get_data(as_text=True)
    assert "Changed a user account" in page and admin.display_name in page
    nobody = client.get("/dpo/users", query_string={"q": "nobody-like-this"})
    assert "No user account found" in nobody.get_data(as_text=True)


def test_every_search_is_audited_without_what_was_searched_for(client, login_as, referral):
    _dpo(login_as)
    _log(client, reference="DA-2026-999999")
    client.get(
        "/dpo/people", query_string={"last_name": "Okafor", "date_of_birth": ["14", "6", "1991"]}
    )
    client.get("/dpo/users", query_string={"q": "Imani"})
    _log(client, reference=referral.reference)
    events = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.target_type, AuditEvent.purpose).where(
            AuditEvent.action.in_(["audit.record_searched", "audit.access_log_viewed"])
        )
    ).all()
    assert [(a, t) for a, t, _ in events] == [
        ("audit.record_searched", "referral"),
        ("audit.record_searched", "person"),
        ("audit.record_searched", "user"),
        ("audit.access_log_viewed", "referral"),
    ]
    stored = " ".join(p or "" for _, _, p in events).lower()
    assert "okafor" not in stored and "imani" not in stored and "1991" not in stored


def test_the_dpo_sees_what_a_worker_did_with_each_referral_named(client, login_as, referral):
    worker = db.session.scalar(sa.select(User).where(User.display_name == "Imani Worker"))
    _dpo(login_as)
    account = _log(client, target_type="user", target_id=str(worker.id)).get_data(as_text=True)
    assert f"/dpo/users/{worker.id}/activity" in account
    page = client.get(f"/dpo/users/{worker.id}/activity")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "What Imani Worker did" in body
    assert f"Referral {referral.reference} ({referral.routes[0].service.name})" in body
    assert "Accepted the referral" in body and "Viewed the referral" in body
    assert client.get(f"/dpo/users/{uuid.uuid4()}/activity").status_code == 404
    looked = db.session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.action == "audit.access_log_viewed",
            AuditEvent.target_id == str(worker.id),
        )
    )
    assert looked == 2  # the account's log and the activity: each look is recorded
