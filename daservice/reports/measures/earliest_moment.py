"""Support at the earliest moment, and fewer high-risk situations: time to the first contact
attempt against the SLA, by service and risk level; repeat victims; risk at referral over time.

Time to first contact is counted in working days, as the SLA is (``referrals/sla.py``): from the
UK day a referral was released to the service to the day of the first attempt, weekends and bank
holidays skipped. SQL gives each route's two dates (plain columns); the working days between them
are counted here, from a calendar built once a year, because no database knows England's bank
holidays. "Within the SLA" is the route's own due time against its first attempt, in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...referrals import sla
from ...referrals.models import Referral, Route
from ..sections import ReportQuery, Section
from ..tables import (
    Average,
    Cell,
    Chart,
    Column,
    Count,
    Figure,
    Rate,
    Row,
    SectionContent,
    Table,
    Words,
)
from .referral_sql import (
    LEVEL_HEADINGS,
    LEVELS,
    a_year_before,
    between,
    count_per_period,
    median,
    routes_of,
    services,
    total_figure,
    working_days_between,
)

DAYS = "working days"


def _now(query: ReportQuery) -> datetime:
    return datetime.now(UTC)


def _route_times(query: ReportQuery) -> Sequence[Any]:
    """Each route released in the period: its service, its referral's risk level, when it was
    released, due and first attempted (plain columns only)."""
    return db.session.execute(
        sa.select(
            Route.service_id,
            Referral.risk_level,
            Route.released_at,
            Route.due_at,
            Route.first_contact_at,
        )
        .join(Referral, Referral.id == Route.referral_id)
        .where(between(Route.released_at, query.period), *routes_of(query))
    ).all()


class _Tally:
    """Routes of one row: how many, the working days to each first attempt, and how many were
    attempted in time of those whose time is up (attempted, or due and not attempted)."""

    def __init__(self) -> None:
        self.released = 0
        self.days: list[int] = []
        self.in_time = 0
        self.decided = 0

    def add(
        self, released: datetime, due: datetime | None, first: datetime | None, now: datetime
    ) -> None:
        self.released += 1
        if first is not None:
            self.days.append(working_days_between(released, first))
        if due is None:
            return
        due, first = _utc(due), _utc(first) if first is not None else None
        if first is not None and first <= due:
            self.in_time += 1
            self.decided += 1
        elif first is not None or due < now:
            self.decided += 1

    def cells(self) -> list[Cell]:
        return [
            Count(self.released),
            Average(median([float(d) for d in self.days]), len(self.days), DAYS),
            Rate(self.in_time, self.decided),
        ]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


COLUMNS = [
    Column("Referrals released to the service", "released"),
    Column("Median time to first contact attempt", "median_working_days"),
    Column("First contact within the SLA", "within_sla"),
]
SLA_DESCRIPTION = (
    "Of those due by now or already contacted, the share whose first contact attempt was "
    "made by the time it was due."
)


def sla_tables(query: ReportQuery) -> tuple[Table, Table, _Tally]:
    now = _now(query)
    by_service: dict[Any, _Tally] = defaultdict(_Tally)
    by_level: dict[str, _Tally] = defaultdict(_Tally)
    overall = _Tally()
    for service_id, level, released, due, first in _route_times(query):
        released = _utc(released)
        for tally in (by_service[service_id], by_level[level], overall):
            tally.add(released, due, first, now)
    service_table = Table(
        key="first-contact-sla-by-service",
        title="Time to first contact against the SLA, by service",
        row_heading="Service",
        columns=COLUMNS,
        rows=[
            Row(name, by_service[service_id].cells(), key=name)
            for service_id, name in services(query, set(by_service))
        ],
        total_row=True,
        description="Referrals released to each service in the period. " + SLA_DESCRIPTION,
    )
    days = current_app.config.get("SLA_WORKING_DAYS") or {}
    level_table = Table(
        key="first-contact-sla-by-risk",
        title="Time to first contact against the SLA, by risk level",
        row_heading="Risk level",
        columns=[Column("SLA", "sla"), *COLUMNS],
        rows=[
            Row(
                LEVEL_HEADINGS[level],
                [
                    _sla_words(sla.working_days_for(level.value, days)),
                    *by_level[level.value].cells(),
                ],
                key=level.value,
            )
            for level in LEVELS
        ],
        total_row=True,
        description=(
            "By the risk level at referral. A referral meeting a Marac criterion has the "
            "high-risk clock whatever its level. " + SLA_DESCRIPTION
        ),
    )
    return service_table, level_table, overall


def _sla_words(days: int) -> Words:
    return Words(f"{days} working day" + ("" if days == 1 else "s"))


def repeat_victims(query: ReportQuery) -> Table:
    """Referrals in each trend period whose victim had been referred before in the 12 months
    before it (by any agency): an EXISTS on the victim's own earlier referrals."""
    earlier = sa.orm.aliased(Referral)
    repeat = sa.exists().where(
        earlier.victim_id == Referral.victim_id,
        earlier.id != Referral.id,
        earlier.created_at < Referral.created_at,
        earlier.created_at >= a_year_before(Referral.created_at),
    )
    periods = query.trend
    agency = [Referral.agency_id == query.agency_id] if query.agency_id is not None else []
    every = count_per_period(Referral.created_at, periods, *agency)
    repeats = count_per_period(Referral.created_at, periods, repeat, *agency)
    rows = []
    for i, period in enumerate(periods):
        n, r = every.get((None, i), 0), repeats.get((None, i), 0)
        rows.append(Row(period.short_label, [Count(n), Count(r), Rate(r, n)], key=period.key))
    return Table(
        key="repeat-victims",
        title="Repeat victims",
        row_heading="Period",
        columns=[
            Column("Referrals", "referrals"),
            Column("Referred before in the previous 12 months", "repeat"),
            Column("Repeat rate", "repeat_rate"),
        ],
        rows=rows,
        description=(
            "Referrals whose victim had an earlier referral, by any agency, in the 12 months "
            "before it."
        ),
    )


def risk_over_time(query: ReportQuery) -> Table:
    periods = query.trend
    agency = [Referral.agency_id == query.agency_id] if query.agency_id is not None else []
    found = count_per_period(Referral.created_at, periods, *agency, group_by=Referral.risk_level)
    rows = []
    for i, period in enumerate(periods):
        per_level = {level: found.get((level.value, i), 0) for level in LEVELS}
        total = sum(per_level.values())
        rows.append(
            Row(
                period.short_label,
                [Count(total), *(Rate(per_level[level], total) for level in LEVELS)],
                key=period.key,
            )
        )
    return Table(
        key="risk-at-referral",
        title="Risk at referral over time",
        row_heading="Period",
        columns=[
            Column("Referrals", "referrals"),
            *(Column(f"{LEVEL_HEADINGS[level]} risk", f"{level.value}_share") for level in LEVELS),
        ],
        rows=rows,
        description="The share of each period's referrals at each risk level (Dash score).",
    )


def build(query: ReportQuery) -> SectionContent:
    service_table, level_table, overall = sla_tables(query)
    repeats = repeat_victims(query)
    risk_table = risk_over_time(query)
    this_period = repeats.rows[-1].cells
    return SectionContent(
        figures=[
            total_figure("First contact within the SLA", service_table, column=2),
            Figure(
                "Median time to first contact attempt",
                Average(median([float(d) for d in overall.days]), len(overall.days), DAYS),
            ),
            Figure("Repeat victims", this_period[2], hint="Share of the period's referrals"),
        ],
        tables=[service_table, level_table, repeats, risk_table],
        charts=[
            Chart("First contact within the SLA, by service", service_table.key, column=2),
            Chart("Repeat rate", repeats.key, column=2, kind="line"),
            Chart("Share of referrals at high risk", risk_table.key, column=1, kind="line"),
        ],
        notes=[
            "Working days skip weekends and bank holidays in England. A first attempt on the day "
            "of release counts as 0 working days.",
            "The service filter narrows the SLA tables; repeat victims and risk over time count "
            "referrals, whatever service they went to.",
        ],
    )


SECTION = Section(
    key="earliest-moment",
    title="Support at the earliest moment, and fewer high-risk situations",
    measure=(
        "Support to families at the earliest moment, and fewer situations escalating to high risk"
    ),
    order=20,
    build=build,
    filtered_by=frozenset({"agency", "service"}),
)
