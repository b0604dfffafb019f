"""Progress against the plan, for the training dashboard and the training roles' home pages.

Everything is counted in SQL (grouped counts over plain columns), a handful of queries a page,
never a query per row. ``agencies`` is ``queries.agency_ids_in_scope(user)``: None for the whole
partnership, else the agencies to count.

The rule (said on the page too): a target's **due by now** is the target × the part of the plan
year gone by (today included), as a whole number of people rounded down: a person is whole, and
one is due once the whole of their share of the year has gone by (a target of 12 asks for one more
at the end of each twelfth of the year, never for a person early). The page shows this number and
the status is worked out from the same number, so they cannot disagree. **Achieved** is the
number of different members of the agency's staff with a certificate, not revoked, issued in the
plan year, for the target's course or for any course of the target's level. Green: achieved ≥
due by now; amber: ≥ 75% of it; red: below that. An agency's status is its worst target's.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from ..accounts.models import Agency
from ..extensions import db, utcnow
from ..uk_time import LONDON, uk_today
from .models import (
    AttendanceMark,
    Certificate,
    Course,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Level,
    PlanYear,
    RunStatus,
    SafeSpaceChange,
    SessionStatus,
    Site,
    Target,
    Trainee,
    TrainingSession,
)

AMBER_FROM = 0.75  # of the number due by now
UPCOMING_RUNS = 20


class Rag(enum.StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def words(self) -> str:
        return {Rag.GREEN: "On track", Rag.AMBER: "Behind", Rag.RED: "Well behind"}[self]


RAG_ORDER = [Rag.RED, Rag.AMBER, Rag.GREEN]  # worst first


def elapsed_fraction(year: PlanYear, today: date) -> float:
    """How much of the plan year has gone by, today included: 0 before it, 1 after it."""
    days = (year.ends_on - year.starts_on).days + 1
    gone = (min(today, year.ends_on) - year.starts_on).days + 1
    return min(1.0, max(0.0, gone / days))


def due_by_now(target: int, year: PlanYear, today: date) -> int:
    """The whole number of people due by ``today``: target × days gone ÷ days, rounded down
    (integer arithmetic, so no float ever makes 5.0 into 4)."""
    days = (year.ends_on - year.starts_on).days + 1
    gone = min(days, max(0, (min(today, year.ends_on) - year.starts_on).days + 1))
    return target * gone // days


def rag(achieved: int, due: int) -> Rag:
    """Green at or above the due-by-now count, amber at or above 75% of it, else red."""
    if achieved >= due:
        return Rag.GREEN
    if achieved >= AMBER_FROM * due:
        return Rag.AMBER
    return Rag.RED


@dataclass(frozen=True)
class TargetProgress:
    course_title: str | None
    level: Level | None
    target: int
    achieved: int
    due: int  # due by now, whole people (see the module's docstring)
    rag: Rag

    @property
    def label(self) -> str:
        return self.course_title or f"Any {self.level} course"


@dataclass(frozen=True)
class AgencyProgress:
    agency_id: uuid.UUID
    name: str
    targets: list[TargetProgress]

    @property
    def rag(self) -> Rag:
        return min((t.rag for t in self.targets), key=RAG_ORDER.index, default=Rag.GREEN)


def _in(column: Any, agencies: list[uuid.UUID] | None) -> sa.ColumnElement[bool]:
    return sa.true() if agencies is None else column.in_(agencies)


def progress(
    year: PlanYear, agencies: list[uuid.UUID] | None, today: date | None = None
) -> list[AgencyProgress]:
    """Each agency with targets in the year, its targets and what it has achieved (one query)."""
    today = today or uk_today()
    # Three small queries: the year's targets, and the year's certificates counted once per
    # agency and course and once per agency and level, put together by key. (One join with
    # "course or level" in its condition made SQLite scan the certificates once per target, and
    # joining the grouped counts as subqueries was no quicker than this.)
    counted = [
        Certificate.revoked_at.is_(None),
        Certificate.issued_on.between(year.starts_on, year.ends_on),
        _in(Certificate.agency_id, agencies),
    ]
    people = sa.func.count(sa.distinct(Certificate.trainee_id))
    by_course: dict[tuple[uuid.UUID, Any], int] = {
        (a, c): n
        for a, c, n in db.session.execute(
            sa.select(Certificate.agency_id, Certificate.course_id, people)
            .where(*counted)
            .group_by(Certificate.agency_id, Certificate.course_id)
        )
    }
    by_level: dict[tuple[uuid.UUID, Any], int] = {
        (a, lv): n
        for a, lv, n in db.session.execute(
            sa.select(Certificate.agency_id, Certificate.level, people)
            .where(*counted)
            .group_by(Certificate.agency_id, Certificate.level)
        )
    }
    targets = db.session.execute(
        sa.select(
            Target.agency_id,
            Agency.name,
            Target.course_id,
            Course.title,
            Target.level,
            Target.target_count,
        )
        .join(Agency, Agency.id == Target.agency_id)
        .outerjoin(Course, Course.id == Target.course_id)
        .where(Target.plan_year_id == year.id, _in(Target.agency_id, agencies))
        # Level targets first, lowest level first (their values sort so), then courses by title:
        # the same order on SQLite and PostgreSQL, which put NULLs at opposite ends.
        .order_by(Agency.name, Target.course_id.is_(None).desc(), Target.level, Course.title)
    )
    rows = [
        (
            agency_id,
            name,
            title,
            level,
            target,
            by_course.get((agency_id, course_id), 0)
            if course_id is not None
            else by_level.get((agency_id, level), 0),
        )
        for agency_id, name, course_id, title, level, target in targets
    ]
    found: dict[uuid.UUID, AgencyProgress] = {}
    for agency_id, name, title, level, target, achieved in rows:
        due = due_by_now(target, year, today)
        entry = found.setdefault(agency_id, AgencyProgress(agency_id, name, []))
        entry.targets.append(
            TargetProgress(title, level, target, achieved, due, rag(achieved, due))
        )
    return list(found.values())


@dataclass(frozen=True)
class RunFill:
    run_id: uuid.UUID
    course_title: str
    starts_on: date
    capacity: int
    places_taken: int
    waiting: int

    @property
    def fill_percent(self) -> int:
        return round(100 * self.places_taken / self.capacity) if self.capacity else 0


def _waiting() -> sa.ScalarSelect[int]:
    """How many are on a run's waiting list (one index lookup per run listed, on
    ``ix_training_enrolments_run_status``, rather than grouping every enrolment there is)."""
    return (
        sa.select(sa.func.count())
        .where(Enrolment.run_id == CourseRun.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .correlate(CourseRun)
        .scalar_subquery()
    )


def upcoming_runs(
    today: date | None = None, until: date | None = None, limit: int = UPCOMING_RUNS
) -> list[RunFill]:
    """Scheduled runs starting from today (to ``until``), soonest first, with their waiting
    lists. Runs are the partnership's timetable: every training role sees the same ones."""
    today = today or uk_today()
    waiting = _waiting()
    statement = (
        sa.select(
            CourseRun.id,
            Course.title,
            CourseRun.starts_on,
            CourseRun.capacity,
            CourseRun.places_taken,
            waiting,
        )
        .join(Course, Course.id == CourseRun.course_id)
        .where(CourseRun.status == RunStatus.SCHEDULED, CourseRun.starts_on >= today)
        .order_by(CourseRun.starts_on, Course.title)
        .limit(limit)
    )
    if until is not None:
        statement = statement.where(CourseRun.starts_on <= until)
    return [RunFill(*row) for row in db.session.execute(statement)]


def _expiring_where(
    agencies: list[uuid.UUID] | None, today: date, within: timedelta
) -> list[sa.ColumnElement[bool]]:
    return [
        Certificate.revoked_at.is_(None),
        Certificate.expires_on.between(today, today + within),
        _in(Certificate.agency_id, agencies),
    ]


def expiring_by_agency(
    agencies: list[uuid.UUID] | None, within: timedelta, today: date | None = None
) -> list[tuple[str, int]]:
    """Certificates (not revoked) that expire between today and ``within`` from now, per agency."""
    rows = db.session.execute(
        sa.select(Agency.name, sa.func.count())
        .join(Certificate, Certificate.agency_id == Agency.id)
        .where(*_expiring_where(agencies, today or uk_today(), within))
        .group_by(Agency.id, Agency.name)
        .order_by(Agency.name)
    )
    return [(name, n) for name, n in rows]


@dataclass(frozen=True)
class SafeSpaces:
    now: int
    not_listed: int  # of ``now``: sites that asked not to be named on the public page
    target: int | None
    gained: int
    lost: int


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LONDON)


def safe_spaces(year: PlanYear, agencies: list[uuid.UUID] | None) -> SafeSpaces:
    """Safe spaces now (the agencies' own sites for a lead), and gained and lost in the year."""
    now, not_listed = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Site.listed.is_(False)))
        .select_from(Site)
        .where(Site.safe_space_since.is_not(None), _in(Site.agency_id, agencies))
    ).one()
    changes: dict[bool, int] = dict(
        db.session.execute(  # type: ignore[arg-type]
            sa.select(SafeSpaceChange.gained, sa.func.count())
            .join(Site, Site.id == SafeSpaceChange.site_id)
            .where(
                SafeSpaceChange.at >= _uk_midnight(year.starts_on),
                SafeSpaceChange.at < _uk_midnight(year.ends_on + timedelta(days=1)),
                _in(Site.agency_id, agencies),
            )
            .group_by(SafeSpaceChange.gained)
        ).all()
    )
    return SafeSpaces(
        now=now or 0,
        not_listed=not_listed or 0,
        target=year.safe_space_target if agencies is None else None,
        gained=changes.get(True, 0),
        lost=changes.get(False, 0),
    )


# --- Counts for the home pages -----------------------------------------------------------------


def expiring_count(
    agencies: list[uuid.UUID] | None, within: timedelta, today: date | None = None
) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Certificate)
            .where(*_expiring_where(agencies, today or uk_today(), within))
        )
        or 0
    )


def registers_not_taken(now: datetime | None = None) -> int:
    """Sessions that have ended, of runs still going ahead, with nobody marked on the register."""
    marked = sa.select(AttendanceMark.session_id).where(
        AttendanceMark.session_id == TrainingSession.id
    )
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(TrainingSession)
            .join(CourseRun, CourseRun.id == TrainingSession.run_id)
            .where(
                TrainingSession.ends_at < (now or utcnow()),
                TrainingSession.status == SessionStatus.SCHEDULED,
                CourseRun.status != RunStatus.CANCELLED,
                ~marked.exists(),
            )
        )
        or 0
    )


def requests_awaiting(agencies: list[uuid.UUID] | None) -> int:
    """Places her staff asked for that are waiting for their training lead's decision."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(
                Enrolment.status == EnrolmentStatus.REQUESTED, _in(Enrolment.agency_id, agencies)
            )
        )
        or 0
    )


@dataclass(frozen=True)
class OwnTraining:
    """A frontline worker's own: sessions to come and certificates expiring soon."""

    sessions: int
    next_session: datetime | None
    expiring: int


def own_training(user_id: uuid.UUID, within: timedelta, now: datetime | None = None) -> OwnTraining:
    now = now or utcnow()
    sessions, first = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(TrainingSession.starts_at))
        .select_from(TrainingSession)
        .join(Enrolment, Enrolment.run_id == TrainingSession.run_id)
        .join(Trainee, Trainee.id == Enrolment.trainee_id)
        .where(
            Trainee.user_id == user_id,
            Enrolment.status == EnrolmentStatus.BOOKED,
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.starts_at > now,
        )
    ).one()
    today = uk_today(now)
    expiring = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Certificate)
        .join(Trainee, Trainee.id == Certificate.trainee_id)
        .where(
            Trainee.user_id == user_id,
            Certificate.revoked_at.is_(None),
            Certificate.expires_on.between(today, today + within),
        )
    )
    return OwnTraining(sessions or 0, first, expiring or 0)
