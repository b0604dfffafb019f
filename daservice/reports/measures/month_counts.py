"""Ended months counted once, so that a year's figures are not counted from every row each time.

A plan year's dashboard counts a year of referrals and routes, and its trend five years of
referrals. The rows of a month that has ended seldom change, so the job
``reports.count_closed_months`` counts each ended UK month once, grouped by every dimension the
reports count by, into ``report_referral_months`` and ``report_route_months``. A report then reads
those counts for the months they are up to date for, and counts the rows of the rest: the current
month, the days just after a month ends, and any month changed since it was counted. The figures
are the same either way (``tests/reports/test_month_counts.py`` compares them).

Whether a month's counts are up to date is kept by the database, not by the code that writes:
triggers on ``referrals`` and ``routes`` (migration 0015) write a row to ``report_month_changes``
for each row added, changed or deleted whose moment (a referral's making, a route's release) is
over a day old, and a month is read from its counts only while no such row names it. Counting a
month deletes its change rows first, then counts what is committed: a change committed while a
month is being counted leaves its row behind, so the counts are out of date, never wrong. SQLite
cannot tell a UTC moment's UK month, so the triggers name both months a UTC month's moments can
fall in: its own and the next. A migration that rebuilds either table must make its triggers
again (``tests/test_migrations.py`` checks them at the head).

The statements of one tally (which months are up to date, the rows, the counts) each read the
database as it is when they run. A row moved between a counted month and another between them
could be counted twice or not at all; nothing moves a row's moment (a route is released once).

A month is counted only once it ended over ``SETTLED`` ago, so that any later write to one of its
rows is to a row over a day old and is seen; and a month of routes only once none of them is
waiting for a first contact attempt due in the future (until then, whether a route's time is up
depends on when the report is read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from ...extensions import db, utcnow
from ...referrals.models import Referral, Route
from ...referrals.risk import Level
from ...uk_time import LONDON
from ..models import counted_months, month_changes, referral_months, route_months
from ..periods import Period, month

SETTLED = timedelta(days=2)  # the triggers see changes to rows over a day old: a day to spare
MARAC_CRITERIA = ("visible_high_risk", "professional_judgement", "potential_escalation", "repeat")


def count_if(condition: Any, name: str) -> sa.Label[int]:
    """How many of the group's rows meet ``condition``: ``count(*) FILTER (WHERE ...)``, which
    SQLite and PostgreSQL both run without a CASE for each row."""
    return sa.func.count().filter(condition).label(name)


@dataclass(frozen=True)
class Source:
    """A kind of row the reports count, and its counts by month."""

    kind: str  # its name in report_months and report_month_changes
    model: Any
    at: Any  # the moment that places a row in a month
    counts: sa.Table
    dimensions: tuple[str, ...]  # what its counts are grouped by
    # Each count by name, over the source's rows, as of ``now``.
    sums: Callable[[datetime], dict[str, sa.Label[int]]]
    # Rows that keep their month from being counted yet, as of ``now``.
    unsettled: Callable[[datetime], sa.ColumnElement[bool]] | None = None


def _referral_sums(now: datetime) -> dict[str, sa.Label[int]]:
    flags = ("marac", "serial_perpetrator", "repeat_victim", *MARAC_CRITERIA)
    sums = [
        sa.func.count().label("n"),
        *(count_if(Referral.risk_level == level.value, level.value) for level in Level),
        *(count_if(getattr(Referral, flag), flag) for flag in flags),
    ]
    return {label.name: label for label in sums}


def _route_sums(now: datetime) -> dict[str, sa.Label[int]]:
    attempted = Route.first_contact_at.is_not(None)
    in_time = sa.and_(attempted, Route.due_at.is_not(None), Route.first_contact_at <= Route.due_at)
    # Whose time is up: attempted, or due and not attempted by now.
    decided = sa.and_(Route.due_at.is_not(None), sa.or_(attempted, Route.due_at < now))
    # A route made pending at intake is released the moment it is made; a later release is
    # consent given afterwards.
    after_consent = Route.released_at > Route.created_at
    sums = [
        sa.func.count().label("n"),
        sa.func.count(Route.first_contact_at).label("attempted"),
        count_if(in_time, "in_time"),
        count_if(decided, "decided"),
        count_if(after_consent, "after_consent"),
    ]
    return {label.name: label for label in sums}


def _routes_waiting(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(Route.first_contact_at.is_(None), Route.due_at >= now)


REFERRALS = Source(
    kind="referrals",
    model=Referral,
    at=Referral.created_at,
    counts=referral_months,
    dimensions=("agency_id", "override_legal_basis"),
    sums=_referral_sums,
)
ROUTES = Source(
    kind="routes",
    model=Route,
    at=Route.released_at,
    counts=route_months,
    dimensions=(
        "service_id",
        "referral_agency_id",
        "referral_risk_level",
        "first_contact_working_days",
    ),
    sums=_route_sums,
    unsettled=_routes_waiting,
)
SOURCES = (REFERRALS, ROUTES)


# Reading ---------------------------------------------------------------------------------------


def up_to_date(source: Source) -> frozenset[date]:
    """The months whose counts no change has reached since they were counted."""
    changed = sa.exists().where(
        month_changes.c.kind == counted_months.c.kind,
        month_changes.c.month == counted_months.c.month,
    )
    rows = db.session.execute(
        sa.select(counted_months.c.month).where(counted_months.c.kind == source.kind, ~changed)
    ).scalars()
    return frozenset(rows)


def split(
    start: datetime, end: datetime, counted: frozenset[date]
) -> tuple[list[date], list[tuple[datetime, datetime]]]:
    """The months from ``start`` up to ``end`` to read from their counts (whole UK months
    counted), and the spans between to read from the rows, as UTC ``(from, up to)``."""
    whole: list[date] = []
    spans: list[tuple[datetime, datetime]] = []
    current: Period = month(start.astimezone(LONDON).date())
    while (bounds := current.utc_bounds())[0] < end:
        low, high = max(bounds[0], start), min(bounds[1], end)
        if current.start in counted and (low, high) == bounds:
            whole.append(current.start)
        elif spans and spans[-1][1] == low:
            spans[-1] = (spans[-1][0], high)
        elif low < high:
            spans.append((low, high))
        current = current.shifted(1)
    return whole, spans


def tally(
    source: Source,
    bounds: Sequence[datetime],
    *,
    by: Sequence[str],
    sums: Sequence[str],
    filters: Mapping[str, Any],
    counted: frozenset[date],
) -> tuple[SimpleNamespace, ...]:
    """The source's rows counted in each bucket (``bounds[i]`` up to ``bounds[i + 1]``) and
    group of ``by``: one group each, with ``.bucket``, the dimensions of ``by`` and each of
    ``sums``; from the counts of ``counted`` months, and from the rows elsewhere.

    ``filters`` ({dimension: value}) narrow both alike. Without ``by`` a bucket's rows are
    counted without a GROUP BY (each span over its own range of the reporting index), so the
    database sorts nothing.
    """
    now = utcnow()
    expressions = source.sums(now)
    columns = [getattr(source.model, name) for name in by]
    conditions = [getattr(source.model, name) == value for name, value in filters.items()]
    live: list[sa.Select[Any]] = []
    bucket_of: dict[date, int] = {}
    for i, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        whole, spans = split(start, end, counted)
        bucket_of.update(dict.fromkeys(whole, i))
        for low, high in spans:
            statement = sa.select(
                sa.literal_column(str(i), sa.Integer).label("bucket"),
                *columns,
                *(expressions[name] for name in sums),
            ).where(source.at >= low, source.at < high, *conditions)
            live.append(statement.group_by(*columns) if columns else statement)
    found: list[Iterable[Any]] = []
    if live:
        found.append(db.session.execute(live[0] if len(live) == 1 else sa.union_all(*live)))
    if bucket_of:
        found.append(_from_counts(source, bucket_of, by, sums, filters))
    return _merged(found, by, sums)


def _from_counts(
    source: Source,
    bucket_of: Mapping[date, int],
    by: Sequence[str],
    sums: Sequence[str],
    filters: Mapping[str, Any],
) -> Sequence[Any]:
    """The counted months' counts summed in SQL by bucket and ``by``: a plan year's routes are
    some two thousand counts, and adding them up in Python was a tenth of the pack."""
    table = source.counts
    columns = [table.c[name] for name in by]
    months_in: dict[int, list[date]] = {}
    for counted_month, i in bucket_of.items():
        months_in.setdefault(i, []).append(counted_month)
    if len(months_in) == 1:
        (only,) = months_in
        bucket: sa.ColumnElement[int] = sa.literal_column(str(only), sa.Integer)
        grouped_by: list[sa.ColumnElement[Any]] = list(columns)
    else:
        bucket = sa.case(*((table.c.month.in_(ms), b) for b, ms in months_in.items()))
        grouped_by = [bucket, *columns]
    totals = [sa.func.sum(table.c[name]).label(name) for name in sums]
    statement = sa.select(bucket.label("bucket"), *columns, *totals).where(
        table.c.month.in_(list(bucket_of)), *(table.c[k] == v for k, v in filters.items())
    )
    return db.session.execute(statement.group_by(*grouped_by) if grouped_by else statement).all()


def _merged(
    found: Iterable[Iterable[Any]], by: Sequence[str], sums: Sequence[str]
) -> tuple[SimpleNamespace, ...]:
    """The groups of all of ``found`` added up, and only those with rows: a bucket counted
    without a GROUP BY answers a row of zeros when it has none, its counts nothing."""
    groups: dict[tuple[Any, ...], SimpleNamespace] = {}
    for rows in found:
        for row in rows:
            key = (row.bucket, *(getattr(row, name) for name in by))
            group = groups.get(key)
            if group is None:
                groups[key] = SimpleNamespace(
                    bucket=row.bucket,
                    **{name: getattr(row, name) for name in by},
                    **{name: int(getattr(row, name) or 0) for name in sums},
                )
            else:
                for name in sums:
                    setattr(group, name, getattr(group, name) + int(getattr(row, name) or 0))
    return tuple(g for g in groups.values() if any(getattr(g, name) for name in sums))


# Counting --------------------------------------------------------------------------------------


def count_closed_months(now: datetime | None = None) -> str:
    """Count every month that ended over ``SETTLED`` ago and whose counts are missing or out of
    date: the job ``reports.count_closed_months``. Each month is its own short transaction.

    ``now`` is for tests, and only ever in the past: the triggers judge a row's age by the
    database's clock, so a month counted "after" the real now could miss changes."""
    now = now or utcnow()
    done = 0
    for source in SOURCES:
        first = db.session.scalar(sa.select(sa.func.min(source.at)))
        if first is None:
            continue
        fresh = up_to_date(source)
        current = month(first.astimezone(LONDON).date())
        while current.utc_bounds()[1] <= now - SETTLED:
            if current.start not in fresh and _settled(source, current, now):
                _count(source, current, now)
                done += 1
            current = current.shifted(1)
    return f"{done} month{'' if done == 1 else 's'} counted"


def _settled(source: Source, period: Period, now: datetime) -> bool:
    if source.unsettled is None:
        return True
    start, end = period.utc_bounds()
    waiting = db.session.scalar(
        sa.select(sa.exists().where(source.at >= start, source.at < end, source.unsettled(now)))
    )
    return not waiting


def _count(source: Source, period: Period, now: datetime) -> None:
    start, end = period.utc_bounds()
    if db.session.get_bind().dialect.name == "postgresql":
        # One count of a month at a time (a job run that overran its lease, and the next): two
        # at once would each delete what is committed and insert their own, twice the figures.
        # SQLite has one writer at a time already.
        key = f"report_months:{source.kind}:{period.start.isoformat()}"
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))
    # First: a change committed from here on leaves its row, and the month out of date.
    db.session.execute(
        sa.delete(month_changes).where(
            month_changes.c.kind == source.kind, month_changes.c.month == period.start
        )
    )
    dimensions = [getattr(source.model, name) for name in source.dimensions]
    sums = source.sums(now)
    db.session.execute(sa.delete(source.counts).where(source.counts.c.month == period.start))
    db.session.execute(
        sa.insert(source.counts).from_select(
            ["month", *source.dimensions, *sums],
            sa.select(sa.literal(period.start, sa.Date), *dimensions, *sums.values())
            .where(source.at >= start, source.at < end)
            .group_by(*dimensions),
        )
    )
    db.session.execute(
        sa.delete(counted_months).where(
            counted_months.c.kind == source.kind, counted_months.c.month == period.start
        )
    )
    db.session.execute(
        sa.insert(counted_months).values(kind=source.kind, month=period.start, counted_at=now)
    )
    db.session.commit()
