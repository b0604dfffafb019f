"""Marac, consent and serial perpetrators: Marac volume against the SafeLives benchmark, sharing
without consent by lawful basis, referrals held for consent, and serial perpetrators."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import current_app

from ..disclosure import total_figure
from ..periods import Period
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
    referral_period,
    referral_trend,
    routes_held_now,
    routes_released,
    services,
)

# SafeLives: a Marac should expect about 40 cases a year for every 10,000 adult women.
BENCHMARK_PER_10000 = 40
DAYS_IN_A_YEAR = 365.25
BASES = {
    "dpa2018_sch1_para18": (
        "Safeguarding children and individuals at risk (DPA 2018 Sch. 1 para 18)"
    ),
    "cda1998_s115": "Preventing crime (Crime and Disorder Act 1998 s.115)",
    "vital_interests": "Protecting someone's life (vital interests)",
}


def adult_women() -> int:
    return int(current_app.config["REPORTS_ADULT_FEMALE_POPULATION"])


def expected_cases(period: Period, population: int) -> float:
    """The benchmark's cases for ``period``: 40 per 10,000 adult women a year, pro-rated to its
    days."""
    return BENCHMARK_PER_10000 * population / 10_000 * period.days / DAYS_IN_A_YEAR


def cases_per_10000(cases: int, period: Period, population: int) -> Average:
    """Cases a year per 10,000 adult women. An ``Average`` of the cases, so that it is hidden
    with them: a rate worked from 1 to 4 cases would give the count away. No unit: the column's
    heading says it."""
    if population <= 0:
        return Average(None, 0)
    rate = cases * 10_000 / population * DAYS_IN_A_YEAR / period.days
    return Average(rate, cases)


def marac_volume(query: ReportQuery) -> Table:
    trend = referral_trend(query)
    population = adult_women()
    rows = []
    for period in query.trend:
        n = trend.sum("marac", period)
        cells: list[Cell]
        if query.agency_id is None:
            expected = expected_cases(period, population)
            cells = [Count(n), Words(f"{expected:,.0f}"), cases_per_10000(n, period, population)]
        else:  # one agency's referrals are not the partnership's Marac volume
            cells = [Count(n), Words("–"), Words("–")]
        rows.append(Row(period.short_label, cells, key=period.key))
    return Table(
        key="marac-volume",
        title="Marac referrals against the SafeLives benchmark",
        row_heading="Period",
        columns=[
            Column("Marac referrals", "marac_referrals"),
            Column("Expected at the benchmark", "benchmark_cases"),
            Column("Cases a year per 10,000 adult women", "per_10000_adult_women"),
        ],
        rows=rows,
        description=(
            f"Referrals meeting a Marac criterion. SafeLives expects {BENCHMARK_PER_10000} cases "
            f"a year per 10,000 adult women; for {population:,} adult women that is "
            f"{expected_cases_per_year(population):,.0f} a year."
        ),
    )


def expected_cases_per_year(population: int) -> float:
    return BENCHMARK_PER_10000 * population / 10_000


def overrides_by_basis(query: ReportQuery) -> Table:
    found: dict[str | None, int] = defaultdict(int)
    for group in referral_period(query).rows():
        found[group.override_legal_basis] += int(group.n)
    return Table(
        key="consent-overrides",
        title="Shared without consent, by lawful basis",
        row_heading="Lawful basis",
        columns=[Column("Referrals", "referrals")],
        rows=[Row(label, [Count(int(found.get(key, 0)))], key=key) for key, label in BASES.items()],
        total_row=True,
        description=(
            "Referrals in the period the referrer shared without the victim's consent, on the "
            "lawful basis they recorded."
        ),
    )


def held_for_consent(query: ReportQuery) -> Table:
    held_now = routes_held_now(query)
    released: dict[Any, int] = defaultdict(int)
    for group in routes_released(query).rows():
        released[group.service_id] += int(group.after_consent)
    found = {
        service_id: (held_now.get(service_id, 0), released.get(service_id, 0))
        for service_id in {*held_now, *released}
        if held_now.get(service_id, 0) or released.get(service_id, 0)
    }
    return Table(
        key="held-for-consent",
        title="Referrals held for consent, by service",
        row_heading="Service",
        columns=[
            Column("Held now", "held_now"),
            Column("Released in the period once consent was given", "released_in_period"),
        ],
        rows=[
            Row(name, [Count(h), Count(r)], key=name)
            for service_id, name in services(query, set(found))
            for h, r in (found.get(service_id, (0, 0)),)
        ],
        total_row=True,
        description=(
            "Routes to a service that wait for the victim's consent: those waiting now, "
            "whenever they were made, and those released in the period."
        ),
    )


def serial_perpetrators(query: ReportQuery) -> Table:
    trend = referral_trend(query)
    rows = []
    for period in query.trend:
        n = trend.count(period)
        s = trend.sum("serial_perpetrator", period)
        rows.append(Row(period.short_label, [Count(n), Count(s), Rate(s, n)], key=period.key))
    return Table(
        key="serial-perpetrators",
        title="Referrals naming a serial perpetrator",
        row_heading="Period",
        columns=[
            Column("Referrals", "referrals"),
            Column("Perpetrator also referred for harming someone else", "serial"),
            Column("Share of referrals", "serial_share"),
        ],
        rows=rows,
        description=(
            "Referrals whose perpetrator has been named in a referral of another victim, "
            "before or since."
        ),
    )


def build(query: ReportQuery) -> SectionContent:
    volume = marac_volume(query)
    overrides = overrides_by_basis(query)
    held = held_for_consent(query)
    serial = serial_perpetrators(query)
    return SectionContent(
        figures=[
            Figure("Marac referrals", volume.rows[-1].cells[0]),
            total_figure("Shared without consent", overrides, column=0),
            total_figure("Held for consent now", held, column=0),
        ],
        tables=[volume, overrides, held, serial],
        charts=[
            Chart("Marac referrals", volume.key, column=0, kind="line"),
            Chart("Shared without consent, by lawful basis", overrides.key, column=0),
            Chart("Referrals naming a serial perpetrator", serial.key, column=1, kind="line"),
        ],
        notes=[
            "The SafeLives benchmark is a year's figure: for each period it is pro-rated to the "
            "period's length in days, for an adult female population of "
            f"{adult_women():,} (the partnership's figure, set by its administrator).",
            "The benchmark compares the whole partnership's Marac volume; it is not shown for "
            "one agency.",
            "A referral is marked as naming a serial perpetrator when another victim's referral "
            "names the same person, so a past period's figure can rise later.",
        ],
    )


SECTION = Section(
    key="partnership",
    title="Marac, consent and serial perpetrators",
    measure=(
        "Marac volume against the SafeLives benchmark, sharing without consent and serial "
        "perpetrators"
    ),
    order=60,
    build=build,
    filtered_by=frozenset({"agency", "service"}),
)
