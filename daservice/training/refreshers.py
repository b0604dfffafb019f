"""Refresher reminders (the job ``training.refresher_reminders``).

A certificate with an expiry has three moments: its course's refresher window opens
(``refresher_window_days`` before expiry), the window is about to close
(``REFRESHER_CLOSING_NOTICE`` before expiry), and it expires. At each, the trainee (her work email)
and her agency's training leads are reminded, once: a ``RefresherReminder`` row per (certificate,
stage) is inserted before the messages are written, in the same transaction, so a rerun (or a
second server) finds the stage taken and sends nothing.

No reminder goes for a revoked certificate, for a trainee who has left, or for a certificate
already superseded by a newer valid one of the same course (she has done her refresher). Nothing
here changes a certificate: the old one keeps its dates and status, and a refresher is a new
enrolment with its own certificate.

When the job first sees a certificate several stages late (a first run, or history loaded from
elsewhere), only the latest stage is sent and the earlier ones are recorded as passed, so nobody
gets three emails at once; an expiry more than ``TOO_LATE`` ago is recorded and not sent at all.

Messages carry the course's title and dates only.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from .. import notify
from ..accounts.models import User
from ..extensions import db, insert_if_absent
from ..uk_time import uk_date, uk_today
from .audiences import AGENCY_TRAINING_LEADS
from .models import Certificate, Course, RefresherReminder, RefresherStage, Trainee
from .queries import agency_condition

TOO_LATE = timedelta(days=30)

STAGES = (RefresherStage.WINDOW_OPENS, RefresherStage.WINDOW_CLOSING, RefresherStage.EXPIRED)

TRAINEE_TEMPLATES = {
    RefresherStage.WINDOW_OPENS: "training.refresher_opens",
    RefresherStage.WINDOW_CLOSING: "training.refresher_closing",
    RefresherStage.EXPIRED: "training.refresher_expired",
}
LEAD_TEMPLATES = {
    RefresherStage.WINDOW_OPENS: "training.refresher_opens_lead",
    RefresherStage.WINDOW_CLOSING: "training.refresher_closing_lead",
    RefresherStage.EXPIRED: "training.refresher_expired_lead",
}


def register_templates() -> None:
    """Six fixed texts: to the trainee and to her agency's leads, for each stage."""
    book = "Ask your agency's training lead to book you a place, or sign in to {service_url}."
    notify.register_template(
        TRAINEE_TEMPLATES[RefresherStage.WINDOW_OPENS],
        subject="Time to book your refresher: {course}",
        body="Your certificate for {course} (completed on {completed_on}) expires on "
        "{expires_on}. You can now take the refresher course. " + book,
    )
    notify.register_template(
        TRAINEE_TEMPLATES[RefresherStage.WINDOW_CLOSING],
        subject="Your certificate expires soon: {course}",
        body="Your certificate for {course} (completed on {completed_on}) expires on "
        "{expires_on}. " + book,
    )
    notify.register_template(
        TRAINEE_TEMPLATES[RefresherStage.EXPIRED],
        subject="Your certificate has expired: {course}",
        body="Your certificate for {course} (completed on {completed_on}) expired on "
        "{expires_on}. Your training record keeps it. To be certified again, take the "
        "refresher course. " + book,
    )
    staff = "A certificate held by one of your agency's staff for {course}"
    see = " Sign in to {service_url} to see who and book a refresher."
    notify.register_template(
        LEAD_TEMPLATES[RefresherStage.WINDOW_OPENS],
        subject="Refresher due: {course}",
        body=staff + " (completed on {completed_on}) expires on {expires_on}: the refresher "
        "window is open." + see,
    )
    notify.register_template(
        LEAD_TEMPLATES[RefresherStage.WINDOW_CLOSING],
        subject="Certificate expires soon: {course}",
        body=staff + " (completed on {completed_on}) expires on {expires_on}." + see,
    )
    notify.register_template(
        LEAD_TEMPLATES[RefresherStage.EXPIRED],
        subject="Certificate expired: {course}",
        body=staff + " (completed on {completed_on}) expired on {expires_on}." + see,
    )


def stage_dates(
    expires_on: date, window_days: int, closing: timedelta
) -> dict[RefresherStage, date]:
    """The day each stage begins for a certificate expiring on ``expires_on``."""
    return {
        RefresherStage.WINDOW_OPENS: expires_on - timedelta(days=window_days),
        RefresherStage.WINDOW_CLOSING: expires_on - closing,
        RefresherStage.EXPIRED: expires_on,
    }


def _current(today: date, closing: timedelta) -> sa.Select:
    """(certificate, its course's window, the holder's agency) for each certificate that may
    need a refresher by now: valid, expiring, the holder still here, not superseded."""
    widest = max(
        db.session.scalar(sa.select(sa.func.max(Course.refresher_window_days))) or 0,
        closing.days,
    )
    newer = aliased(Certificate)
    superseded = sa.exists().where(
        newer.trainee_id == Certificate.trainee_id,
        newer.course_id == Certificate.course_id,
        newer.revoked_at.is_(None),
        newer.completed_on > Certificate.completed_on,
    )
    return (
        sa.select(Certificate, Course.refresher_window_days, Trainee.agency_id)
        .join(Course, Course.id == Certificate.course_id)
        .join(Trainee, Trainee.id == Certificate.trainee_id)
        .where(
            Certificate.revoked_at.is_(None),
            Certificate.expires_on.is_not(None),
            Trainee.active.is_(True),
            ~superseded,
            # No stage can have begun before the widest window opens (each certificate's own
            # stages are checked exactly in Python).
            Certificate.expires_on <= today + timedelta(days=widest),
        )
    )


def _candidates(today: date, closing: timedelta) -> list[tuple[Certificate, int, str]]:
    """Certificates that may have a stage due and not yet reminded."""
    reminded = (
        sa.select(sa.func.count())
        .where(RefresherReminder.certificate_id == Certificate.id)
        .scalar_subquery()
    )
    rows = db.session.execute(_current(today, closing).where(reminded < len(STAGES)))
    return [(c, int(w), str(a)) for c, w, a in rows]


def refreshers_due(user: User, today: date | None = None) -> list[Certificate]:
    """Certificates in this user's scope whose refresher window is open and that have not expired
    yet, soonest expiry first: for the dashboard and a lead's home page ("book a refresher")."""
    today = today or uk_today()
    closing: timedelta = current_app.config["REFRESHER_CLOSING_NOTICE"]
    rows = db.session.execute(
        _current(today, closing).where(
            Certificate.expires_on >= today, agency_condition(user, Trainee.agency_id)
        )
    )
    due = [
        certificate
        for certificate, window_days, _ in rows
        if certificate.expires_on is not None
        and certificate.expires_on - timedelta(days=int(window_days)) <= today
    ]
    return sorted(due, key=lambda c: (c.expires_on, c.holder_name))


def send_reminders(today: date | None = None) -> str:
    """The job: remind each certificate's holder and leads of each stage once."""
    today = today or uk_today()
    closing: timedelta = current_app.config["REFRESHER_CLOSING_NOTICE"]
    connection = db.session.connection()
    sent = 0
    for certificate, window_days, agency_id in _candidates(today, closing):
        assert certificate.expires_on is not None  # noqa: S101 - selected for it
        starts = stage_dates(certificate.expires_on, window_days, closing)
        due = [stage for stage in STAGES if starts[stage] <= today]
        if not due:
            continue
        done = set(
            db.session.scalars(
                sa.select(RefresherReminder.stage).where(
                    RefresherReminder.certificate_id == certificate.id
                )
            )
        )
        latest = due[-1]
        if latest in done:
            continue
        for stage in due:
            insert_if_absent(
                connection,
                RefresherReminder.__table__,
                certificate_id=certificate.id,
                stage=stage.value,
            )
        if latest is RefresherStage.EXPIRED and certificate.expires_on < today - TOO_LATE:
            continue  # long expired when first seen: history, not news
        params = {
            "course": certificate.course_title,
            "completed_on": uk_date(certificate.completed_on),
            "expires_on": uk_date(certificate.expires_on),
        }
        notify.enqueue(TRAINEE_TEMPLATES[latest], to=certificate.trainee.work_email, params=params)
        notify.enqueue(
            LEAD_TEMPLATES[latest], audience=(AGENCY_TRAINING_LEADS, agency_id), params=params
        )
        sent += 1
    db.session.commit()
    return f"{sent} refresher reminders"
