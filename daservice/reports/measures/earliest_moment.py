"""Support at the earliest moment, and fewer high-risk situations: time to the first contact
attempt against the SLA, by service and risk level; repeat victims; risk at referral over time.

Time to first contact is counted in working days, as the SLA is (``referrals/sla.py``): from the
UK day a referral was released to the service to the day of the first attempt, weekends and bank
holidays skipped. No database knows England's bank holidays, so each route keeps its working days
to the first attempt, counted when the attempt is logged (``Route.first_contact_working_days``),
and SQL counts the routes at each number of days. "Within the SLA" is the route's own due time
against its first attempt, in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import current_app

from ...referrals import sla
from ..disclosure import total_figure
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
    median_of,
    referral_trend,
    routes_released,
    services,
)

DAYS = "working days"
DAY = "working day"


class _RouteTotals:
    """Routes of one row: how many, the working days to each first attempt (as {days: how
    many}), and how many were attempted in time of those whose time is up (attempted, or due and
    not attempted)."""

    def __init__(self) -> None:
        self.released = 0
        self.days: dict[int, int] = defaultdict(int)
        self.in_time = 0
        self.decided = 0

    def add(self, group: Any) -> None:
        self.released += int(group.n)
        if group.first_contact_working_days is not None:
            self.days[int(group.first_contact_working_days)] += int(group.attempted)
        self.in_time += int(group.in_time)
        self.decided += int(group.decided)

    def median(self) -> Average:
        return Average(median_of(self.days), sum(self.days.values()), DAYS, unit_one=DAY)

    def cells(self) -> list[Cell]:
        return [Count(self.released), self.median(), Rate(self.in_time, self.decided)]


COLUMNS = [
    Column("Referrals released to the service", "released"),
    Column("Median time to first contact attempt", "median_working_days"),
    Column("First contact within the SLA", "within_sla"),
]
SLA_DESCRIPTION = (
    "Of those due by now or already contacted, the share whose first contact attempt was "
    "made by the time it was due."
)


def sla_tables(query: ReportQuery) -> tuple[Table, Table, _RouteTotals]:
    by_service: dict[Any, _RouteTotals] = defaultdict(_RouteTotals)
    by_level: dict[str, _RouteTotals] = defaultdict(_RouteTotals)
    overall = _RouteTotals()
    for group in routes_released(query).rows():
        for tally in (by_service[group.service_id], by_level[group.referral_risk_level], overall):
            tally.add(group)
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
        total_cells={1: overall.median()},
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
        total_cells={2: overall.median()},
        description=(
            "By the risk level at referral. A referral meeting a Marac criterion has the "
            "high-risk clock whatever its level. " + SLA_DESCRIPTION
        ),
    )
    return service_table, level_table, overall


def _sla_words(days: int) -> Words:
    return Words(f"{days} working day" + ("" if days == 1 else "s"))


def repeat_victims(query: ReportQuery) -> Table:
    """Referrals in each trend period whose victim had been referred before, by any agency, in
    the 12 months before it (``Referral.repeat_victim``, set at intake)."""
    trend = referral_trend(query)
    periods = query.trend
    rows = []
    for period in periods:
        n = trend.count(period)
        r = trend.sum("repeat_victim", period)
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
    trend = referral_trend(query)
    rows = []
    for period in query.trend:
        per_level = {level: trend.sum(level.value, period) for level in LEVELS}
        total = trend.count(period)
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
            Figure("Median time to first contact attempt", overall.median()),
            Figure("Repeat victims", this_period[2], hint="Share of the period's referrals"),
        ],
        tables=[service_table, level_table, repeats, risk_table],
        charts=[
            Chart(
                "First contact within the SLA, by service",
                service_table.key,
                column=2,
                out_of=100,
            ),
            Chart("Repeat rate", repeats.key, column=2, kind="line", out_of=100),
            Chart(
                "Share of referrals at high risk", risk_table.key, column=1, kind="line", out_of=100
            ),
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
