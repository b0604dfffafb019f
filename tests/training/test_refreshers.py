"""Refresher reminders: each stage once, to the trainee and her agency's training leads, never for
a revoked or superseded certificate, and the certificate itself left as it was."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.extensions import db, utcnow
from daservice.training import refreshers
from daservice.training.models import Certificate, CertificateStatus, Course, RefresherReminder
from daservice.training.models import RefresherStage as Stage
from daservice.uk_time import uk_today
from tests import factories
from tests.training import evaluation_builders as build

EXPIRES = date(2027, 6, 30)


def _holder():
    agency = factories.agency()
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=agency)
    factories.user(Role.REFERRER, agency_row=agency)  # not a lead: not told
    course = build.course(refresher_window_days=90)
    trainee = build.trainee(agency)
    certificate = build.certificate(trainee, course, date(2025, 6, 30), EXPIRES)
    return certificate, trainee, lead


def _run(on: date) -> list:
    refreshers.send_reminders(on)
    return factories.deliver()


def _stages() -> set[Stage]:
    return set(db.session.scalars(sa.select(RefresherReminder.stage)))


def test_each_stage_is_sent_once_to_the_trainee_and_her_training_leads(app):
    certificate, trainee, lead = _holder()
    assert _run(EXPIRES - timedelta(days=91)) == []  # the window has not opened

    for on, stage, subject in (
        (EXPIRES - timedelta(days=90), Stage.WINDOW_OPENS, "Time to book your refresher"),
        (EXPIRES - timedelta(days=14), Stage.WINDOW_CLOSING, "Your certificate expires soon"),
        (EXPIRES, Stage.EXPIRED, "Your certificate has expired"),
    ):
        sent = _run(on)
        assert sorted(e.to for e in sent) == sorted([trainee.work_email, lead.email]), stage
        assert any(e.subject.startswith(subject) for e in sent if e.to == trainee.work_email)
        assert stage in _stages()
        assert _run(on) == []  # a rerun sends nothing
        assert _run(on + timedelta(days=1)) == []


def test_messages_carry_the_course_and_dates_only(app):
    certificate, trainee, lead = _holder()
    sent = _run(EXPIRES - timedelta(days=80))
    assert len(sent) == 2
    for email in sent:
        assert certificate.course_title in email.body and "30 June 2027" in email.body
        assert trainee.name not in email.body + email.subject
        assert "TEST-CODE" not in email.body


def test_a_certificate_first_seen_late_gets_its_latest_stage_only(app):
    _holder()
    sent = _run(EXPIRES - timedelta(days=10))
    assert len(sent) == 2 and all("expires soon" in e.subject for e in sent)
    assert _stages() == {Stage.WINDOW_OPENS, Stage.WINDOW_CLOSING}
    assert _run(EXPIRES - timedelta(days=9)) == []


def test_a_certificate_long_expired_when_first_seen_is_history_not_news(app):
    _holder()
    assert _run(EXPIRES + timedelta(days=400)) == []
    assert _stages() == set(Stage)


def test_no_reminder_for_a_revoked_certificate(app):
    certificate, _, _ = _holder()
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = "Issued in error"
    db.session.commit()
    assert _run(EXPIRES) == []


def test_no_reminder_once_a_refresher_has_superseded_the_certificate_and_history_is_kept(app):
    old, trainee, _ = _holder()
    course = db.session.get(Course, old.course_id)
    newer = build.certificate(trainee, course, date(2027, 5, 1), date(2029, 5, 1))
    assert _run(EXPIRES) == []
    db.session.refresh(old)
    assert (old.completed_on, old.expires_on) == (date(2025, 6, 30), EXPIRES)
    assert old.status_on(EXPIRES + timedelta(days=1)) is CertificateStatus.EXPIRED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 2
    assert newer.status_on(EXPIRES) is CertificateStatus.VALID


def test_a_certificate_without_expiry_needs_no_refresher(app):
    agency = factories.agency()
    course = build.course(validity_months=None)
    build.certificate(build.trainee(agency), course, date(2025, 6, 30), None)
    assert _run(uk_today()) == []


def test_refreshers_due_lists_open_windows_in_the_users_scope(app):
    certificate, trainee, lead = _holder()
    other_lead = factories.user(Role.AGENCY_TRAINING_LEAD)
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    opens = EXPIRES - timedelta(days=90)
    assert refreshers.refreshers_due(lead, opens - timedelta(days=1)) == []
    assert [c.id for c in refreshers.refreshers_due(lead, opens)] == [certificate.id]
    assert [c.id for c in refreshers.refreshers_due(coordinator, opens)] == [certificate.id]
    assert refreshers.refreshers_due(other_lead, opens) == []
    assert refreshers.refreshers_due(lead, EXPIRES + timedelta(days=1)) == []  # expired
