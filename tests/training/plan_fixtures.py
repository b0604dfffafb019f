"""Rows for the plan, dashboard and import tests: courses, trainees, runs and certificates
written directly (the lifecycle that normally makes them is other parts' and tested there)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from daservice.accounts.models import Agency, User
from daservice.extensions import db, utcnow
from daservice.security.tokens import CERTIFICATE_CODE
from daservice.training.models import (
    Certificate,
    Course,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Level,
    Trainee,
    TrainingSession,
)

_seq = itertools.count(1)


def course(level: Level = Level.AWARENESS, title: str | None = None, **fields: object) -> Course:
    row = Course(
        title=title or f"Course {next(_seq)}",
        level=level,
        duration_minutes=90,
        validity_months=36,
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def trainee(agency: Agency, name: str | None = None, user: User | None = None) -> Trainee:
    n = next(_seq)
    row = Trainee(
        agency_id=agency.id,
        name=name or f"Trainee {n}",
        work_email=f"trainee{n}@example.test",
        user_id=user.id if user else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


def run(
    course_row: Course, starts_on: date, capacity: int = 10, places_taken: int = 0
) -> CourseRun:
    row = CourseRun(
        course_id=course_row.id,
        trainer="A Trainer",
        capacity=capacity,
        places_taken=places_taken,
        starts_on=starts_on,
    )
    db.session.add(row)
    db.session.commit()
    return row


def session(run_row: CourseRun, starts_at: datetime) -> TrainingSession:
    row = TrainingSession(
        run_id=run_row.id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2)
    )
    db.session.add(row)
    db.session.commit()
    return row


def enrol(run_row: CourseRun, person: Trainee, status: EnrolmentStatus) -> Enrolment:
    row = Enrolment(
        run_id=run_row.id, trainee_id=person.id, agency_id=person.agency_id, status=status
    )
    db.session.add(row)
    db.session.commit()
    return row


def certificate(
    person: Trainee,
    course_row: Course,
    issued_on: date,
    expires_on: date | None = None,
    revoked: bool = False,
) -> Certificate:
    """A certificate for a completed enrolment on a run of ``course_row``."""
    run_row = run(course_row, issued_on)
    enrolment = enrol(run_row, person, EnrolmentStatus.COMPLETED)
    _, code_hash = CERTIFICATE_CODE.issue()
    row = Certificate(
        enrolment_id=enrolment.id,
        trainee_id=person.id,
        course_id=course_row.id,
        agency_id=person.agency_id,
        code_hash=code_hash,
        holder_name=person.name,
        course_title=course_row.title,
        level=course_row.level,
        completed_on=issued_on,
        issued_on=issued_on,
        expires_on=expires_on,
        revoked_at=utcnow() if revoked else None,
    )
    row.code = "X"
    db.session.add(row)
    db.session.commit()
    return row
