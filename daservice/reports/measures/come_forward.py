"""Victims who come forward and receive help: referrals, by agency, month, risk level and Marac
criterion, and whether first contact was made."""

from __future__ import annotations

import sqlalchemy as sa

from ...accounts.models import Agency
from ...extensions import db
from ...referrals.models import Referral
from ...referrals.risk import Level
from ..sections import ReportQuery, Section
from ..tables import Chart, Column, Count, Figure, Row, SectionContent, Table

LEVEL_HEADINGS = {Level.STANDARD: "Standard", Level.MEDIUM: "Medium", Level.HIGH: "High"}


def _in_period(query: ReportQuery) -> list[sa.ColumnElement[bool]]:
    start, end = query.period.utc_bounds()
    conditions = [Referral.created_at >= start, Referral.created_at < end]
    if query.agency_id is not None:
        conditions.append(Referral.agency_id == query.agency_id)
    return conditions


def by_agency_and_risk(query: ReportQuery) -> Table:
    counts = db.session.execute(
        sa.select(Referral.agency_id, Referral.risk_level, sa.func.count())
        .where(*_in_period(query))
        .group_by(Referral.agency_id, Referral.risk_level)
    ).all()
    found: dict[tuple, int] = {(agency, level): n for agency, level, n in counts}
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


def build(query: ReportQuery) -> SectionContent:
    table = by_agency_and_risk(query)
    total = sum(cell.n for row in table.rows for cell in row.cells if isinstance(cell, Count))
    return SectionContent(
        figures=[Figure("Referrals", Count(total))],
        tables=[table],
        charts=[Chart("Referrals by agency", table.key, column=0)],
    )


SECTION = Section(
    key="come-forward",
    title="Victims who come forward and receive help",
    measure="More victims come forward and receive help",
    order=10,
    build=build,
)
