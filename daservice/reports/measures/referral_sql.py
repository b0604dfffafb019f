"""What the referral measures share: which referrals and routes a query covers, counts of them
per period in one statement, working days between two moments, and headline figures that show a
table's own total.

Everything here reads plain columns (dates, agency, service, risk level, flags). Nothing a victim
told us is read, so nothing is decrypted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from ...directory.models import Service
from ...extensions import db
from ...referrals.models import Referral, Route
from ...referrals.risk import Level
from ...referrals.sla import is_working_day
from ...uk_time import LONDON
from ..periods import Period, month
from ..sections import ReportQuery
from ..tables import Count, Figure, Rate, Table, Words

LEVELS = (Level.HIGH, Level.MEDIUM, Level.STANDARD)  # as a board reads them: the highest first
LEVEL_HEADINGS = {Level.HIGH: "High", Level.MEDIUM: "Medium", Level.STANDARD: "Standard"}


def between(column: Any, period: Period) -> sa.ColumnElement[bool]:
    """``column`` falls in the period's UK days."""
    start, end = period.utc_bounds()
    return sa.and_(column >= start, column < end)


def referrals_in(query: ReportQuery, period: Period | None = None) -> list[sa.ColumnElement[bool]]:
    """Referrals made in the period (or ``period``) by the agency the query is narrowed to."""
    conditions = [between(Referral.created_at, period or query.period)]
    if query.agency_id is not None:
        conditions.append(Referral.agency_id == query.agency_id)
    return conditions


def routes_of(query: ReportQuery) -> list[sa.ColumnElement[bool]]:
    """Routes of the query's referrals (its agency) to its service; join ``Referral`` first."""
    conditions: list[sa.ColumnElement[bool]] = []
    if query.agency_id is not None:
        conditions.append(Referral.agency_id == query.agency_id)
    if query.service_id is not None:
        conditions.append(Route.service_id == query.service_id)
    return conditions


def services(query: ReportQuery, ids: set[Any]) -> list[tuple[Any, str]]:
    """(id, name) of the services a table by service has rows for: the chosen one, or every
    service with routes in it, by name (a service with none would be a row of zeros)."""
    if query.service_id is not None:
        ids = {query.service_id}
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(Service.id, Service.name).where(Service.id.in_(ids)).order_by(Service.name)
    ).all()
    return [(row.id, row.name) for row in rows]


def count_per_period(
    column: Any,
    periods: Sequence[Period],
    *conditions: sa.ColumnElement[bool],
    group_by: Any = None,
    select_from: Any = Referral,
) -> dict[tuple[Any, int], int]:
    """{(group, i): how many rows have ``column`` in ``periods[i]``}, in one statement over the
    whole span (the reporting index on created_at serves it). Without ``group_by`` the group is
    None."""
    sums = [
        sa.func.coalesce(sa.func.sum(sa.case((between(column, p), 1), else_=0)), 0) for p in periods
    ]
    start, _ = periods[0].utc_bounds()
    _, end = periods[-1].utc_bounds()
    key = group_by if group_by is not None else sa.literal(None)
    statement = (
        sa.select(key, *sums)
        .select_from(select_from)
        .where(column >= start, column < end, *conditions)
    )
    if group_by is not None:
        statement = statement.group_by(group_by)
    found: dict[tuple[Any, int], int] = {}
    for group, *counts in db.session.execute(statement).all():
        for i, n in enumerate(counts):
            found[(group, i)] = int(n or 0)
    return found


def months_to(period: Period, count: int = 12) -> list[Period]:
    """The ``count`` months ending with the period's last month, oldest first."""
    last = month(period.end - relativedelta(days=1))
    return last.trend(count)


def a_year_before(column: Any) -> sa.ColumnElement[Any]:
    """``column`` less 12 calendar months, in SQL (each database spells it its own way)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column - sa.text("interval '12 months'")
    # SQLite keeps date-times as text "YYYY-MM-DD HH:MM:SS.ffffff": the result compares as text.
    return sa.func.strftime("%Y-%m-%d %H:%M:%f", column, "-12 months")


# Working days --------------------------------------------------------------------------------

_EPOCH = date(2000, 1, 1)


@lru_cache(maxsize=64)
def _working_days_before(year: int) -> tuple[int, ...]:
    """For each day of ``year``: how many working days there are from 1 January up to it (not
    counting it). Built once a year, so each count below is two look-ups, not a walk."""
    day, counts, seen = date(year, 1, 1), [], 0
    while day.year == year:
        counts.append(seen)
        seen += is_working_day(day)
        day += timedelta(days=1)
    return (*counts, seen)


@lru_cache(maxsize=64)
def _year_starts(year: int) -> int:
    """Working days from ``_EPOCH`` to 1 January of ``year``."""
    return sum(_working_days_before(y)[-1] for y in range(_EPOCH.year, year))


def _working_index(day: date) -> int:
    """Working days from ``_EPOCH`` to ``day`` (not counting it)."""
    return _year_starts(day.year) + _working_days_before(day.year)[day.timetuple().tm_yday - 1]


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after ``start``'s UK day up to and including ``end``'s: 0 the same day, 1 the
    next working day. The SLA counts the same way: due on the Nth working day after arrival."""
    first = _aware(start).astimezone(LONDON).date()
    last = _aware(end).astimezone(LONDON).date()
    if last <= first:
        return 0
    return _working_index(last + timedelta(days=1)) - _working_index(first + timedelta(days=1))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


# Headline figures ----------------------------------------------------------------------------


def total_figure(label: str, table: Table, column: int, hint: str = "") -> Figure:
    """A headline figure that is the table's own total in ``column``, as the table shows it: a
    total the table hides (to protect a small cell) is hidden in the headline too."""
    from ..disclosure import disclose

    shown = disclose(table)
    total = shown.total
    if total is None:
        raise ValueError(f"{table.key} has no total row")
    cell = total.cells[column]
    raw = _raw_total(table, column)
    if cell.hidden and not (isinstance(raw, Count) and 0 < raw.n < 5):
        return Figure(label, Words(cell.text), hint)
    return Figure(label, raw, hint)


def _raw_total(table: Table, column: int) -> Count | Rate:
    if column == len(table.columns):  # the total column
        return Count(sum(c.n for row in table.rows for c in row.cells if isinstance(c, Count)))
    cells = [row.cells[column] for row in table.rows]
    if all(isinstance(c, Rate) for c in cells):
        return Rate(
            sum(c.part for c in cells if isinstance(c, Rate)),
            sum(c.whole for c in cells if isinstance(c, Rate)),
        )
    return Count(sum(c.n for c in cells if isinstance(c, Count)))
