"""Training rows for the evaluation and refresher tests (synthetic), built straight into the
tables: these tests are about what happens after a booking, not how it was made."""

from __future__ import annotations

import itertools
import secrets
from datetime import date, datetime, timedelta

from daservice.accounts.models import Agency
from daservice.extensions import db, utcnow
from daservice.training.models import (
    AttendanceMark,
    Certificate,
    Course,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Level,
    Mark,
    Trainee,
    TrainingSession,
)

_seq = itertools.count(1)


def course(**fields: object) -> Course:
    n = next(_seq)
    values: dict[str, object] = {
        "title": f"Spotting the signs {n}",
        "level": Level.AWARENESS,
        "duration_minutes": 180,
        "validity_months": 24,
        "refresher_window_days": 90,
        "attendance_threshold_percent": 100,
        "requires_evaluation": True,
        **fields,
    }
    row = Course(**values)
    db.session.add(row)
    db.session.commit()
    return row


def trainee(agency: Agency, **fields: object) -> Trainee:
    n = next(_seq)
    row = Trainee(agency_id=agency.id, name=f"Trainee {n}", work_email=f"trainee{n}@example.test")
    for key, value in fields.items():
        setattr(row, key, value)
    db.session.add(row)
    db.session.commit()
    return row


def run(of: Course, starts_at: datetime, sessions: int = 1) -> CourseRun:
    """A run of ``sessions`` three-hour sessions a week apart, the first at ``starts_at``."""
    row = CourseRun(course_id=of.id, trainer="A trainer", capacity=20, starts_on=starts_at.date())
    for i in range(sessions):
        start = starts_at + timedelta(weeks=i)
        row.sessions.append(
            TrainingSession(starts_at=start, ends_at=start + timedelta(hours=3), venue="Hall")
        )
    db.session.add(row)
    db.session.commit()
    return row


def enrol(on: CourseRun, who: Trainee, status: EnrolmentStatus, **fields: object) -> Enrolment:
    row = Enrolment(
        run_id=on.id, trainee_id=who.id, agency_id=who.agency_id, status=status, **fields
    )
    db.session.add(row)
    db.session.commit()
    return row


def mark_all_present(enrolment: Enrolment) -> None:
    for session in enrolment.run.sessions:
        db.session.add(
            AttendanceMark(session_id=session.id, enrolment_id=enrolment.id, mark=Mark.PRESENT)
        )
    db.session.commit()


def ended_run(of: Course, days_ago: int = 1) -> CourseRun:
    return run(of, utcnow() - timedelta(days=days_ago, hours=4))


def certificate(
    who: Trainee, of: Course, completed_on: date, expires_on: date | None, **fields: object
) -> Certificate:
    """A certificate on a completed enrolment of its own run."""
    enrolment = enrol(
        ended_run(of, days_ago=(date.today() - completed_on).days + 1),
        who,
        EnrolmentStatus.COMPLETED,
        completed_on=completed_on,
    )
    row = Certificate(
        enrolment_id=enrolment.id,
        trainee_id=who.id,
        course_id=of.id,
        agency_id=who.agency_id,
        code_hash=secrets.token_hex(32),
        holder_name=who.name,
        course_title=of.title,
        level=of.level,
        completed_on=completed_on,
        issued_on=completed_on,
        expires_on=expires_on,
        **fields,
    )
    row.code = "TEST-CODE-0000"
    db.session.add(row)
    db.session.commit()
    return row
