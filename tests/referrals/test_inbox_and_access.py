"""Service inbox, route actions, and who may see a referral (tested as a matrix)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit import AuditEvent
from daservice.directory.models import ServiceKind, ServiceMember
from daservice.extensions import db, utcnow
from daservice.referrals.models import Referral, Route, RouteStatus

from .. import factories
from ..conftest import LoginActions, csrf_token
from .contact_forms import contact_time


@pytest.fixture()
def world(app):
    """A referral from an MPS referrer routed to outreach (standard risk) and one held route."""
    directory = factories.directory()
    referrer = factories.user(Role.REFERRER)
    worker = factories.user(Role.SERVICE_WORKER)
    other_worker = factories.user(Role.SERVICE_WORKER)
    programme = factories.user(Role.PROGRAMME_WORKER)
    db.session.add_all(
        [
            ServiceMember(service_id=directory[ServiceKind.OUTREACH].id, user_id=worker.id),
            ServiceMember(service_id=directory[ServiceKind.IDVA].id, user_id=other_worker.id),
            ServiceMember(service_id=directory[ServiceKind.HOUSING].id, user_id=other_worker.id),
            ServiceMember(
                service_id=directory[ServiceKind.PERPETRATOR_PROGRAMME].id, user_id=programme.id
            ),
        ]
    )
    db.session.commit()
    body = factories.referral_payload(
        needs=["housing"],
        safe_contact__code_word="bluebell",
        consent={"status": "given"},
        perpetrator={"first_name": "Kyle", "last_name": "Example", "relationship": "ex-partner"},
        refer_perpetrator_to_programme=True,
        children=[{"name": "Child Canary", "school": "Canary Primary"}],
        narrative="NARRATIVE-CANARY",
    )
    referral = factories.refer(referrer, body)
    return {
        "referral": referral,
        "referrer": referrer,
        "worker": worker,
        "other": other_worker,
        "programme": programme,
        "directory": directory,
    }


def _as(app, user):
    client = app.test_client()
    LoginActions(client)(user)
    return client


def _route(referral_id, kind_name):
    return db.session.scalar(
        sa.select(Route)
        .join(Route.service)
        .where(Route.referral_id == referral_id, sa.literal_column("services.name") == kind_name)
    )


@pytest.mark.parametrize(
    "who,expected",
    [
        ("referrer", 200),
        ("worker", 200),
        ("programme", 200),
        ("other", 200),
        ("stranger_referrer", 404),
        ("manager", 404),
        ("admin", 404),
        ("dpo", 404),
        ("training", 404),
    ],
)
def test_who_may_see_a_referral(app, world, who, expected):
    users = dict(world)
    users["stranger_referrer"] = factories.user(Role.REFERRER)
    users["manager"] = factories.user(Role.MANAGER)
    users["admin"] = factories.user(Role.ADMIN)
    users["dpo"] = factories.user(Role.DPO)
    users["training"] = factories.user(Role.TRAINING_COORDINATOR)
    client = _as(app, users[who])
    response = client.get(f"/referrals/{world['referral'].id}")
    assert response.status_code == expected
    viewed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "referral.viewed", AuditEvent.actor_id == users[who].id)
    )
    assert viewed == (1 if expected == 200 else 0)
    if expected == 404:
        assert "bluebell" not in response.get_data(as_text=True)


def test_safe_contact_comes_first_and_programme_staff_never_see_contact(app, world):
    page = (
        _as(app, world["worker"]).get(f"/referrals/{world['referral'].id}").get_data(as_text=True)
    )
    assert page.index("Safe contact") < page.index("Risk") and "bluebell" in page
    assert "07700 900123" in page
    programme = _as(app, world["programme"]).get(f"/referrals/{world['referral'].id}")
    assert programme.status_code == 200
    text = programme.get_data(as_text=True)
    for secret in (
        "bluebell",
        "07700 900123",
        "12 Example Road",
        "Okafor",
        "Child Canary",
        "Canary Primary",
        "NARRATIVE-CANARY",
        "1991",
    ):
        assert secret not in text, secret
    assert "not shown to perpetrator programme staff" in text and "Kyle" in text


def test_contact_visibility_follows_the_service_not_the_role(app, world):
    """A service worker who works the programme's inbox still never sees her details."""
    programme_service = world["directory"][ServiceKind.PERPETRATOR_PROGRAMME]
    worker = factories.user(Role.SERVICE_WORKER)
    db.session.add(ServiceMember(service_id=programme_service.id, user_id=worker.id))
    db.session.commit()
    text = _as(app, worker).get(f"/referrals/{world['referral'].id}").get_data(as_text=True)
    assert "bluebell" not in text and "NARRATIVE-CANARY" not in text


def test_inbox_lists_routes_for_my_service_soonest_due_first(app, world):
    referrer = world["referrer"]
    high = factories.referral_payload(
        risk__answers=factories.high_risk_answers(14),
        victim={"first_name": "Leah", "last_name": "Brown"},
    )
    factories.refer(referrer, high)
    client = _as(app, world["worker"])
    page = client.get("/inbox/").get_data(as_text=True)
    assert world["referral"].reference in page
    db.session.execute(sa.update(Route).values(due_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert "Overdue" in client.get("/inbox/").get_data(as_text=True)
    # Another service's worker sees only their own (the IDVA route of the high-risk referral).
    other_page = _as(app, world["other"]).get("/inbox/").get_data(as_text=True)
    assert world["referral"].reference in other_page  # housing route of the first referral
    assert _as(app, world["referrer"]).get("/inbox/").status_code == 403


def test_route_actions_and_invalid_transitions(app, world):
    client = _as(app, world["worker"])
    route = _route(world["referral"].id, "Community outreach")
    token = csrf_token(client, f"/referrals/{world['referral'].id}")
    # Cannot log contact before accepting.
    page = client.get(f"/inbox/routes/{route.id}/contact")
    assert "Safe contact" in page.get_data(as_text=True) and "bluebell" in page.get_data(
        as_text=True
    )
    response = client.post(
        f"/inbox/routes/{route.id}/contact",
        data={"channel": "phone", "outcome": "spoke", "csrf_token": token, **contact_time()},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Route, route.id).status == RouteStatus.PENDING
    client.post(f"/inbox/routes/{route.id}/accept", data={"csrf_token": token})
    client.post(
        f"/inbox/routes/{route.id}/contact",
        data={
            "channel": "phone",
            "outcome": "spoke",
            "notes": "Agreed to call back Tuesday",
            "csrf_token": token,
            **contact_time(),
        },
    )
    db.session.expire_all()
    fresh = db.session.get(Route, route.id)
    assert fresh.status == RouteStatus.CONTACT_ATTEMPTED and fresh.first_contact_at is not None
    assert fresh.attempts[0].notes == "Agreed to call back Tuesday"
    client.post(f"/inbox/routes/{route.id}/support", data={"csrf_token": token})
    response = client.post(
        f"/inbox/routes/{route.id}/close",
        data={"outcome": "support_completed", "csrf_token": token},
    )
    db.session.expire_all()
    assert db.session.get(Route, route.id).status == RouteStatus.CLOSED
    # Closed is final.
    client.post(f"/inbox/routes/{route.id}/accept", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Route, route.id).status == RouteStatus.CLOSED


def test_decline_needs_a_reason(app, world):
    client = _as(app, world["worker"])
    route = _route(world["referral"].id, "Community outreach")
    token = csrf_token(client, f"/inbox/routes/{route.id}/decline")
    response = client.post(
        f"/inbox/routes/{route.id}/decline", data={"reason": "", "csrf_token": token}
    )
    assert (
        response.status_code == 400
        and "Enter why your service is declining" in response.get_data(as_text=True)
    )
    client.post(
        f"/inbox/routes/{route.id}/decline", data={"reason": "Out of area", "csrf_token": token}
    )
    db.session.expire_all()
    assert db.session.get(Route, route.id).status == RouteStatus.DECLINED


def test_another_services_worker_gets_404_and_nothing_changes(app, world):
    client = _as(app, world["other"])
    route = _route(world["referral"].id, "Community outreach")
    token = csrf_token(client, "/inbox/")
    for action in ("accept", "support"):
        assert (
            client.post(
                f"/inbox/routes/{route.id}/{action}", data={"csrf_token": token}
            ).status_code
            == 404
        )
    assert client.get(f"/inbox/routes/{route.id}/contact").status_code == 404
    db.session.expire_all()
    assert db.session.get(Route, route.id).status == RouteStatus.PENDING
    assert client.get(f"/inbox/routes/{uuid.uuid4()}/contact").status_code == 404


def test_held_route_is_invisible_until_consent_then_released(app, world):
    referrer = world["referrer"]
    body = factories.referral_payload(
        consent={"status": "not_sought"},
        needs=["housing"],
        victim={"first_name": "Ewa", "last_name": "Novák"},
    )
    held = factories.refer(referrer, body)
    other = _as(app, world["other"])  # works housing
    assert other.get(f"/referrals/{held.id}").status_code == 404
    referrer_client = _as(app, referrer)
    token = csrf_token(referrer_client, f"/referrals/{held.id}")
    referrer_client.post(f"/referrals/{held.id}/consent", data={"csrf_token": token})
    db.session.expire_all()
    assert {r.status for r in db.session.get(Referral, held.id).routes} == {RouteStatus.PENDING}
    assert other.get(f"/referrals/{held.id}").status_code == 200


def test_a_referrer_who_moves_agency_no_longer_sees_her_old_referrals(app, world):
    referrer, referral = world["referrer"], world["referral"]
    client = _as(app, referrer)
    assert referral.reference in client.get("/referrals/").get_data(as_text=True)
    referrer.agency_id = factories.agency().id  # she now works for another agency
    db.session.commit()
    assert referral.reference not in client.get("/referrals/").get_data(as_text=True)
    assert client.get(f"/referrals/{referral.id}").status_code == 404


def test_due_times_are_shown_in_uk_time(app, world):
    from datetime import UTC, datetime

    summer = datetime(2026, 6, 14, 16, 30, tzinfo=UTC)  # 5:30pm in London (BST)
    db.session.execute(sa.update(Route).values(due_at=summer))
    db.session.commit()
    client = _as(app, world["worker"])
    assert "5:30pm on 14 June 2026" in client.get("/inbox/").get_data(as_text=True)
    detail = client.get(f"/referrals/{world['referral'].id}").get_data(as_text=True)
    assert "due by 5:30pm on 14 June 2026" in detail and "UTC" not in detail
