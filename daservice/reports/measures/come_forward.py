"""Victims who come forward and receive help: referrals, by agency, month, risk level and Marac
criterion, and whether first contact was made."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from ...accounts.models import Agency
from ...extensions import db
from ...referrals.risk import Level
from ..disclosure import HIDDEN, suppressed_positions, total_figure
from ..periods import Period, PeriodKind, quarter
from ..sections import ReportQuery, Section
from ..tables import Cell, Chart, Column, Count, Rate, Row, SectionContent, Table, Words
from .referral_sql import (
    LEVEL_HEADINGS,
    months_to,
    referral_period,
    referral_trend,
    routes_released,
    services,
)

# The four Marac referral criteria (SafeLives), as the board reads them.
CRITERIA = {
    "visible_high_risk": "Visible high risk (14 or more on the checklist)",
    "professional_judgement": "Professional judgement",
    "potential_escalation": "Potential escalation",
    "repeat": "Repeat (referred to Marac in the last 12 months)",
}


def by_agency_and_risk(query: ReportQuery) -> Table:
    found: dict[tuple, int] = defaultdict(int)
    for group in referral_period(query).rows():
        for level in Level:
            found[(group.agency_id, level.value)] += int(getattr(group, level.value))
    agencies = db.session.execute(
        sa.select(Agency.id, Agency.code, Agency.name)
        .where(Agency.id == query.agency_id if query.agency_id else sa.true())
        .order_by(Agency.name)
    ).all()
    rows = [
        Row(name, [Count(found.get((agency_id, level.value), 0)) for level in Level], key=code)
        for agency_id, code, name in agencies
    ]
    return Table(
        key="referrals-by-agency",
        title="Referrals by referring agency and risk level",
        row_heading="Agency",
        columns=[Column(LEVEL_HEADINGS[level], level.value) for level in Level],
        rows=rows,
        total_row=True,
        total_column=True,
        description="Referrals made in the period, by the agency of the person who referred.",
    )


def by_month(query: ReportQuery) -> Table:
    """The 12 months to the period's end: a year, whatever the period, so a board sees the season
    and the direction at once (a quarter's own three months are too few to draw a line through,
    and the trend's five quarters hide the months)."""
    months = months_to(query.period)
    trend = referral_trend(query)
    counts = [trend.count(m) for m in months]
    hidden = _hidden_for_totals(months, counts, query.period)
    cells: list[Cell] = [Words(HIDDEN) if i in hidden else Count(n) for i, n in enumerate(counts)]
    return Table(
        key="referrals-by-month",
        title="Referrals by month",
        row_heading="Month",
        columns=[Column("Referrals", "referrals")],
        rows=[Row(m.short_label, [cell], key=m.key) for m, cell in zip(months, cells, strict=True)],
        description=f"Referrals made in each of the 12 months to the end of {query.period.label}.",
    )


def _hidden_for_totals(months: list[Period], counts: list[int], period: Period) -> set[int]:
    """Months to hide so that a period's total shown elsewhere in the pack (this quarter's, the
    quarters' of the trend, the plan year's) cannot give a month's "<5" away: within each such
    period the months are a line with a total, protected as a table's row would be."""
    groups: dict[Any, list[int]] = {}
    for i, m in enumerate(months):
        if period.kind is PeriodKind.PLAN_YEAR:
            key: Any = period.key if period.contains(m.start) else None
        else:
            key = quarter(m.start).key  # a month's own total is itself
        if key is not None:
            groups.setdefault(key, []).append(i)
    hidden: set[int] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        line = Table(
            "line",
            "",
            "",
            [Column("n", "n")],
            [Row(str(i), [Count(counts[i])]) for i in members],
            total_row=True,
        )
        _, secondary = suppressed_positions(line)
        hidden |= {members[r] for r, _c in secondary if r < len(members)}
    return hidden


def by_criterion(query: ReportQuery) -> Table:
    referrals = referral_period(query)
    total = referrals.count()
    met = [referrals.sum(flag) for flag in CRITERIA]
    return Table(
        key="referrals-by-marac-criterion",
        title="Referrals by Marac criterion",
        row_heading="Marac criterion",
        columns=[Column("Referrals", "referrals"), Column("Share of all referrals", "share")],
        rows=[
            Row(label, [Count(n), Rate(n, total)], key=flag)
            for (flag, label), n in zip(CRITERIA.items(), met, strict=True)
        ],
        description=(
            "Referrals in the period meeting each criterion for a Marac referral. One referral "
            "can meet several, so the rows do not add up to a total."
        ),
    )


def first_contact(query: ReportQuery) -> Table:
    """Routes released to a service in the period, and how many have had a first contact
    attempt (by the time the report is made)."""
    found: dict[Any, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for group in routes_released(query).rows():
        n, contacted = found[group.service_id]
        found[group.service_id] = (n + int(group.n), contacted + int(group.attempted))
    return Table(
        key="first-contact-by-service",
        title="First contact made, by service",
        row_heading="Service",
        columns=[
            Column("Referrals released to the service", "released"),
            Column("First contact attempted", "contacted"),
            Column("Share with first contact", "share_contacted"),
        ],
        rows=[
            Row(name, [Count(n), Count(c), Rate(c, n)], key=name)
            for service_id, name in services(query, set(found))
            for n, c in (found.get(service_id, (0, 0)),)
        ],
        total_row=True,
        description=(
            "Referrals released to each service in the period (routed, with consent or a lawful "
            "basis to share), and those the service has since tried to contact."
        ),
    )


def build(query: ReportQuery) -> SectionContent:
    agency = by_agency_and_risk(query)
    month = by_month(query)
    criterion = by_criterion(query)
    contact = first_contact(query)
    return SectionContent(
        figures=[
            total_figure("Referrals", agency, column=len(agency.columns)),
            total_figure(
                "First contact attempted",
                contact,
                column=2,
                hint="Of referrals released to a service in the period",
            ),
        ],
        tables=[agency, month, criterion, contact],
        charts=[
            Chart("Referrals by agency", agency.key, column=len(agency.columns)),
            Chart("Referrals by month", month.key, column=0, kind="line"),
            Chart("Referrals by Marac criterion", criterion.key, column=0),
        ],
        notes=[
            "Months are UK calendar months; “Referrals by month” shows the 12 months to the end of "
            "the period. A month's figure is hidden where the period's total would give a small "
            "count away.",
            "First contact counts attempts made by the time this report was produced, including "
            "after the period ended. The service filter narrows that table only: the other "
            "tables count referrals, whatever service they went to.",
        ],
    )


SECTION = Section(
    key="come-forward",
    title="Victims who come forward and receive help",
    measure="More victims come forward and receive help",
    order=10,
    build=build,
    filtered_by=frozenset({"agency", "service"}),
)
