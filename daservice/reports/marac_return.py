"""The SafeLives Marac quarterly data return, as a CSV file in the return's shape.

SafeLives asks each Marac for a quarter's figures: the cases discussed, the children in their
households, repeat cases, where referrals came from (the police or partner agencies), and how many
cases had victims who are male, aged 16 or 17, disabled, from Black and minority ethnic groups or
LGBT+, and perpetrators under 18; and the volume against its benchmark of 40 cases a year per
10,000 adult women.

Everything is counted in SQL from plain columns: the Marac flags, and the yes/no flags and the
number of children that intake derives for this return (``referrals.intake._set_return_flags``).
daservice does not ask for ethnicity or sexual orientation, so those lines say "not recorded",
never 0. Every figure goes through disclosure control as a table's would: 1 to 4 is "<5".

daservice knows referrals to Marac, not which were heard at a meeting: "cases discussed" counts the
quarter's referrals meeting a Marac criterion (the note in the file says so).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from defusedcsv import csv
from flask import current_app

from .. import audit
from ..accounts.models import Agency
from ..audit import AuditAction
from ..exceptions import DomainError
from ..extensions import db
from ..referrals.models import Referral
from .disclosure import disclose, show_cell
from .measures.partnership import BENCHMARK_PER_10000, adult_women, cases_per_10000
from .measures.referral_sql import referrals_in
from .periods import PeriodKind
from .sections import ReportQuery
from .tables import Column, Count, Rate, Row, Table

NOT_RECORDED = "Not recorded"
HEADINGS = (
    "measure_key",
    "Measure",
    "Number",
    "Percentage of cases",
    "Not known",
    "Benchmark",
    "Note",
)


class NotAQuarter(DomainError):
    """The return is made for a calendar quarter only."""


@dataclass(frozen=True)
class Line:
    key: str
    measure: str
    number: str
    percentage: str = ""
    not_known: str = ""
    benchmark: str = ""
    note: str = ""

    def cells(self) -> tuple[str, ...]:
        return (
            self.key,
            self.measure,
            self.number,
            self.percentage,
            self.not_known,
            self.benchmark,
            self.note,
        )


# The yes/no lines: (key, measure, the referral's flag). A flag that is None was not known.
FLAGS = (
    ("male_victims", "Cases with a male victim", Referral.victim_male),
    ("victims_aged_16_17", "Cases with a victim aged 16 or 17", Referral.victim_aged_16_17),
    ("disabled_victims", "Cases with a disabled victim", Referral.victim_disabled),
    ("perpetrators_under_18", "Cases with a perpetrator under 18", Referral.perpetrator_under_18),
)


def _one(flag: sa.ColumnElement[bool | None] | sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((flag, 1), else_=0)), 0)


def lines(query: ReportQuery) -> list[Line]:
    """The return's lines for the query's quarter, as they may be shown."""
    if query.period.kind is not PeriodKind.QUARTER:
        raise NotAQuarter(
            "The Marac return is made for a quarter: choose a quarter, for example 2026-Q3"
        )
    police_codes = list(current_app.config.get("REPORTS_POLICE_AGENCY_CODES") or [])
    police = sa.select(Agency.id).where(Agency.code.in_(police_codes))
    marac = [*referrals_in(query), Referral.marac.is_(True)]
    figures = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(Referral.children_count), 0),
            _one(Referral.repeat.is_(True)),
            _one(Referral.agency_id.in_(police)),
            *(
                expression
                for _key, _measure, flag in FLAGS
                for expression in (_one(flag.is_(True)), _one(flag.is_(None)))
            ),
        ).where(*marac)
    ).one()
    cases, children, repeats, from_police, *flags = (int(n or 0) for n in figures)

    # Police and partner agencies partition the cases: a table with a total, so that a small one
    # cannot be worked out from the cases and the other.
    sources = disclose(
        Table(
            "marac-sources",
            "",
            "",
            [Column("Cases", "cases"), Column("Share", "share")],
            [
                Row("Police", [Count(from_police), Rate(from_police, cases)]),
                Row(
                    "Partner agencies",
                    [Count(cases - from_police), Rate(cases - from_police, cases)],
                ),
            ],
            total_row=True,
        )
    )
    police_row, partner_row, total_row = sources.rows
    population = adult_women()
    rate = (
        show_cell(cases_per_10000(cases, query.period, population))
        if query.agency_id is None
        else None
    )
    result = [
        Line(
            "cases_discussed",
            "Cases discussed",
            total_row.cells[0].text,
            note="Referrals in the quarter meeting a Marac criterion",
        ),
        Line(
            "cases_per_10000_adult_women",
            "Cases a year per 10,000 adult women",
            _number(rate.text if rate else "–"),
            benchmark=str(BENCHMARK_PER_10000),
            note=(
                f"The quarter's cases scaled to a year, for {population:,} adult women"
                if rate
                else "Not given for one agency: the benchmark is for the whole partnership"
            ),
        ),
        Line(
            "children_in_households",
            "Children in the households",
            show_cell(Count(children)).text,
            note="Children named on the referrals",
        ),
        _line(
            "repeat_cases",
            "Repeat cases",
            repeats,
            cases,
            note="Referred to Marac in the 12 months before",
        ),
        Line(
            "referrals_from_police",
            "Referrals from the police",
            police_row.cells[0].text,
            police_row.cells[1].text,
        ),
        Line(
            "referrals_from_partner_agencies",
            "Referrals from partner agencies",
            partner_row.cells[0].text,
            partner_row.cells[1].text,
            note="Every referring agency other than the police",
        ),
    ]
    for i, (key, measure, _flag) in enumerate(FLAGS):
        yes, unknown = flags[2 * i], flags[2 * i + 1]
        result.append(_line(key, measure, yes, cases, unknown))
    result += [
        Line(
            "bame_victims",
            "Cases with a Black or minority ethnic victim",
            NOT_RECORDED,
            note="daservice does not ask for ethnicity",
        ),
        Line(
            "lgbt_victims",
            "Cases with an LGBT+ victim",
            NOT_RECORDED,
            note="daservice does not ask for sexual orientation or gender identity",
        ),
    ]
    return result


def _number(text: str) -> str:
    """A figure as the return wants it: its first word ("2.4", from a cell that may carry a
    unit)."""
    return text.split(" ")[0]


def _line(
    key: str, measure: str, n: int, cases: int, unknown: int | None = None, note: str = ""
) -> Line:
    """A count and its percentage of all the quarter's cases, as SafeLives asks (hidden where
    the part or the rest is 1 to 4), and how many were not known."""
    return Line(
        key,
        measure,
        show_cell(Count(n)).text,
        show_cell(Rate(n, cases)).text,
        show_cell(Count(unknown)).text if unknown is not None else "",
        note=note,
    )


def file_name(query: ReportQuery) -> str:
    return f"marac-return-{query.period.key}.csv"


def export(actor: Any, query: ReportQuery) -> tuple[str, bytes]:
    """The return's file name and bytes, with the export audited. Commits: the file is never
    served without its audit record. The event names the quarter, never a person."""
    content = csv_bytes(query)
    audit.record(
        AuditAction.EXPORT_MARAC_RETURN,
        actor=actor,
        target_type="report",
        target_id=None,
        purpose=query.period.key,
    )
    db.session.commit()
    return file_name(query), content


def _agency_words(query: ReportQuery) -> str:
    """Whose cases: a return for one agency must never be mistaken for the partnership's."""
    if query.agency_id is None:
        return "All agencies (the whole partnership)"
    agency = db.session.get(Agency, query.agency_id)
    return f"{agency.name} only" if agency else "One agency only"


def csv_bytes(query: ReportQuery) -> bytes:
    """The return as CSV: UTF-8 with a byte-order mark (so Excel reads "–" and "£" right), every
    cell safe against formula injection (defusedcsv)."""
    lines_ = lines(query)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["SafeLives Marac quarterly data return"])
    writer.writerow(["Partnership", current_app.config["SERVICE_NAME"]])
    writer.writerow(["Agency", _agency_words(query)])
    writer.writerow(["Quarter", f"{query.period.label} ({query.period.key})"])
    writer.writerow(["Marking", "OFFICIAL-SENSITIVE"])
    writer.writerow(
        ['"<5" means 1 to 4 cases; "[c]" means hidden so that a total cannot give one away']
    )
    writer.writerow([])
    writer.writerow(HEADINGS)
    for line in lines_:
        writer.writerow(line.cells())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
