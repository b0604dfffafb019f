"""Training fixtures: a course, a run of it with sessions, trainees of two agencies."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Agency, Role, User
from daservice.extensions import db
from daservice.notify.models import OutboxMessage
from daservice.training import runs
from daservice.training.models import Course, CourseRun, Level, Trainee
from daservice.uk_time import uk_today

from .. import factories

_n = iter(range(1, 10_000))


def course(**fields: object) -> Course:
    n = next(_n)
    values: dict[str, object] = {
        "title": f"Recognising domestic abuse {n}",
        "level": Level.AWARENESS,
        "duration_minutes": 180,
        "validity_months": 24,
        "requires_evaluation": False,
        **fields,
    }
    row = Course(id=uuid.uuid4(), **values)
    db.session.add(row)
    db.session.commit()
    return row


def trainee(agency: Agency, name: str | None = None, **fields: object) -> Trainee:
    n = next(_n)
    row = Trainee(
        id=uuid.uuid4(),
        agency_id=agency.id,
        name=name or f"Trainee {n}",
        work_email=f"trainee{n}@example.test",
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def session_on(days_ahead: int, start: int = 9, end: int = 12) -> runs.SessionInput:
    return runs.SessionInput(
        day=uk_today() + timedelta(days=days_ahead),
        starts=time(start),
        ends=time(end),
        online=False,
        venue="Town Hall, Room 2",
    )


def run_of(
    coordinator: User, the_course: Course, capacity: int = 2, days_ahead: int = 14
) -> CourseRun:
    return runs.create_run(
        coordinator,
        runs.RunInput(the_course.id, "Sam Trainer", capacity, "Bring a pen"),
        session_on(days_ahead),
    )


def messages(template: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.template == template)
            .order_by(OutboxMessage.created_at)
        )
    )


def places_taken(run_id: uuid.UUID) -> int:
    db.session.expire_all()
    return db.session.get(CourseRun, run_id).places_taken


def start_in_the_past(run: CourseRun) -> None:
    """Move a run's sessions into the past (registers are marked after the day)."""
    for s in run.sessions:
        s.starts_at -= timedelta(days=30)
        s.ends_at -= timedelta(days=30)
    runs.sync_starts_on(run)
    db.session.commit()


@dataclass
class World:
    agency: Agency
    other_agency: Agency
    coordinator: User
    lead: User
    worker: User
    course: Course


@pytest.fixture()
def world(app) -> World:
    agency = factories.agency()
    other = factories.agency()
    return World(
        agency=agency,
        other_agency=other,
        coordinator=factories.user(Role.TRAINING_COORDINATOR, agency_row=agency),
        lead=factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=agency),
        worker=factories.user(Role.REFERRER, agency_row=agency),
        course=course(),
    )


NOW = datetime.now(UTC)
