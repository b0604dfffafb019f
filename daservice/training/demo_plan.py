"""The demo programme's plan, its five plan years, its courses and every agency's targets."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from ..accounts.models import Agency
from ..extensions import db
from ..uk_time import LONDON
from .dashboard import Rag, elapsed_fraction, rag
from .demo_data import COURSES, PLAN_NAME, STAFF
from .models import Certificate, Course, Level, PlanYear, Site, Target, TrainingPlan

PLAN_STARTS_ON = date(2022, 4, 1)
# Awareness first: most staff in the first year, refreshers after three.
AWARENESS_SHARE = (0.5, 0.3, 0.15, 0.3, 0.35)
PRACTITIONER_SHARE = 0.2
SPECIALISTS = {"MPS": 3, "VS": 3, "REFUGE": 2, "NELFT": 2, "LBR": 1, "BHRUT": 1}
BY_COURSE = {
    ("MPS", "coercive"): 3,
    ("NELFT", "coercive"): 2,
    ("LBR", "coercive"): 2,
    ("MPS", "dash"): 2,
    ("VS", "dash"): 2,
}

G, A, R = Rag.GREEN, Rag.AMBER, Rag.RED
# Each agency's standing in a plan year, in turn (agencies in name order, the list rotated a
# place each year): most on track, some behind, a couple well behind.
STANDINGS = (G, A, G, G, R, G, A, G, G, A, G, A, G)
# How far ahead of the pro-rata target an agency on track is, target by target, in turn.
AHEAD = (0.95, 0.85, 0.75, 0.9)
SAFE_SPACES_AHEAD = 2  # the current year's target, above today's count


def at(day: date, clock: str) -> datetime:
    """A UK wall-clock time (``"09:30"``) on a day, in UTC."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=LONDON).astimezone(UTC)


def make(agencies: Mapping[str, Agency]) -> dict[str, Course]:
    """The plan, its years, the courses (by ``DemoCourse.key``) and the targets, flushed."""
    created = at(date(2022, 3, 14), "10:00")
    plan = TrainingPlan(name=PLAN_NAME, starts_on=PLAN_STARTS_ON, created_at=created)
    for number in range(1, 6):
        starts = PLAN_STARTS_ON + relativedelta(years=number - 1)
        plan.years.append(
            PlanYear(
                number=number,
                starts_on=starts,
                ends_on=starts + relativedelta(years=1) - timedelta(days=1),
            )
        )
    db.session.add(plan)
    courses = {}
    for spec in COURSES:
        courses[spec.key] = Course(
            title=spec.title,
            level=spec.level,
            audience=spec.audience,
            description=spec.description,
            duration_minutes=sum(_minutes(start, end) for _, start, end in spec.sessions),
            validity_months=spec.validity_months,
            requires_evaluation=spec.requires_evaluation,
            knowledge_check_pass_mark=spec.knowledge_check_pass_mark,
            created_at=created,
        )
    db.session.add_all(courses.values())
    db.session.flush()
    for year in plan.years:
        for code, (staff, _teams) in STAFF.items():
            agency_id = agencies[code].id
            by_level = {
                Level.AWARENESS: round(staff * AWARENESS_SHARE[year.number - 1]),
                Level.PRACTITIONER: max(1, round(staff * PRACTITIONER_SHARE)),
                Level.SPECIALIST: SPECIALISTS.get(code, 0),
            }
            for level, count in by_level.items():
                if count:
                    db.session.add(
                        Target(
                            plan_year_id=year.id,
                            agency_id=agency_id,
                            level=level,
                            target_count=count,
                        )
                    )
            for (agency_code, key), count in BY_COURSE.items():
                if agency_code == code:
                    db.session.add(
                        Target(
                            plan_year_id=year.id,
                            agency_id=agency_id,
                            course_id=courses[key].id,
                            target_count=count,
                        )
                    )
    return courses


def _minutes(start: str, end: str) -> int:
    (h1, m1), (h2, m2) = ((int(p) for p in clock.split(":")) for clock in (start, end))
    return (h2 - h1) * 60 + m2 - m1


def fit_targets(certificates: Iterable[Certificate], today: date) -> None:
    """Set each year's targets from what the demo's runs achieved, so the dashboard shows a
    plausible mix (``STANDINGS``) rather than targets from head counts the runs never meet.

    Counted as the dashboard counts (``dashboard.progress``): certificates not revoked, issued in
    the year, people counted once per agency and course, and once per agency and level. A year
    not begun keeps its head-count targets. An agency on track has no target it has not started
    on (that would make it well behind); one well behind keeps them."""
    achieved: dict[tuple[object, object], set[object]] = defaultdict(set)
    issued = [c for c in certificates if c.revoked_at is None]
    years = db.session.scalars(sa.select(PlanYear).order_by(PlanYear.number)).all()
    for year in years:
        fraction = elapsed_fraction(year, today)
        if fraction == 0:
            continue
        achieved.clear()
        for c in issued:
            if year.starts_on <= c.issued_on <= year.ends_on:
                achieved[(c.agency_id, c.course_id)].add(c.trainee)
                achieved[(c.agency_id, c.level)].add(c.trainee)
        by_agency: dict[object, list[Target]] = defaultdict(list)
        for target in db.session.scalars(
            sa.select(Target).where(Target.plan_year_id == year.id).order_by(Target.id)
        ):
            by_agency[target.agency_id].append(target)
        agencies = sorted(by_agency, key=lambda a: by_agency[a][0].agency.name)
        for n, agency_id in enumerate(agencies):
            targets = sorted(by_agency[agency_id], key=_target_order)
            got = {t: len(achieved[(agency_id, t.course_id or t.level)]) for t in targets}
            # An agency that has trained no one this year is well behind, whatever its turn.
            standing = (
                STANDINGS[(n + 5 - year.number) % len(STANDINGS)]
                if any(got.values())
                else (Rag.RED)
            )
            lead = max(got, key=lambda t: got[t])  # the first of the largest: sets the standing
            for m, (target, count) in enumerate(got.items()):
                if target is lead and standing is not Rag.GREEN:
                    target.target_count = _behind(count, fraction, standing)
                elif count == 0:
                    if standing is not Rag.RED:
                        db.session.delete(target)
                else:
                    target.target_count = max(1, math.floor(count * AHEAD[m % 4] / fraction))


def _target_order(target: Target) -> tuple[bool, int, str]:
    """Level targets first, lowest level first, then courses by title (as the dashboard lists)."""
    course = db.session.get(Course, target.course_id) if target.course_id else None
    title = course.title if course else ""
    return (target.course_id is not None, target.level.rank if target.level else 0, title)


def _behind(count: int, fraction: float, standing: Rag) -> int:
    """The smallest target over ``count`` that puts ``count`` at ``standing`` against the
    dashboard's due-by-now count (the pro-rata target rounded down to whole people). One or two
    people cannot be just behind in most of a year: such an agency is well behind instead."""
    for target in range(count + 1, count * 4 + 10):
        if rag(count, math.floor(target * fraction)) is standing:
            return target
    return _behind(count, fraction, Rag.RED) if standing is not Rag.RED else count + 2


def set_safe_space_targets(today: date) -> None:
    """Each plan year's safe-space target, rising to a little above today's count in the current
    year (and on by as much a year after it)."""
    now = db.session.scalar(
        sa.select(sa.func.count()).select_from(Site).where(Site.safe_space_since.is_not(None))
    )
    years = db.session.scalars(sa.select(PlanYear).order_by(PlanYear.number)).all()
    current = next((y.number for y in years if y.starts_on <= today <= y.ends_on), len(years))
    goal = (now or 0) + SAFE_SPACES_AHEAD
    for year in years:
        if year.number <= current:
            year.safe_space_target = max(2, round(goal * year.number / current))
        else:
            year.safe_space_target = goal + SAFE_SPACES_AHEAD * (year.number - current)
