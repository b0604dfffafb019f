"""Course runs and their dated sessions: create, change and cancel (a coordinator's work), and the
queries the runs pages, the home page and the dashboard read.

Each public use case checks permission, changes, audits and commits once. ``CourseRun.starts_on``
is kept in step with the first session that is still going ahead.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..accounts.models import User
from ..audit import AuditAction
from ..exceptions import DomainError
from ..extensions import db
from ..security.permissions import Permission, require
from ..uk_time import LONDON, uk_today
from . import lifecycle, places, queries
from .models import (
    Course,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    RunStatus,
    SessionStatus,
    Trainee,
    TrainingSession,
)
from .run_messages import RUN_CANCELLED, tell

S = EnrolmentStatus


class Refused(DomainError):
    """A change the programme's rules do not allow; the message says why, for the user."""


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One use case's transaction: committed at the end, rolled back (everything it did, the
    conditional UPDATEs included) if it raises."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@dataclass(frozen=True)
class SessionInput:
    """A session as the coordinator typed it, in UK time."""

    day: date
    starts: time
    ends: time
    online: bool
    venue: str

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.starts, tzinfo=LONDON).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.day, self.ends, tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class RunInput:
    course_id: uuid.UUID
    trainer: str
    capacity: int
    joining_instructions: str


def active_courses() -> list[Course]:
    """Courses a run can be made of, by title."""
    return list(db.session.scalars(sa.select(Course).where(Course.active).order_by(Course.title)))


def _session_values(given: SessionInput) -> dict[str, Any]:
    if given.ends <= given.starts:
        raise Refused("The end time must be after the start time")
    return {
        "starts_at": given.starts_at,
        "ends_at": given.ends_at,
        "online": given.online,
        "venue": given.venue.strip(),
    }


def sync_starts_on(run: CourseRun) -> None:
    """``starts_on`` is the UK day of the first session still going ahead (the first of all if
    every session is cancelled, so a cancelled run keeps its date)."""
    going_ahead = [s for s in run.sessions if s.status is SessionStatus.SCHEDULED]
    first = min(going_ahead or run.sessions, key=lambda s: s.starts_at, default=None)
    if first is not None:
        run.starts_on = uk_today(first.starts_at)


def create_run(user: User, given: RunInput, first_session: SessionInput) -> CourseRun:
    """A new run of a course with its first session. Commits."""
    require(user, Permission.RUN_TRAINING)
    course = db.session.get(Course, given.course_id)
    if course is None or not course.active:
        raise Refused("Select a course")
    with unit_of_work():
        run = CourseRun(
            id=uuid.uuid4(),
            course=course,
            trainer=given.trainer.strip(),
            capacity=given.capacity,
            joining_instructions=given.joining_instructions.strip(),
            created_by_id=user.id,
            starts_on=first_session.day,
        )
        session = TrainingSession(id=uuid.uuid4(), **_session_values(first_session))
        run.sessions.append(session)
        db.session.add(run)
        sync_starts_on(run)
        _audit(AuditAction.TRAINING_RUN_SAVED, user, "training_run", run.id)
        _audit(AuditAction.TRAINING_SESSION_SAVED, user, "training_session", session.id)
    return run


def change_run(user: User, run_id: uuid.UUID, given: RunInput) -> CourseRun:
    """Change a run's trainer, places and joining instructions (not its course). Fewer places
    than are booked is refused; more places are filled from the waiting list at once. Commits."""
    require(user, Permission.RUN_TRAINING)
    run = _open_run(user, run_id)
    if given.capacity < run.places_taken:
        raise Refused(
            f"{run.places_taken} places are booked: the run cannot have fewer places than that"
        )
    with unit_of_work():
        run.trainer = given.trainer.strip()
        run.capacity = given.capacity
        run.joining_instructions = given.joining_instructions.strip()
        db.session.flush()
        places.promote_waiting(run)
        _audit(AuditAction.TRAINING_RUN_SAVED, user, "training_run", run.id)
    return run


def add_session(user: User, run_id: uuid.UUID, given: SessionInput) -> TrainingSession:
    """Add a dated session to a run. Commits."""
    require(user, Permission.RUN_TRAINING)
    run = _open_run(user, run_id)
    with unit_of_work():
        session = TrainingSession(id=uuid.uuid4(), **_session_values(given))
        run.sessions.append(session)
        db.session.flush()
        sync_starts_on(run)
        _audit(AuditAction.TRAINING_SESSION_SAVED, user, "training_session", session.id)
    return session


def change_session(user: User, session_id: uuid.UUID, given: SessionInput) -> TrainingSession:
    """Change a session's day, times or place. Commits."""
    require(user, Permission.RUN_TRAINING)
    session = _open_session(user, session_id)
    with unit_of_work():
        for name, value in _session_values(given).items():
            setattr(session, name, value)
        sync_starts_on(session.run)
        _audit(AuditAction.TRAINING_SESSION_SAVED, user, "training_session", session.id)
    return session


def cancel_session(user: User, session_id: uuid.UUID) -> TrainingSession:
    """Cancel one session (its register is then refused; attendance counts only the sessions
    that went ahead). The last session going ahead is cancelled by cancelling the run. Commits."""
    require(user, Permission.RUN_TRAINING)
    session = _open_session(user, session_id)
    going_ahead = [s for s in session.run.sessions if s.status is SessionStatus.SCHEDULED]
    if going_ahead == [session]:
        raise Refused("This is the run's only session going ahead: cancel the run instead")
    with unit_of_work():
        session.status = SessionStatus.CANCELLED
        sync_starts_on(session.run)
        _audit(AuditAction.TRAINING_SESSION_CANCELLED, user, "training_session", session.id)
    return session


# Enrolments a cancelled run ends; those whose attendance is recorded keep it.
CANCELLABLE = (S.REQUESTED, S.APPROVED, S.WAITLISTED, S.BOOKED)


def cancel_run(user: User, run_id: uuid.UUID, reason: str) -> int:
    """Cancel a run: every request, booking and waiting-list place is cancelled and each trainee
    told. Returns how many enrolments were cancelled. Commits."""
    require(user, Permission.RUN_TRAINING)
    run = _open_run(user, run_id)
    enrolments = list(
        db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.run_id == run.id, Enrolment.status.in_(CANCELLABLE)
            )
        )
    )
    with unit_of_work():
        run.status = RunStatus.CANCELLED
        for enrolment in enrolments:
            lifecycle.change_status(enrolment, S.CANCELLED, actor=user, reason=reason)
            tell(enrolment, RUN_CANCELLED)
        run.places_taken = _places_held(run.id)
        _audit(AuditAction.TRAINING_RUN_CANCELLED, user, "training_run", run.id)
    return len(enrolments)


def _places_held(run_id: uuid.UUID) -> int:
    from .models import HOLDS_PLACE

    db.session.flush()
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(Enrolment.run_id == run_id, Enrolment.status.in_(HOLDS_PLACE))
        )
        or 0
    )


def _open_run(user: User, run_id: uuid.UUID) -> CourseRun:
    run = queries.get_run_or_404(user, run_id)
    if run.status is RunStatus.CANCELLED:
        raise Refused("This run has been cancelled")
    return run


def _open_session(user: User, session_id: uuid.UUID) -> TrainingSession:
    session = queries.get_session_or_404(user, session_id)
    if session.run.status is RunStatus.CANCELLED:
        raise Refused("This run has been cancelled")
    if session.status is SessionStatus.CANCELLED:
        raise Refused("This session has been cancelled")
    return session


def _audit(action: AuditAction, user: User, target_type: str, target_id: uuid.UUID) -> None:
    audit.record(action, actor=user, target_type=target_type, target_id=target_id)


# --- Queries for the pages, the home page and the dashboard ------------------------------------


@dataclass(frozen=True)
class RunRow:
    run: CourseRun
    waiting: int  # on the waiting list

    @property
    def places(self) -> str:
        return f"{self.run.places_taken} of {self.run.capacity} booked"


def _waiting_counts() -> Any:
    return (
        sa.select(Enrolment.run_id, sa.func.count().label("waiting"))
        .where(Enrolment.status == S.WAITLISTED)
        .group_by(Enrolment.run_id)
        .subquery()
    )


def _rows(statement: sa.Select[Any]) -> list[RunRow]:
    waiting = _waiting_counts()
    statement = statement.outerjoin(waiting, waiting.c.run_id == CourseRun.id).add_columns(
        sa.func.coalesce(waiting.c.waiting, 0)
    )
    return [RunRow(run, int(count)) for run, count in db.session.execute(statement).unique()]


def upcoming(
    today: date | None = None,
    *,
    with_places: bool = False,
    limit: int | None = None,
    within_days: int | None = None,
) -> list[RunRow]:
    """Scheduled runs starting today or later, soonest first (``with_places``: only those with a
    place free; ``within_days``: only those starting in that many days from today, the home
    page's "in the next 14 days"). For the runs page, the home page and the dashboard."""
    today = today or uk_today()
    statement = (
        sa.select(CourseRun)
        .where(CourseRun.status == RunStatus.SCHEDULED, CourseRun.starts_on >= today)
        .order_by(CourseRun.starts_on, CourseRun.created_at)
    )
    if within_days is not None:
        statement = statement.where(CourseRun.starts_on <= today + timedelta(days=within_days))
    if with_places:
        statement = statement.where(CourseRun.places_taken < CourseRun.capacity)
    if limit is not None:
        statement = statement.limit(limit)
    return _rows(statement)


PAST_SHOWN = 50  # the runs page lists the latest past runs only; older ones are on the run pages


def past_and_cancelled(today: date | None = None, limit: int = PAST_SHOWN) -> list[RunRow]:
    """Runs that have started, finished or been cancelled, the latest first."""
    return _rows(
        sa.select(CourseRun)
        .where(
            sa.or_(
                CourseRun.status != RunStatus.SCHEDULED,
                CourseRun.starts_on < (today or uk_today()),
            )
        )
        .order_by(CourseRun.starts_on.desc(), CourseRun.created_at.desc())
        .limit(limit)
    )


def waiting_list_total() -> int:
    """How many people are on a waiting list for a run still going ahead (for the dashboard)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .join(CourseRun, CourseRun.id == Enrolment.run_id)
            .where(Enrolment.status == S.WAITLISTED, CourseRun.status == RunStatus.SCHEDULED)
        )
        or 0
    )


@dataclass
class RunPage:
    """What the run page shows this user."""

    run: CourseRun
    by_status: dict[EnrolmentStatus, list[Enrolment]] = field(default_factory=dict)
    waitlist: list[Enrolment] = field(default_factory=list)
    outstanding: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    percent: dict[uuid.UUID, int] = field(default_factory=dict)
    positions: dict[uuid.UUID, int] = field(default_factory=dict)  # in the whole waiting list


def run_page(user: User, run_id: uuid.UUID) -> RunPage:
    """A run with the enrolments this user may see: a coordinator all of them, a training lead
    her own agency's."""
    from . import completion

    require(user, Permission.LEAD_TRAINING)
    run = queries.get_run_or_404(user, run_id)
    enrolments = list(
        db.session.scalars(
            sa.select(Enrolment)
            .join(Trainee, Trainee.id == Enrolment.trainee_id)
            .where(
                Enrolment.run_id == run.id,
                queries.agency_condition(user, Enrolment.agency_id),
            )
            .order_by(Trainee.name)
        )
    )
    page = RunPage(run)
    for enrolment in enrolments:
        page.by_status.setdefault(enrolment.status, []).append(enrolment)
        if enrolment.status in (S.ATTENDED, S.PARTIALLY_ATTENDED, S.NO_SHOW, S.COMPLETED):
            page.percent[enrolment.id] = completion.attendance_percent(enrolment)
        if enrolment.status in (S.ATTENDED, S.PARTIALLY_ATTENDED, S.BOOKED, S.NO_SHOW):
            needed = completion.outstanding(enrolment)
            if enrolment.status is S.NO_SHOW:
                # The registers are taken (0% beside it): what is missing is the attendance itself.
                threshold = run.course.attendance_threshold_percent
                needed = [
                    f"attendance of at least {threshold}%" if n.startswith("attendance") else n
                    for n in needed
                ]
            page.outstanding[enrolment.id] = needed
    page.waitlist = sorted(
        page.by_status.pop(S.WAITLISTED, []),
        key=lambda e: (e.waitlisted_at or e.created_at, e.created_at),
    )
    page.positions = {e.id: places.waitlist_position(e) for e in page.waitlist}
    return page
