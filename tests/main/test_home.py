"""Each role's home page says what needs them now, as counts with links, scoped to them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.directory.models import Service, ServiceKind, ServiceMember
from daservice.extensions import db, utcnow
from daservice.notify.models import MessageStatus, OutboxMessage
from daservice.referrals import attention, route_actions
from daservice.referrals.models import Route, RouteStatus
from daservice.uk_time import uk_datetime
from daservice.uk_time import uk_relative as by_when

from .. import factories


def _text(page) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))


@pytest.fixture()
def world(app):
    services = factories.directory()
    referrer = factories.user(Role.REFERRER)
    worker = factories.user(Role.SERVICE_WORKER)
    db.session.add(ServiceMember(service_id=services[ServiceKind.OUTREACH].id, user_id=worker.id))
    db.session.commit()
    return {"services": services, "referrer": referrer, "worker": worker}


def _route(referral) -> Route:
    return referral.routes[0]


def test_service_worker_sees_new_and_overdue_referrals_and_the_next_deadline(
    client, login_as, world
):
    worker = world["worker"]
    first = factories.refer(world["referrer"], factories.referral_payload())
    second = factories.refer(world["referrer"], factories.referral_payload())
    overdue = factories.refer(world["referrer"], factories.referral_payload())
    # Another referrer's high-risk referral goes to Marac and the Idva service, which she does
    # not work: not hers to count.
    factories.refer(
        factories.user(Role.REFERRER),
        factories.referral_payload(risk__answers=factories.high_risk_answers()),
    )
    now = utcnow()
    _route(first).due_at = now + timedelta(hours=30)
    _route(second).due_at = now + timedelta(hours=5)
    _route(overdue).due_at = now - timedelta(hours=1)
    db.session.commit()
    route_actions.accept(worker, _route(overdue).id)  # accepted, still no contact: overdue

    counts = attention.for_worker(worker, now)
    assert (counts.new, counts.overdue) == (2, 1)
    assert counts.next_new_due == _route(second).due_at

    login_as(worker)
    page = _text(client.get("/"))
    assert f"2 new referrals – first contact due by {by_when(_route(second).due_at, now)}" in page
    assert "1 referral is overdue for a first contact attempt" in page
    assert "Okafor" not in page and "DA-2026" not in page  # counts only, no case content


def test_a_contact_attempt_stops_a_referral_counting_as_overdue(world):
    worker = world["worker"]
    referral = factories.refer(world["referrer"], factories.referral_payload())
    route = _route(referral)
    route.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    route_actions.accept(worker, route.id)
    route_actions.log_contact(worker, route.id, channel="phone", outcome="no_answer", notes=None)
    assert attention.for_worker(worker).overdue == 0


def test_a_worker_with_no_service_is_told_how_to_get_one(client, login_as, app):
    login_as(factories.user(Role.SERVICE_WORKER))
    assert "You are not working any service's referrals yet" in _text(client.get("/"))


def test_referrer_sees_unsent_drafts_and_what_services_did_lately(client, login_as, world):
    from daservice.referrals import drafts

    referrer, worker = world["referrer"], world["worker"]
    drafts.start(referrer)
    drafts.start(referrer)
    accepted = factories.refer(referrer, factories.referral_payload())
    declined = factories.refer(referrer, factories.referral_payload())
    old = factories.refer(referrer, factories.referral_payload())
    route_actions.accept(worker, _route(accepted).id)
    route_actions.decline(worker, _route(declined).id, "Not in our area")
    route_actions.accept(worker, _route(old).id)
    _route(old).updated_at = utcnow() - timedelta(days=8)  # outside the 7 days
    db.session.commit()
    # Someone else's draft and referral are not hers.
    other = factories.user(Role.REFERRER)
    drafts.start(other)
    route_actions.accept(worker, _route(factories.refer(other, factories.referral_payload())).id)

    counts = attention.for_referrer(referrer)
    assert counts.drafts == 2
    assert counts.changes == {RouteStatus.ACCEPTED: 1, RouteStatus.DECLINED: 1}

    login_as(referrer)
    page = _text(client.get("/"))
    assert "2 referrals not sent yet" in page
    assert "2 updates from services in the last 7 days" in page
    assert "1 accepted by a service" in page and "1 declined by a service" in page
    assert "Your role: Referrer (frontline professional)" in page


def test_referrer_is_told_of_referrals_waiting_for_consent(world):
    body = factories.referral_payload(consent__status="not_sought")
    factories.refer(world["referrer"], body)
    assert attention.for_referrer(world["referrer"]).waiting_for_consent == 1


def test_a_repeat_only_marac_route_is_not_counted_for_the_referrer(world):
    """The referrer is never told, even by a count, that the victim was known before."""
    referrer = world["referrer"]
    referral = factories.refer(referrer, factories.referral_payload())
    idva = world["services"][ServiceKind.IDVA]
    db.session.add(
        Route(
            referral_id=referral.id,
            service_id=idva.id,
            status=RouteStatus.ACCEPTED,
            referral_agency_id=referral.agency_id,
            referral_risk_level=referral.risk_level,
        )
    )
    db.session.commit()
    assert attention.for_referrer(referrer).changes == {RouteStatus.ACCEPTED: 1}
    referral.marac, referral.repeat = True, True  # Marac only because she was referred before
    db.session.commit()
    assert attention.for_referrer(referrer).changes == {}


def test_referrals_made_at_her_previous_agency_are_not_counted(world):
    referrer, worker = world["referrer"], world["worker"]
    factories.refer(referrer, factories.referral_payload(consent__status="not_sought"))
    route_actions.accept(worker, _route(factories.refer(referrer, factories.referral_payload())).id)
    before = attention.for_referrer(referrer)
    assert (before.waiting_for_consent, before.changed) == (1, 1)
    referrer.agency_id = factories.agency().id  # she moved to another agency
    db.session.commit()
    after = attention.for_referrer(referrer)
    assert (after.waiting_for_consent, after.changed) == (0, 0)


def test_admin_sees_services_nobody_works_and_failed_notifications(client, login_as, world):
    services = world["services"]
    factories.refer(world["referrer"], factories.referral_payload())  # to outreach (staffed)
    # A member who is disabled, or no longer works inboxes, does not staff a service.
    gone = factories.user(Role.SERVICE_WORKER, disabled=True)
    db.session.add(ServiceMember(service_id=services[ServiceKind.IDVA].id, user_id=gone.id))
    db.session.add(
        OutboxMessage(
            template="referral.routed",
            audience="email",
            address="x@example.test",
            params={},
            status=MessageStatus.FAILED,
            next_attempt_at=utcnow(),
        )
    )
    db.session.commit()
    active = db.session.scalars(sa.select(Service).where(Service.status == "active")).all()
    unstaffed = [s for s in active if s.kind != ServiceKind.OUTREACH]

    login_as(factories.user(Role.ADMIN))
    page = client.get("/").get_data(as_text=True)
    text = _text(client.get("/"))
    assert f"{len(unstaffed)} services have nobody to work their referrals" in text
    assert services[ServiceKind.IDVA].name in text
    assert f'href="/admin/services/{services[ServiceKind.IDVA].id}"' in page
    assert f'href="/admin/services/{services[ServiceKind.OUTREACH].id}"' not in page
    assert "1 notification could not be sent" in text and 'href="/admin/notifications"' in page


def test_dpo_is_offered_a_way_to_find_a_record(client, login_as, app):
    login_as(factories.user(Role.DPO))
    page = client.get("/").get_data(as_text=True)
    assert 'href="/dpo/access"' in page and "Find a record and see who accessed it" in page


def test_a_managers_home_page_is_the_reports_dashboard(client, login_as, app):
    login_as(factories.user(Role.MANAGER))
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/reports/"
    page = _text(client.get("/reports/"))
    assert "Nothing to do here yet" not in page and "Contents" in page


def test_a_manager_with_another_role_keeps_her_home_page_with_a_way_to_the_reports(
    client, login_as, app
):
    login_as(factories.user(Role.MANAGER, Role.REFERRER))
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/reports/"' in page and "Your referrals" in page
    assert "Nothing to do here yet" not in page


def test_roles_without_reports_are_not_offered_them(client, login_as, app):
    login_as(factories.user(Role.REFERRER))
    page = client.get("/").get_data(as_text=True)
    assert "measures of success" not in page


# --- The training roles -------------------------------------------------------------------------


def _training_world():
    from datetime import date

    from daservice.training import planning
    from daservice.training.models import EnrolmentStatus, Level, Target
    from daservice.uk_time import uk_today

    from ..training import plan_fixtures as make

    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    plan = planning.save_plan(coordinator, None, name="Plan", starts_on=date(2022, 4, 1))
    year = planning.current_year(plan)
    police, health = factories.agency(name="Police"), factories.agency(name="Health")
    course = make.course(Level.AWARENESS)
    # Health is red: a target of 10 and nobody trained, with part of the year gone.
    db.session.add(
        Target(plan_year_id=year.id, agency_id=health.id, level=Level.AWARENESS, target_count=500)
    )
    db.session.commit()
    today = uk_today()
    with_places = make.run(course, today + timedelta(days=2), capacity=10, places_taken=3)
    full = make.run(course, today + timedelta(days=10), capacity=2, places_taken=2)
    later = make.run(course, today + timedelta(days=30), capacity=10)  # not in the next 14 days
    nurse = make.trainee(health)
    make.enrol(full, nurse, EnrolmentStatus.WAITLISTED)
    make.enrol(with_places, make.trainee(health), EnrolmentStatus.REQUESTED)
    make.enrol(with_places, make.trainee(health), EnrolmentStatus.REQUESTED)
    make.enrol(with_places, make.trainee(police), EnrolmentStatus.REQUESTED)
    past = make.run(course, today - timedelta(days=3))
    make.session(past, utcnow() - timedelta(days=3))  # ended, no register
    make.certificate(
        nurse, course, today - timedelta(days=1000), expires_on=today + timedelta(days=20)
    )
    return {
        "coordinator": coordinator,
        "police": police,
        "health": health,
        "course": course,
        "soon": [with_places.id, full.id],
        "later": later.id,
        "past": past.id,
    }


def test_the_coordinator_is_told_what_needs_her_in_the_training_programme(client, login_as):
    world = _training_world()
    login_as(world["coordinator"])
    page = _text(client.get("/"))
    assert "1 course run starts in the next 14 days with places free" in page
    assert "1 course run starting in the next 14 days is full, with people waiting" in page
    assert "1 session has ended without a register being taken" in page
    assert "1 certificate expires in the next 90 days" in page
    assert "1 agency is well behind their training targets: Health" in page
    assert "Nothing to do here yet" not in page
    # The link opens the runs it counts: the two in the next 14 days, not the one in 30 days.
    assert 'href="/training/runs/?within=14"' in client.get("/").get_data(as_text=True)
    listing = _text(client.get("/training/runs/?within=14"))
    assert "Runs starting in the next 14 days" in listing
    runs_page = client.get("/training/runs/?within=14").get_data(as_text=True)
    assert str(world["soon"][0]) in runs_page and str(world["soon"][1]) in runs_page
    assert str(world["later"]) not in runs_page and str(world["past"]) not in runs_page
    assert str(world["later"]) in client.get("/training/runs/").get_data(as_text=True)


def test_a_training_lead_is_told_of_her_own_agency_only(app, client, login_as):
    from ..conftest import LoginActions

    world = _training_world()
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=world["health"])
    login_as(lead)
    page = _text(client.get("/"))
    assert "2 requests for a place are waiting for your approval" in page
    assert "1 certificate held by your staff expires in the next 90 days" in page
    assert "Progress against this year's targets: Well behind" in page
    police_lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=world["police"])
    other = app.test_client()
    LoginActions(other)(police_lead)
    page = _text(other.get("/"))
    assert "1 request for a place is waiting for your approval" in page
    assert "Your agency has no training targets this plan year" in page
    assert "certificate held by your staff" not in page


def test_a_frontline_worker_sees_her_own_sessions_and_certificates(client, login_as):
    from daservice.training.models import EnrolmentStatus
    from daservice.uk_time import uk_today

    from ..training import plan_fixtures as make

    agency = factories.agency()
    referrer = factories.user(Role.REFERRER, agency_row=agency)
    me = make.trainee(agency, user=referrer)
    course = make.course()
    today = uk_today()
    run = make.run(course, today + timedelta(days=7), places_taken=1)
    first = make.session(run, utcnow() + timedelta(days=7))
    make.session(run, utcnow() + timedelta(days=14))
    make.enrol(run, me, EnrolmentStatus.BOOKED)
    make.certificate(me, course, today - timedelta(days=900), expires_on=today + timedelta(days=30))
    # Someone else's booking is not hers.
    make.enrol(run, make.trainee(agency), EnrolmentStatus.BOOKED)
    login_as(referrer)
    page = _text(client.get("/"))
    assert f"2 training sessions booked – the next is at {uk_datetime(first.starts_at)}" in page
    assert "1 of your certificates expires in the next 90 days" in page


def test_a_frontline_worker_with_no_training_is_told_so(client, login_as):
    login_as(factories.user(Role.SERVICE_WORKER))
    assert "You have no training sessions booked" in _text(client.get("/"))
