"""The demo programme's plan, its five plan years, its courses and every agency's targets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from ..accounts.models import Agency
from ..extensions import db
from ..uk_time import LONDON
from .demo_data import COURSES, PLAN_NAME, STAFF
from .models import Course, Level, PlanYear, Target, TrainingPlan

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
