"""Certificates for tests: a completed enrolment set up directly with the models, then
``certificates.issue`` (the one way a certificate is made)."""

from __future__ import annotations

import itertools
from datetime import date

from daservice.accounts.models import Agency, User
from daservice.extensions import db
from daservice.training import certificates
from daservice.training.models import (
    Certificate,
    Course,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Level,
    Trainee,
)

SERVICE_URL = "https://daservice.example.gov.uk"
_seq = itertools.count(1)


def course(validity_months: int | None = 36, level: Level = Level.PRACTITIONER) -> Course:
    n = next(_seq)
    row = Course(
        title=f"Domestic abuse practice {n}",
        level=level,
        duration_minutes=180,
        validity_months=validity_months,
    )
    db.session.add(row)
    db.session.flush()
    return row


def run(course_row: Course | None = None, starts_on: date = date(2026, 3, 2)) -> CourseRun:
    row = CourseRun(
        course_id=(course_row or course()).id, trainer="A Trainer", capacity=40, starts_on=starts_on
    )
    db.session.add(row)
    db.session.flush()
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
    db.session.flush()
    return row


def certificate(
    agency: Agency,
    *,
    run_row: CourseRun | None = None,
    name: str | None = None,
    user: User | None = None,
    completed_on: date = date(2026, 3, 9),
    validity_months: int | None = 36,
) -> Certificate:
    run_row = run_row or run(course(validity_months))
    person = trainee(agency, name, user)
    enrolment = Enrolment(
        run_id=run_row.id,
        trainee_id=person.id,
        agency_id=agency.id,
        status=EnrolmentStatus.COMPLETED,
        completed_on=completed_on,
    )
    db.session.add(enrolment)
    db.session.flush()
    db.session.refresh(enrolment)
    issued = certificates.issue(enrolment, actor=None)
    db.session.commit()
    return issued
