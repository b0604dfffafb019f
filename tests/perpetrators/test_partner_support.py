"""Partner support: the victim's IDVA or outreach worker hears of his engagement (starts, missed
sessions, concerns, risk rises, endings) and sees those events only; programme staff never see
her; and no one holds both sides of one couple's case."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Agency, Role
from daservice.directory.models import Service, ServiceMember
from daservice.extensions import db
from daservice.notify.models import OutboxMessage
from daservice.perpetrators import partner_support, queries, risk, sessions
from daservice.perpetrators.engagement import PARTNER_SUPPORT_KINDS
from daservice.perpetrators.models import (
    Attendance,
    EngagementEvent,
    EngagementKind,
    EngagementRead,
    Placement,
    Reason,
    RiskLevel,
    RiskTool,
    SessionKind,
    Stage,
)
from daservice.perpetrators.placements import move
from daservice.perpetrators.refusals import Refused
from daservice.referrals.models import Route, RouteStatus
from daservice.uk_time import uk_today
from tests import factories

from .test_pages import VICTIM_CANARIES, _as, _placement_from_a_referral

PROGRAMME_SECRETS = ("STAGE-SECRET", "RISK-SECRET", "NOTES-SECRET", "CONCERN-SECRET", "Kyle")


def _her_worker(placement: Placement):
    """A worker of the partner-support service her referral was routed to."""
    service = db.session.scalar(
        sa.select(Service)
        .join(Route, Route.service_id == Service.id)
        .where(Route.referral_id == placement.referral_id, Service.kind.in_(PARTNER_SUPPORT_KINDS))
    )
    assert service is not None, "the test referral should be routed to an IDVA or outreach service"
    worker = factories.user(
        Role.SERVICE_WORKER, agency_row=db.session.get(Agency, service.agency_id)
    )
    db.session.add(ServiceMember(service_id=service.id, user_id=worker.id))
    db.session.commit()
    return worker, service


def _engage(worker, placement):
    """Start him, miss a session, raise a concern, raise his risk, then exclude him."""
    for stage in (Stage.CONTACTED, Stage.ASSESSED):
        move(worker, placement, stage)
    move(worker, placement, Stage.ATTENDING, detail="STAGE-SECRET")
    today = uk_today()
    first = sessions.add_session(
        worker, placement.programme, sessions.SessionInput(SessionKind.GROUP, today, "Week 1")
    )
    sessions.save_register(
        worker, first, {placement.id: sessions.LineInput(Attendance.ABSENT)}, "NOTES-SECRET"
    )
    second = sessions.add_session(
        worker,
        placement.programme,
        sessions.SessionInput(SessionKind.ONE_TO_ONE, today, "Review", placement.id),
    )
    sessions.save_register(
        worker,
        second,
        {placement.id: sessions.LineInput(Attendance.ATTENDED, True, "CONCERN-SECRET")},
    )
    for level in (RiskLevel.MEDIUM, RiskLevel.HIGH):
        risk.review(worker, placement, risk.ReviewInput(RiskTool.SARA, level, today, "RISK-SECRET"))
    move(worker, placement, Stage.EXCLUDED, reason=Reason.FURTHER_ABUSE, detail="STAGE-SECRET")


def test_her_worker_is_alerted_to_each_engagement_event_and_sees_nothing_else(app, partnership):
    placement = _placement_from_a_referral()
    her_worker, service = _her_worker(placement)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    _engage(partnership["worker"], placement)

    events = db.session.scalars(sa.select(EngagementEvent).order_by(EngagementEvent.at)).all()
    assert [e.kind for e in events] == [
        EngagementKind.STARTED,
        EngagementKind.MISSED_SESSION,
        EngagementKind.CONCERN_RAISED,
        EngagementKind.RISK_INCREASED,
        EngagementKind.EXCLUDED,
    ]
    assert {e.referral_id for e in events} == {placement.referral_id}
    alerts = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "programme.engagement")
    ).all()
    assert len(alerts) == 5 and {a.address for a in alerts} == {str(service.id)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) >= before + 5
    for message in alerts:  # the text says there is an update, nothing of him or her
        text = str(message.params or "")
        assert not [s for s in PROGRAMME_SECRETS + VICTIM_CANARIES if s in text]

    client = _as(app, her_worker)
    home = client.client.get("/").get_data(as_text=True)
    assert "5 new programme updates" in home
    page = client.client.get("/partner-support/").get_data(as_text=True)
    for kind in (EngagementKind.STARTED, EngagementKind.EXCLUDED, EngagementKind.RISK_INCREASED):
        assert kind.label in page
    assert not [s for s in PROGRAMME_SECRETS if s in page]
    assert "Further abuse" not in page  # the reason stays with the programme
    # His placement is not hers to open: her role has no programme work at all.
    assert client.client.get(f"/programmes/placements/{placement.id}").status_code == 403

    ids = [str(e.id) for e in events]
    read = client.post("/partner-support/", {"event": ids}, page="/partner-support/")
    assert read.status_code == 302
    assert partner_support.unseen_count(her_worker) == 0
    assert "Programme updates</a> about people you support" in client.client.get("/").get_data(
        as_text=True
    )


def test_programme_staff_never_see_her_details(app, partnership):
    placement = _placement_from_a_referral()
    _her_worker(placement)
    worker = partnership["worker"]
    _engage(worker, placement)
    client = _as(app, worker)
    session_ids = db.session.scalars(sa.text("SELECT id FROM programme_sessions")).all()
    paths = [
        "/",
        "/programmes/",
        f"/programmes/{placement.programme_id}",
        f"/programmes/placements/{placement.id}",
        f"/programmes/{placement.programme_id}/sessions/new",
        *(f"/programmes/sessions/{sid}/register" for sid in session_ids),
    ]
    for path in paths:
        body = client.client.get(path).get_data(as_text=True)
        assert not [c for c in VICTIM_CANARIES if c in body], path
    # And no engagement alert went to the programme's own workers.
    programme_service = str(placement.programme.service_id)
    assert not db.session.scalar(
        sa.select(OutboxMessage.id).where(
            OutboxMessage.template == "programme.engagement",
            OutboxMessage.address == programme_service,
        )
    )


def test_no_one_holds_both_sides_of_one_couples_case(app, partnership):
    placement = _placement_from_a_referral()
    her_worker, service = _her_worker(placement)
    # A programme worker of the provider who also works her partner-support service.
    both = factories.user(
        Role.PROGRAMME_WORKER, agency_row=db.session.get(Agency, partnership["programme"].agency_id)
    )
    db.session.add(ServiceMember(service_id=service.id, user_id=both.id))
    db.session.commit()

    assert (
        db.session.scalar(queries.placements_of(both).where(Placement.id == placement.id)) is None
    )
    client = _as(app, both)
    assert client.client.get(f"/programmes/placements/{placement.id}").status_code == 404
    page = f"/programmes/placements/{placement.id}"
    refused = client.post(page, {"stage": "contacted", "expected": "referred"}, page="/")
    assert refused.status_code == 404
    listing = client.client.get(f"/programmes/{placement.programme_id}").get_data(as_text=True)
    assert "Kyle" not in listing
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).stage is Stage.REFERRED
    # Her colleague on the programme side works it; she keeps the victim's side.
    assert queries.placement_for(partnership["worker"], placement.id).id == placement.id
    # Nor does she take a group register he is on, or read its notes.
    colleague = partnership["worker"]
    for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING):
        move(colleague, placement, stage)
    group = sessions.add_session(
        colleague,
        placement.programme,
        sessions.SessionInput(SessionKind.GROUP, uk_today(), "Week 1"),
    )
    sessions.save_register(
        colleague, group, {placement.id: sessions.LineInput(Attendance.ATTENDED)}, "NOTES-SECRET"
    )
    assert sessions.register(both, group).withheld
    register_page = client.client.get(f"/programmes/sessions/{group.id}/register")
    assert "a colleague must take it" in register_page.get_data(as_text=True)
    assert "NOTES-SECRET" not in register_page.get_data(as_text=True)
    with pytest.raises(Refused):
        sessions.save_register(both, group, {placement.id: sessions.LineInput(Attendance.ABSENT)})
    assert partner_support.unseen_count(both) == 1  # as her worker, she hears of his start


def test_another_partner_support_worker_sees_no_one_elses_updates(app, partnership):
    placement = _placement_from_a_referral()
    _her_worker(placement)
    _engage(partnership["worker"], placement)
    stranger = factories.user(Role.SERVICE_WORKER)
    assert partner_support.updates(stranger) == []
    assert (
        partner_support.mark_read(stranger, list(db.session.scalars(sa.select(EngagementEvent.id))))
        == 0
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EngagementRead)) == 0


def test_each_worker_reads_her_own_updates_and_a_held_route_hears_nothing(app, partnership):
    placement = _placement_from_a_referral()
    her_worker, service = _her_worker(placement)
    colleague = factories.user(
        Role.SERVICE_WORKER, agency_row=db.session.get(Agency, service.agency_id)
    )
    db.session.add(ServiceMember(service_id=service.id, user_id=colleague.id))
    db.session.commit()
    worker = partnership["worker"]
    for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING):
        move(worker, placement, stage)
    ids = list(db.session.scalars(sa.select(EngagementEvent.id)))
    assert partner_support.mark_read(her_worker, ids + ids) == 1  # the start, once
    assert partner_support.unseen_count(her_worker) == 0
    assert partner_support.unseen_count(colleague) == 1  # hers is her own

    # A route held for consent is not shared with its service yet: it is told nothing.
    route = db.session.scalar(
        sa.select(Route).where(
            Route.referral_id == placement.referral_id, Route.service_id == service.id
        )
    )
    route.status = RouteStatus.HELD_FOR_CONSENT
    db.session.commit()
    assert partner_support.updates(colleague) == []
    move(worker, placement, Stage.SUSPENDED, reason=Reason.RISK_REVIEW)
    alerts = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.template == "programme.engagement")
    )
    assert alerts == 1  # the start's only


def test_an_absence_her_worker_has_seen_stays_when_corrected(app, partnership):
    placement = _placement_from_a_referral()
    her_worker, _service = _her_worker(placement)
    worker = partnership["worker"]
    for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING):
        move(worker, placement, stage)
    group = sessions.add_session(
        worker, placement.programme, sessions.SessionInput(SessionKind.GROUP, uk_today(), "Week 1")
    )
    absent = {placement.id: sessions.LineInput(Attendance.ABSENT)}
    sessions.save_register(worker, group, absent)
    kinds = {u.kind for u in partner_support.updates(her_worker)}  # she has seen it
    assert EngagementKind.MISSED_SESSION in kinds
    sessions.save_register(worker, group, {placement.id: sessions.LineInput(Attendance.ATTENDED)})
    kinds = {u.kind for u in partner_support.updates(her_worker)}
    assert EngagementKind.MISSED_SESSION in kinds  # as she was told it
