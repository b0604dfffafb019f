"""What the referral measures share: the tallies of referrals and routes, read once per pack and
grouped, and the tables' sums over them.

A pack's sections count the same rows many ways. Each kind of row is read once per pack
(``ReportQuery.shared``), ended months from their counts (``month_counts``) and the rest in one
grouped statement over the plain columns a covering index holds (``ix_referrals_reporting``; for
routes ``ix_routes_reporting``, or on SQLite ``ix_routes_reporting_grouped`` in grouping order:
migration 0014; ``ix_routes_held``), and every table is summed here from the groups: tens to
hundreds of them, against tens of thousands of rows. Nothing a victim told us is read, so nothing
is decrypted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from ...directory.models import Service
from ...extensions import db
from ...referrals.models import HELD_NOW, Referral, Route
from ...referrals.risk import Level
from ..periods import Period, month
from ..sections import ReportQuery
from . import month_counts

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


def months_to(period: Period, count: int = 12) -> list[Period]:
    """The ``count`` months ending with the period's last month, oldest first."""
    last = month(period.end - relativedelta(days=1))
    return last.trend(count)


# The shared statements -----------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Rows counted by a time bucket and the dimensions of ``groups``' rows: bucket ``i`` holds
    the moments from ``bounds[i]`` up to (not including) ``bounds[i + 1]``."""

    bounds: tuple[datetime, ...]
    groups: tuple[Any, ...]  # result rows: .bucket, the dimensions, .n and any other sums

    def rows(self, period: Period | None = None) -> list[Any]:
        """The groups in ``period`` (every group without one). A period is always whole
        buckets: its bounds are among ``bounds``."""
        if period is None:
            return list(self.groups)
        start, end = period.utc_bounds()
        if start not in self.bounds or end not in self.bounds:  # part of a bucket: a wrong sum
            raise ValueError(f"{period.key} is not made of this tally's buckets")
        inside = {i for i in range(len(self.bounds) - 1) if start <= self.bounds[i] < end}
        return [group for group in self.groups if group.bucket in inside]

    def count(self, period: Period | None = None) -> int:
        """The rows in ``period`` (every row without one)."""
        return self.sum("n", period)

    def sum(self, name: str, period: Period | None = None) -> int:
        """The groups' count called ``name`` in ``period`` (every group without one)."""
        return sum(int(getattr(g, name) or 0) for g in self.rows(period))


def _bounds(periods: Sequence[Period]) -> tuple[datetime, ...]:
    return tuple(sorted({moment for p in periods for moment in p.utc_bounds()}))


def referral_trend(query: ReportQuery) -> Tally:
    """Referrals in each trend period and each of the 12 months to the period's end: how many,
    and how many at each risk level, at Marac, naming a serial perpetrator and of a repeat
    victim. One group per bucket (``month_counts.tally``: no GROUP BY, so nothing is
    sorted)."""

    def read() -> Tally:
        bounds = _bounds([*query.trend, *months_to(query.period)])
        flags = ("marac", "serial_perpetrator", "repeat_victim")
        groups = month_counts.tally(
            month_counts.REFERRALS,
            bounds,
            by=(),
            sums=("n", *(level.value for level in LEVELS), *flags),
            filters=_agency(query, "agency_id"),
            counted=_counted(query, month_counts.REFERRALS),
        )
        return Tally(bounds, groups)

    return query.shared("referral trend", read)


def referral_period(query: ReportQuery) -> Tally:
    """The period's referrals by agency and lawful basis for sharing without consent: how many,
    and how many at each risk level and meeting each Marac criterion (one bucket: the
    period)."""

    def read() -> Tally:
        bounds = query.period.utc_bounds()
        groups = month_counts.tally(
            month_counts.REFERRALS,
            bounds,
            by=("agency_id", "override_legal_basis"),
            sums=("n", *(level.value for level in LEVELS), *month_counts.MARAC_CRITERIA),
            filters=_agency(query, "agency_id"),
            counted=_counted(query, month_counts.REFERRALS),
        )
        return Tally(bounds, groups)

    return query.shared("referral period", read)


def routes_released(query: ReportQuery) -> Tally:
    """Routes released to a service in the period (of the query's agency, to its service), by
    service, risk level and working days to the first attempt; with how many were attempted,
    attempted in time, whose time is up (attempted, or due and not attempted by now), and were
    released later, once consent was given (``month_counts.ROUTES``)."""

    def read() -> Tally:
        bounds = query.period.utc_bounds()
        filters = _agency(query, "referral_agency_id")
        if query.service_id is not None:
            filters["service_id"] = query.service_id
        groups = month_counts.tally(
            month_counts.ROUTES,
            bounds,
            by=("service_id", "referral_risk_level", "first_contact_working_days"),
            sums=("n", "attempted", "in_time", "decided", "after_consent"),
            filters=filters,
            counted=_counted(query, month_counts.ROUTES),
        )
        return Tally(bounds, groups)

    return query.shared("routes released", read)


def _agency(query: ReportQuery, column: str) -> dict[str, Any]:
    return {column: query.agency_id} if query.agency_id is not None else {}


def _counted(query: ReportQuery, source: month_counts.Source) -> frozenset[Any]:
    """The months of ``source`` whose counts are up to date, read once for the query."""
    return query.shared(f"{source.kind} counted", lambda: month_counts.up_to_date(source))


def routes_held_now(query: ReportQuery) -> dict[Any, int]:
    """{service id: routes of the query's agency waiting for the victim's consent now}, whenever
    they were made."""

    def read() -> dict[Any, int]:
        rows = db.session.execute(
            sa.select(Route.service_id, sa.func.count())
            .where(HELD_NOW, *_route_filters(query))
            .group_by(Route.service_id)
        ).all()
        return {service_id: int(n) for service_id, n in rows}

    return query.shared("routes held now", read)


def _route_filters(query: ReportQuery) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if query.agency_id is not None:
        conditions.append(Route.referral_agency_id == query.agency_id)
    if query.service_id is not None:
        conditions.append(Route.service_id == query.service_id)
    return conditions


def median_of(counts: Mapping[int, int]) -> float | None:
    """The median of values given as {value: how many times it occurs}."""
    n = sum(counts.values())
    if n == 0:
        return None
    ordered = sorted(counts.items())

    def nth(k: int) -> int:  # the k-th smallest value, counting from 0
        for value, times in ordered:
            if k < times:
                return value
            k -= times
        raise IndexError(k)

    if n % 2:
        return float(nth(n // 2))
    return (nth(n // 2 - 1) + nth(n // 2)) / 2
