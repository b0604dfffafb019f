"""The plan's use cases (training coordinators): the five-year plan and its years, the course
catalogue, and the targets per plan year × agency × course or level."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from .. import audit
from ..accounts.models import Agency, User
from ..audit import AuditAction
from ..exceptions import DomainError, NotFound
from ..extensions import db
from ..security.permissions import Permission, require
from ..uk_time import uk_today
from .models import Course, Level, PlanYear, Target, TrainingPlan

PLAN_YEARS = 5


class DuplicateCourse(DomainError):
    """Two courses may not share a title (certificates print it)."""


# --- The plan ----------------------------------------------------------------------------------


def year_dates(starts_on: date, number: int) -> tuple[date, date]:
    """The first and last day (inclusive) of plan year ``number`` (1 to 5)."""
    first = starts_on + relativedelta(years=number - 1)
    return first, starts_on + relativedelta(years=number) - timedelta(days=1)


def current_plan() -> TrainingPlan | None:
    """The partnership's plan (the latest made, should there ever be more than one)."""
    return db.session.scalar(
        sa.select(TrainingPlan).order_by(TrainingPlan.created_at.desc()).limit(1)
    )


def current_year(plan: TrainingPlan | None, today: date | None = None) -> PlanYear | None:
    """The plan year today falls in; None before the plan starts or after it ends."""
    if plan is None:
        return None
    today = today or uk_today()
    return next((y for y in plan.years if y.starts_on <= today <= y.ends_on), None)


def get_year(plan: TrainingPlan, number: int) -> PlanYear:
    found = next((y for y in plan.years if y.number == number), None)
    if found is None:
        raise NotFound("plan year")
    return found


def save_plan(
    actor: User, plan: TrainingPlan | None, *, name: str, starts_on: date
) -> TrainingPlan:
    """Create the plan with its five years, or rename it or move its start (the years move with
    it: their targets stay with their year number)."""
    require(actor, Permission.RUN_TRAINING)
    creating = plan is None
    if plan is None:
        plan = TrainingPlan(name=name, starts_on=starts_on)
        db.session.add(plan)
        for number in range(1, PLAN_YEARS + 1):
            first, last = year_dates(starts_on, number)
            plan.years.append(PlanYear(number=number, starts_on=first, ends_on=last))
    else:
        plan.name, plan.starts_on = name, starts_on
        for year in plan.years:
            year.starts_on, year.ends_on = year_dates(starts_on, year.number)
    db.session.flush()
    audit.record(
        AuditAction.TRAINING_PLAN_SAVED,
        actor=actor,
        target_type="training_plan",
        target_id=plan.id,
        purpose="created" if creating else "changed",
    )
    db.session.commit()
    return plan


# --- Courses -----------------------------------------------------------------------------------


def list_courses(active_only: bool = False) -> list[Course]:
    statement = sa.select(Course).order_by(Course.level, Course.title)
    if active_only:
        statement = statement.where(Course.active.is_(True))
    return list(db.session.scalars(statement))


def get_course(course_id: uuid.UUID) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("course")
    return course


COURSE_FIELDS = (
    "title",
    "level",
    "audience",
    "description",
    "duration_minutes",
    "validity_months",
    "refresher_window_days",
    "attendance_threshold_percent",
    "requires_evaluation",
    "knowledge_check_pass_mark",
)


def save_course(actor: User, course: Course | None, data: dict[str, Any]) -> Course:
    """Add or change a course; ``data`` is validated (plan_forms.CourseForm.values())."""
    require(actor, Permission.RUN_TRAINING)
    same_title = sa.select(Course.id).where(sa.func.lower(Course.title) == data["title"].lower())
    if course is not None:
        same_title = same_title.where(Course.id != course.id)
    if db.session.scalar(same_title) is not None:
        raise DuplicateCourse("There is already a course with this title")
    creating = course is None
    course = course or Course()
    for field in COURSE_FIELDS:
        setattr(course, field, data[field])
    course.level = Level(data["level"])
    if creating:
        db.session.add(course)
    db.session.flush()
    audit.record(
        AuditAction.TRAINING_COURSE_SAVED,
        actor=actor,
        target_type="training_course",
        target_id=course.id,
        purpose="created" if creating else "changed",
    )
    db.session.commit()
    return course


# --- Targets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetKey:
    """One cell of the targets grid: an agency and either a course or a level."""

    agency_id: uuid.UUID
    course_id: uuid.UUID | None = None
    level: Level | None = None


def targets_of(year: PlanYear) -> dict[TargetKey, int]:
    """The year's targets as the grid shows them."""
    rows = db.session.execute(
        sa.select(Target.agency_id, Target.course_id, Target.level, Target.target_count).where(
            Target.plan_year_id == year.id
        )
    )
    return {TargetKey(a, c, lv): n for a, c, lv, n in rows}


def save_targets(
    actor: User, year: PlanYear, counts: dict[TargetKey, int], safe_spaces: int | None
) -> None:
    """Replace the year's targets with ``counts`` (a zero is no target) in one transaction."""
    require(actor, Permission.RUN_TRAINING)
    agencies = set(db.session.scalars(sa.select(Agency.id)))
    courses = set(db.session.scalars(sa.select(Course.id)))
    for key in counts:
        if key.agency_id not in agencies or (key.course_id and key.course_id not in courses):
            raise NotFound("agency or course")
    # Delete and insert, not update in place: the grid is the whole year, and a blank is "none".
    db.session.execute(sa.delete(Target).where(Target.plan_year_id == year.id))
    db.session.add_all(
        Target(
            plan_year_id=year.id,
            agency_id=key.agency_id,
            course_id=key.course_id,
            level=key.level,
            target_count=n,
        )
        for key, n in counts.items()
        if n
    )
    year.safe_space_target = safe_spaces or None
    audit.record(
        AuditAction.TRAINING_TARGETS_SAVED,
        actor=actor,
        target_type="training_plan_year",
        target_id=year.id,
        purpose=f"{sum(1 for n in counts.values() if n)} targets",
    )
    db.session.commit()
