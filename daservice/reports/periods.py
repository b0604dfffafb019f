"""The periods a report covers: a month, a calendar quarter or a plan year of the training plan.

A period is a run of whole UK days, ``start`` inclusive to ``end`` exclusive. Events are stored in
UTC, so ``utc_bounds`` turns the two UK midnights into UTC instants (a referral made at 00:30 BST
on 1 July belongs to July, not June).

Keys are what a URL or ``flask reports export --period`` carries:
- ``2026-07``: a month;
- ``2026-Q3``: a calendar quarter (Q1 January to March ... Q4 October to December), the quarters
  SafeLives asks a Marac data return for;
- ``PY2024``: the training plan year that starts in 2024 (its dates come from the plan, so a
  partnership whose plan starts in April gets April to March).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from ..exceptions import DomainError
from ..uk_time import LONDON, uk_today

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_PLAN_YEAR = re.compile(r"^PY(\d{4})$", re.IGNORECASE)
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    PLAN_YEAR = "plan_year"

    @property
    def label(self) -> str:
        return {"month": "Month", "quarter": "Quarter", "plan_year": "Plan year"}[self.value]


class BadPeriod(DomainError):
    """A period key that names no period (shown to the user as it is)."""


@dataclass(frozen=True, order=True)
class Period:
    start: date  # the first UK day in it
    end: date  # the first UK day after it
    kind: PeriodKind
    key: str
    plan_year_number: int | None = None  # 1 to 5 for a plan year

    @property
    def label(self) -> str:
        """``July 2026``, ``July to September 2026``, ``Plan year 3: April 2024 to March 2025``."""
        last = self.end - relativedelta(days=1)
        if self.kind is PeriodKind.MONTH:
            return f"{self.start:%B %Y}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start:%B} to {last:%B %Y}"
        span = f"{self.start:%B %Y} to {last:%B %Y}"
        return f"Plan year {self.plan_year_number}: {span}" if self.plan_year_number else span

    @property
    def short_label(self) -> str:
        """For chart axes: ``Jul 2026``, ``2026 Q3``, ``PY2024``."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.start:%b %Y}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        return self.key

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The UTC instants of UK midnight at the start and at the end."""
        return _uk_midnight(self.start), _uk_midnight(self.end)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def is_complete(self, today: date | None = None) -> bool:
        """True once the period has ended (a report of the current quarter is a partial one)."""
        return (today or uk_today()) >= self.end

    def shifted(self, steps: int) -> Period:
        """The period ``steps`` before (negative) or after this one, of the same kind."""
        if self.kind is PeriodKind.MONTH:
            return month(self.start + relativedelta(months=steps))
        if self.kind is PeriodKind.QUARTER:
            return quarter(self.start + relativedelta(months=3 * steps))
        start = self.start + relativedelta(years=steps)
        number = self.plan_year_number + steps if self.plan_year_number else None
        return Period(
            start,
            self.end + relativedelta(years=steps),
            PeriodKind.PLAN_YEAR,
            f"PY{start.year}",
            number if number and number >= 1 else None,
        )

    def trend(self, count: int) -> list[Period]:
        """This period and the ``count - 1`` before it, oldest first (a trend's x axis)."""
        return [self.shifted(step) for step in range(-(count - 1), 1)]


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


def month(day: date) -> Period:
    start = day.replace(day=1)
    return Period(start, start + relativedelta(months=1), PeriodKind.MONTH, f"{start:%Y-%m}")


def quarter(day: date) -> Period:
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    number = (start.month - 1) // 3 + 1
    return Period(
        start, start + relativedelta(months=3), PeriodKind.QUARTER, f"{start.year}-Q{number}"
    )


def plan_year(starts_on: date, ends_on: date, number: int | None = None) -> Period:
    """A plan year from the training plan's dates (``ends_on`` is its last day, inclusive)."""
    return Period(
        starts_on,
        ends_on + relativedelta(days=1),
        PeriodKind.PLAN_YEAR,
        f"PY{starts_on.year}",
        number,
    )


def parse(key: str, plan_years: list[Period] | None = None) -> Period:
    """The period a key names; ``BadPeriod`` with a sentence a user can act on otherwise.

    ``plan_years`` are the training plan's years (``PY…`` keys are looked up among them).
    """
    text = (key or "").strip()
    if found := _MONTH.match(text):
        year, number = int(found[1]), int(found[2])
        if 1 <= number <= 12 and EARLIEST_YEAR <= year <= LATEST_YEAR:
            return month(date(year, number, 1))
    elif found := _QUARTER.match(text):
        year = int(found[1])
        if EARLIEST_YEAR <= year <= LATEST_YEAR:
            return quarter(date(year, 3 * (int(found[2]) - 1) + 1, 1))
    elif found := _PLAN_YEAR.match(text):
        wanted = f"PY{found[1]}"
        for period in plan_years or []:
            if period.key == wanted:
                return period
        raise BadPeriod(f"There is no plan year starting in {found[1]} in the training plan")
    raise BadPeriod(
        "Enter a period like 2026-07 (a month), 2026-Q3 (a quarter) or PY2024 (a plan year)"
    )


def current(
    kind: PeriodKind, plan_years: list[Period] | None = None, today: date | None = None
) -> Period:
    """The period of ``kind`` that today falls in (a plan year: the plan's current one, else its
    last; a quarter without a plan year falls back to the quarter)."""
    today = today or uk_today()
    if kind is PeriodKind.MONTH:
        return month(today)
    if kind is PeriodKind.PLAN_YEAR and plan_years:
        return next((p for p in plan_years if p.contains(today)), plan_years[-1])
    return quarter(today)


def latest_complete_quarter(today: date | None = None) -> Period:
    """The last quarter that has ended: what a board pack is usually about."""
    return quarter(today or uk_today()).shifted(-1)
