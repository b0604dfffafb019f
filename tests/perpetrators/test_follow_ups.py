"""Exit and follow-up: a placement that started and ended has its exit review due that day and
follow-ups at 6 and 12 months; `flask jobs run` reminds the provider's programme workers once;
at a follow-up, new referrals naming him (and those to Marac) are found through the person
index; refused with a message before it is due, twice, or without its answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.extensions import db
from daservice.notify.models import OutboxMessage
from daservice.perpetrators import follow_ups
from daservice.perpetrators.models import FollowUp, Goals, Placement, Reason, Stage
from daservice.perpetrators.placements import move, take_released_routes
from daservice.perpetrators.refusals import Refused
from daservice.uk_time import uk_today
from tests import factories

from .test_pages import _as

HIM = {
    "first_name": "Kyle",
    "last_name": "Example",
    "date_of_birth": "1985-03-27",
    "relationship": "ex-partner",
}


def _refer(**changes):
    changes.setdefault("perpetrator", dict(HIM))
    changes.setdefault("consent", {"status": "given"})
    body = factories.referral_payload(**changes)
    return factories.refer(factories.user(Role.REFERRER), body)


def _ended(worker, stage=Stage.COMPLETED, reason=None) -> Placement:
    _refer(refer_perpetrator_to_programme=True)
    take_released_routes()
    placement = db.session.scalar(sa.select(Placement))
    for step in (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING):
        move(worker, placement, step)
    move(worker, placement, stage, reason=reason)
    return placement


def _due_now(follow_up: FollowUp) -> None:
    follow_up.due_on = uk_today()
    db.session.commit()


def test_an_ending_schedules_the_exit_review_and_follow_ups_at_6_and_12_months(partnership):
    placement = _ended(partnership["worker"])
    rows = follow_ups.of(placement)
    today = uk_today()
    assert [(f.months, f.due_on) for f in rows] == [
        (0, today),
        (6, today + relativedelta(months=6)),
        (12, today + relativedelta(months=12)),
    ]


def test_a_man_who_never_started_has_nothing_to_follow_up(partnership):
    worker = partnership["worker"]
    _refer(refer_perpetrator_to_programme=True)
    take_released_routes()
    placement = db.session.scalar(sa.select(Placement))
    move(worker, placement, Stage.CONTACTED)
    move(worker, placement, Stage.NOT_SUITABLE, reason=Reason.DENIES_ABUSE)
    assert follow_ups.of(placement) == []


def test_the_job_reminds_the_programme_workers_once_of_each_follow_up_due(partnership):
    placement = _ended(partnership["worker"])
    assert follow_ups.send_reminders() == 1  # the exit review; the others are not due
    assert follow_ups.send_reminders() == 0
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "programme.follow_up_due")
    ).all()
    assert [(m.audience, m.address) for m in messages] == [
        ("programme_workers", str(placement.programme.agency_id))
    ]
    assert partnership["worker"].email in follow_ups.programme_worker_emails(
        str(placement.programme.agency_id)
    )
    six = follow_ups.of(placement)[1]
    later = six.due_on + timedelta(days=1)
    from datetime import UTC, datetime, time

    assert follow_ups.send_reminders(datetime.combine(later, time(12), UTC)) == 1


def test_the_exit_review_needs_the_goals_and_is_recorded_once(partnership):
    worker = partnership["worker"]
    placement = _ended(worker)
    exit_review, six, _twelve = follow_ups.of(placement)
    with pytest.raises(Refused) as missing:
        follow_ups.record(worker, exit_review, follow_ups.FollowUpInput())
    assert missing.value.errors == {"goals": "Select how far he met the programme's goals"}
    follow_ups.record(worker, exit_review, follow_ups.FollowUpInput(goals=Goals.PARTLY_MET))
    with pytest.raises(Refused) as twice:
        follow_ups.record(worker, exit_review, follow_ups.FollowUpInput(goals=Goals.MET))
    assert "recorded already" in twice.value.errors["form"]
    db.session.expire_all()
    assert db.session.get(FollowUp, exit_review.id).goals is Goals.PARTLY_MET
    with pytest.raises(Refused) as early:
        follow_ups.record(worker, six, follow_ups.FollowUpInput(further_incidents=0))
    assert "is not due until" in early.value.errors["form"]


def test_a_follow_up_finds_new_referrals_naming_him_through_the_person_index(partnership):
    worker = partnership["worker"]
    placement = _ended(worker)
    _refer(risk={"tool": "dash", "answers": factories.high_risk_answers()})  # to Marac
    _refer(perpetrator={**HIM, "first_name": "Someone", "last_name": "Else"})  # not him
    # Held for consent (standard risk, a victim not referred before): not the partnership's yet.
    _refer(consent={"status": "not_sought"}, victim__first_name="Nadia", victim__last_name="Held")
    six = follow_ups.of(placement)[1]
    _due_now(six)
    found = follow_ups.found_since(six)
    assert (found.new_referrals, found.new_marac_referrals) == (1, 1)
    with pytest.raises(Refused) as missing:
        follow_ups.record(worker, six, follow_ups.FollowUpInput())
    assert missing.value.errors == {
        "further_incidents": "Enter how many further incidents were reported, or 0"
    }
    follow_ups.record(
        worker, six, follow_ups.FollowUpInput(further_incidents=2, notes="NOTES-CANARY")
    )
    db.session.expire_all()
    saved = db.session.get(FollowUp, six.id)
    assert (saved.further_incidents, saved.new_referrals, saved.new_marac_referrals) == (2, 1, 1)
    raw = db.session.execute(sa.text("SELECT notes FROM placement_follow_ups")).scalars()
    assert not [v for v in raw if v and "CANARY" in v]


def test_the_follow_up_page_by_form_and_another_agency_gets_404(app, partnership):
    worker = partnership["worker"]
    placement = _ended(worker, Stage.DROPPED_OUT, Reason.DISENGAGED)
    exit_review = follow_ups.of(placement)[0]
    client = _as(app, worker)
    home = client.client.get("/").get_data(as_text=True)
    assert "1 exit review or follow-up is due" in home
    path = f"/programmes/follow-ups/{exit_review.id}"
    bad = client.post(path, {"notes": "kept"}, page=path)
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "Select how far he met the programme&#39;s goals" in body and "kept" in body
    viewed = db.session.scalars(
        sa.select(AuditEvent.purpose).where(
            AuditEvent.action == "placement.viewed", AuditEvent.target_id == str(placement.id)
        )
    ).all()
    assert "follow-up page" in viewed  # the page names him
    saved = client.post(path, {"goals": "not_met", "notes": "kept"}, page=path)
    assert saved.status_code == 302
    page = client.client.get(f"/programmes/placements/{placement.id}").get_data(as_text=True)
    assert "Did not meet the programme" in page

    stranger = _as(app, factories.user(Role.PROGRAMME_WORKER))
    six = follow_ups.of(placement)[1]
    assert stranger.client.get(f"/programmes/follow-ups/{six.id}").status_code == 404
    _due_now(six)
    refused = stranger.post(
        f"/programmes/follow-ups/{six.id}", {"further_incidents": "0"}, page="/"
    )
    assert refused.status_code == 404
    db.session.expire_all()
    assert db.session.get(FollowUp, six.id).recorded_at is None
