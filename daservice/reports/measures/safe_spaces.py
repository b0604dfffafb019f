"""Safe spaces with trained professionals: training coverage against the plan year's targets per
agency, certificates issued and expiring, and the borough's safe spaces.

Everything is counted in SQL over the training tables' plain columns (agency, course, level, dates,
revoked or not); no certificate is loaded as an object, so its protected code is never read.

**Which plan year.** A plan-year period is its own year. A month or a quarter is reported against
the plan year its last day falls in (a quarter that straddles two plan years counts towards the
one it ends in), and the section says which.

**As of when.** Coverage is measured at the period's last day, or today if the period has not
ended: *achieved* counts certificates issued from the start of the plan year up to that day, and
*due by now* is the training dashboard's rule (``training.dashboard.due_by_now``) on that day, so a
board pack for last quarter says what was true at the end of last quarter.

**What is disclosive.** Achieved counts and certificate counts are people, so they are ``Count``
cells ("<5" for 1 to 4). Targets and the number due are the partnership's plan, not people, and are
printed as they are; no percentage of a target is printed, since 80% of a target of 10 would give
away the 2 not trained. A target's status ("On track", "Behind", "Well behind") would narrow a
hidden count down too (with 4 due, "Behind" means exactly 3), so where the count is 1 to 4 the
status is printed only if every count from 1 to 4 would get the same one (``status``). Safe
spaces are sites (public premises), not people, so their counts are printed as they are too.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ...accounts.models import Agency
from ...extensions import db
from ...training import dashboard, planning
from ...training.models import (
    Certificate,
    Course,
    Level,
    PlanYear,
    SafeSpaceChange,
    Site,
    Target,
)
from ...uk_time import LONDON, uk_today
from ..disclosure import MIN_SHOWN, disclose, is_small, total_figure
from ..periods import Period, PeriodKind
from ..sections import ReportQuery, Section
from ..tables import Chart, Column, Count, Row, SectionContent, Table, Words

EXPIRING_WITHIN = timedelta(days=90)
LEVEL_HEADINGS = {
    Level.AWARENESS: "Awareness",
    Level.PRACTITIONER: "Practitioner",
    Level.SPECIALIST: "Specialist",
}


def plan_year_for(period: Period) -> PlanYear | None:
    """The plan year a period is reported against: itself for a plan year, otherwise the one its
    last day falls in; None outside the plan (or with no plan)."""
    plan = planning.current_plan()
    if plan is None:
        return None
    if period.kind is PeriodKind.PLAN_YEAR:
        return next((y for y in plan.years if y.starts_on == period.start), None)
    last_day = period.end - timedelta(days=1)
    return next((y for y in plan.years if y.starts_on <= last_day <= y.ends_on), None)


def as_of(query: ReportQuery) -> date:
    """The day coverage is measured on: the period's last day, or today if it has not ended."""
    return min(query.today or uk_today(), query.period.end - timedelta(days=1))


def _agency_is(column: Any, query: ReportQuery) -> sa.ColumnElement[bool]:
    return sa.true() if query.agency_id is None else column == query.agency_id


def _agencies(query: ReportQuery) -> list[tuple[uuid.UUID, str, str]]:
    rows = db.session.execute(
        sa.select(Agency.id, Agency.code, Agency.name)
        .where(_agency_is(Agency.id, query))
        .order_by(Agency.name)
    )
    return [(agency_id, code, name) for agency_id, code, name in rows]


# --- Coverage against targets ------------------------------------------------------------------

NOT_SHOWN = "Not shown"


def status(achieved: int, due: int) -> dashboard.Rag | None:
    """The training dashboard's status, or None where printing it would narrow down a hidden
    count: with 4 due, "Behind" means exactly 3 trained. A count of 1 to 4 is shown as "<5", so
    its status is printed only when every count from 1 to 4 would get the same one."""
    if not is_small(achieved):
        return dashboard.rag(achieved, due)
    found = {dashboard.rag(n, due) for n in range(1, MIN_SHOWN)}
    return found.pop() if len(found) == 1 else None


def _words(found: dashboard.Rag | None) -> Words:
    return Words(NOT_SHOWN if found is None else found.words)


def _agency_status(statuses: list[dashboard.Rag | None]) -> list[Words]:
    """How many of an agency's targets are on track, and its status (its furthest-behind
    target's); neither where a target's own status is not shown, except that an agency with a
    target shown "Well behind" is well behind whatever the hidden ones are (so saying so tells
    nothing about them)."""
    if None in statuses:
        worst_possible = dashboard.RAG_ORDER[0]
        if worst_possible in statuses:
            return [Words(NOT_SHOWN), Words(worst_possible.words)]
        return [Words(NOT_SHOWN), Words(NOT_SHOWN)]
    known = [found for found in statuses if found is not None]
    worst = min(known, key=dashboard.RAG_ORDER.index)
    return [Words(f"{known.count(dashboard.Rag.GREEN)} of {len(known)}"), Words(worst.words)]


def _counted(query: ReportQuery, year: PlanYear) -> list[sa.ColumnElement[bool]]:
    """Certificates that count towards the year's targets by the as-of day."""
    return [
        Certificate.revoked_at.is_(None),
        Certificate.issued_on >= year.starts_on,
        Certificate.issued_on <= min(as_of(query), year.ends_on),
        _agency_is(Certificate.agency_id, query),
    ]


def coverage(query: ReportQuery, year: PlanYear) -> tuple[Table, Table]:
    """Per agency and target: people trained so far in the plan year, the number due by the
    as-of day, the year's target and the status in words; and per agency (what the chart
    draws): people trained on any course, how many of its targets are on track, and its status
    (its furthest-behind target's, as on the training dashboard)."""
    day = as_of(query)
    counted = _counted(query, year)
    people = sa.func.count(sa.distinct(Certificate.trainee_id))
    by_course = {
        (agency_id, course_id): n
        for agency_id, course_id, n in db.session.execute(
            sa.select(Certificate.agency_id, Certificate.course_id, people)
            .where(*counted)
            .group_by(Certificate.agency_id, Certificate.course_id)
        )
    }
    by_level = {
        (agency_id, level): n
        for agency_id, level, n in db.session.execute(
            sa.select(Certificate.agency_id, Certificate.level, people)
            .where(*counted)
            .group_by(Certificate.agency_id, Certificate.level)
        )
    }
    targets = db.session.execute(
        sa.select(
            Agency.code,
            Agency.name,
            Target.agency_id,
            Target.course_id,
            Course.title,
            Target.level,
            Target.target_count,
        )
        .join(Agency, Agency.id == Target.agency_id)
        .outerjoin(Course, Course.id == Target.course_id)
        .where(Target.plan_year_id == year.id, _agency_is(Target.agency_id, query))
        # As the training dashboard orders them: level targets first, lowest level first, then
        # courses by title (the same on SQLite and PostgreSQL).
        .order_by(Agency.name, Target.course_id.is_(None).desc(), Target.level, Course.title)
    )
    rows = []
    agencies: dict[uuid.UUID, tuple[str, str, list[dashboard.Rag | None]]] = {}
    for code, name, agency_id, course_id, title, level, target in targets:
        achieved = (
            by_course.get((agency_id, course_id), 0)
            if course_id is not None
            else by_level.get((agency_id, level), 0)
        )
        due = dashboard.due_by_now(target, year, day)
        shown = status(achieved, due)
        agencies.setdefault(agency_id, (code, name, []))[2].append(shown)
        label = title or f"Any {LEVEL_HEADINGS[Level(level)].lower()} course"
        rows.append(
            Row(
                f"{name}: {label}",
                [
                    Count(achieved),
                    Words(f"{due:,}"),
                    Words(f"{target:,}"),
                    _words(shown),
                ],
                key=f"{code}:{course_id or level}",
            )
        )
    detail = Table(
        key="training-coverage",
        title=f"Staff trained against the targets of plan year {year.number}",
        row_heading="Agency and target",
        columns=[
            Column("Trained", "trained"),
            Column("Due by then", "due"),
            Column("Target for the year", "target"),
            Column("Status", "status"),
        ],
        rows=rows,
        description=(
            f"Different members of each agency's staff with a certificate issued from "
            f"{year.starts_on:%-d %B %Y} to {day:%-d %B %Y}, against the plan's targets."
        ),
        in_board_pack=False,
    )
    trained: dict[uuid.UUID, int] = dict(
        db.session.execute(
            sa.select(Certificate.agency_id, people)
            .where(*counted, Certificate.agency_id.in_(list(agencies)))
            .group_by(Certificate.agency_id)
        )
        .tuples()
        .all()
    )
    by_agency = Table(
        key="training-by-agency",
        title=f"Staff trained in plan year {year.number}, by agency",
        row_heading="Agency",
        columns=[
            Column("Staff trained", "trained"),
            Column("Targets on track", "on_track"),
            Column("Status", "status"),
        ],
        rows=[
            Row(
                name,
                [
                    Count(trained.get(agency_id, 0)),
                    *_agency_status(statuses),
                ],
                key=code,
            )
            for agency_id, (code, name, statuses) in agencies.items()
        ],
        description=(
            "Agencies with targets in the plan year: different members of staff with a "
            "certificate of any course issued in the year so far, and their targets' status."
        ),
    )
    return by_agency, detail


# --- Certificates ------------------------------------------------------------------------------


Agencies = list[tuple[uuid.UUID, str, str]]


def issued(query: ReportQuery, agencies: Agencies | None = None) -> Table:
    """Certificates issued in the period (not revoked), by agency and course level."""
    found = {
        (agency_id, Level(level)): n
        for agency_id, level, n in db.session.execute(
            sa.select(Certificate.agency_id, Certificate.level, sa.func.count())
            .where(
                Certificate.revoked_at.is_(None),
                Certificate.issued_on >= query.period.start,
                Certificate.issued_on < query.period.end,
                _agency_is(Certificate.agency_id, query),
            )
            .group_by(Certificate.agency_id, Certificate.level)
        )
    }
    return Table(
        key="certificates-issued",
        title="Certificates issued by agency and course level",
        row_heading="Agency",
        columns=[Column(LEVEL_HEADINGS[level], level.value) for level in Level],
        rows=[
            Row(name, [Count(found.get((agency_id, level), 0)) for level in Level], key=code)
            for agency_id, code, name in agencies or _agencies(query)
        ],
        total_row=True,
        total_column=True,
        description="Certificates issued in the period, by the holder's agency when she trained.",
        in_board_pack=False,  # the pack prints the total; the board reads agencies' coverage
    )


def expiring(query: ReportQuery, agencies: Agencies | None = None) -> Table:
    """Certificates still current that expire in the next 90 days and in the next period, by
    agency (not revoked, not already replaced by a refresher)."""
    today = query.today or uk_today()
    following = query.period.shifted(1)
    # Not superseded: no later certificate of the same course for the same holder, not revoked
    # (as the refresher reminders judge it). One index lookup per expiring certificate on
    # ``ix_training_certificates_holder_course`` (migration 0012: without it, 60 ms over a plan
    # year's expiries at the benchmark's 20,000 enrolments; with it, 12 ms; bench/reports.py).
    newer = aliased(Certificate)
    superseded = sa.exists().where(
        newer.trainee_id == Certificate.trainee_id,
        newer.course_id == Certificate.course_id,
        newer.revoked_at.is_(None),
        newer.completed_on > Certificate.completed_on,
    )
    soon = Certificate.expires_on.between(today, today + EXPIRING_WITHIN)
    # The whole of the next period, even where it has begun or passed (a pack for an old quarter
    # says what expired in the one after it).
    in_next = sa.and_(
        Certificate.expires_on >= following.start, Certificate.expires_on < following.end
    )
    # One range of expiry dates covering both columns (an OR of two ranges is no quicker).
    since = min(today, following.start)
    until = max(today + EXPIRING_WITHIN, following.end - timedelta(days=1))
    found = {
        agency_id: (n_soon or 0, n_next or 0)
        for agency_id, n_soon, n_next in db.session.execute(
            sa.select(
                Certificate.agency_id,
                sa.func.count().filter(soon),
                sa.func.count().filter(in_next),
            )
            .where(
                Certificate.revoked_at.is_(None),
                Certificate.expires_on.between(since, until),
                _agency_is(Certificate.agency_id, query),
                ~superseded,
            )
            .group_by(Certificate.agency_id)
        )
    }
    return Table(
        key="certificates-expiring",
        title="Certificates expiring",
        row_heading="Agency",
        columns=[
            Column(f"By {today + EXPIRING_WITHIN:%-d %B %Y}", "next_90_days"),
            Column(f"In {following.label}", "next_period"),
        ],
        rows=[
            Row(name, [Count(n) for n in found.get(agency_id, (0, 0))], key=code)
            for agency_id, code, name in agencies or _agencies(query)
        ],
        total_row=True,
        description=(
            f"Certificates that expire from {today:%-d %B %Y} to 90 days later, and in the "
            "period after this one, all of it (a certificate can be in both)."
        ),
        in_board_pack=False,  # the pack prints both totals
    )


def trend(query: ReportQuery) -> Table:
    """Certificates issued (not revoked) in each period of the trend, in one query."""
    periods = query.trend
    which = sa.case(
        *((Certificate.issued_on < p.end, n) for n, p in enumerate(periods)),
        else_=len(periods),
    )
    counts: dict[int, int] = dict(
        db.session.execute(
            sa.select(which, sa.func.count())
            .where(
                Certificate.revoked_at.is_(None),
                Certificate.issued_on >= periods[0].start,
                Certificate.issued_on < periods[-1].end,
                _agency_is(Certificate.agency_id, query),
            )
            .group_by(which)
        )
        .tuples()
        .all()
    )
    return Table(
        key="certificates-trend",
        title="Certificates issued over time",
        row_heading="Period",
        columns=[Column("Certificates issued", "certificates")],
        rows=[
            Row(p.short_label, [Count(counts.get(n, 0))], key=p.key) for n, p in enumerate(periods)
        ],
        description="Certificates issued in this period and the ones before it (not revoked).",
    )


# --- Safe spaces -------------------------------------------------------------------------------


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def safe_spaces(query: ReportQuery, year: PlanYear | None) -> Table:
    """Safe spaces now, the year's target, and sites that gained or lost the status in the
    period (the history ``training.safe_spaces`` records)."""
    now = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Site)
            .where(Site.safe_space_since.is_not(None), _agency_is(Site.agency_id, query))
        )
        or 0
    )
    changes: dict[bool, int] = dict(
        db.session.execute(
            sa.select(SafeSpaceChange.gained, sa.func.count())
            .join(Site, Site.id == SafeSpaceChange.site_id)
            .where(
                SafeSpaceChange.at >= _uk_midnight(query.period.start),
                SafeSpaceChange.at < _uk_midnight(query.period.end),
                _agency_is(Site.agency_id, query),
            )
            .group_by(SafeSpaceChange.gained)
        )
        .tuples()
        .all()
    )
    # The target is the borough's, not an agency's: shown only for the whole partnership.
    target = year.safe_space_target if year is not None and query.agency_id is None else None
    rows = [
        Row("Safe spaces now", [Words(f"{now:,}")], key="now"),
        Row(
            "Target for the plan year",
            [Words("No target" if target is None else f"{target:,}")],
            key="target",
        ),
        Row("Became a safe space in the period", [Words(f"{changes.get(True, 0):,}")], "gained"),
        Row("Stopped being one in the period", [Words(f"{changes.get(False, 0):,}")], "lost"),
    ]
    return Table(
        key="safe-spaces",
        title="Safe spaces",
        row_heading="Safe spaces",
        columns=[Column("Sites", "sites")],
        rows=rows,
        description="Sites where enough staff hold a current practitioner-level certificate.",
    )


def build(query: ReportQuery) -> SectionContent:
    year = plan_year_for(query.period)
    day = as_of(query)
    tables: list[Table] = []
    charts: list[Chart] = []
    notes: list[str] = []
    if year is None:
        notes.append(
            "The period is outside the training plan, so there are no targets to measure against."
        )
    else:
        tables += coverage(query, year)
        charts.append(Chart("Staff trained this plan year, by agency", "training-by-agency"))
        chosen = (
            "This is"
            if query.period.kind is PeriodKind.PLAN_YEAR
            else "The period is measured against the plan year its last day falls in:"
        )
        notes.append(
            f"{chosen} plan year {year.number}, {year.starts_on:%-d %B %Y} to "
            f"{year.ends_on:%-d %B %Y}. Coverage is as it stood on {day:%-d %B %Y}."
        )
        notes.append(
            "Trained: different members of the agency's staff with a certificate, not revoked, "
            "issued in the plan year up to that day, for the target's course or any course of "
            "its level (someone trained twice counts once). Due by then: the target times the "
            "part of the plan year gone by, in whole people, rounded down. On track: trained "
            "at least the number due; behind: at least three quarters of it; well behind: "
            "fewer. An agency's status is its furthest-behind target's. No percentage of a target "
            "is shown, and a status is not shown where, with the number due, it would tell how "
            "many of fewer than 5 people were trained."
        )
    agencies = _agencies(query)
    issued_table, expiring_table = issued(query, agencies), expiring(query, agencies)
    trend_table = trend(query)
    # The trend's last row is this period's certificates: the issued table's grand total. Where
    # that total is hidden to protect a small count, the trend must not print it.
    issued_total = disclose(issued_table).total
    if issued_total is not None and issued_total.cells[-1].hidden:
        trend_table = replace(trend_table, withheld=frozenset({(len(trend_table.rows) - 1, 0)}))
    tables += [issued_table, expiring_table, trend_table, safe_spaces(query, year)]
    charts.append(Chart("Certificates issued over time", "certificates-trend", kind="line"))
    notes += [
        "Certificates issued: each certificate issued in the period, counted for the agency its "
        "holder trained with; certificates revoked since are left out.",
        "Certificates expiring: certificates not revoked that expire from today to 90 days "
        "later, and those that expire at any time in the period after this one; a certificate "
        "already replaced by a later one of the same course (a refresher) is left out.",
        "Safe spaces: sites counted now as safe spaces, and each time in the period a site "
        "became one or stopped being one. Sites are places, not people, so their numbers are "
        "shown as they are. The target is the borough's and is shown only for the whole "
        "partnership.",
    ]
    return SectionContent(
        figures=[
            # As the tables show their totals: a total hidden to protect a small count is
            # hidden here too (the pack prints these, not the tables).
            total_figure("Certificates issued", issued_table, column=len(issued_table.columns)),
            total_figure("Certificates expiring in the next 90 days", expiring_table, column=0),
            total_figure(
                f"Certificates expiring in {query.period.shifted(1).label}",
                expiring_table,
                column=1,
            ),
        ],
        tables=tables,
        charts=charts,
        notes=notes,
    )


SECTION = Section(
    key="safe-spaces",
    title="Safe spaces with trained professionals",
    measure="Safe spaces with trained professionals",
    order=30,
    build=build,
)
