"""SLA clocks: time to first contact attempt, in working days, per risk level.

Weekends and England and Wales bank holidays are skipped (the ``holidays`` package keeps the list;
no hand-typed dates). A referral has until 17:00 (London) on the Nth working day after the day it
arrived, whatever day that was: one arriving on a Saturday with one working day is due on Monday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(17, 0)


@lru_cache(maxsize=32)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if is_working_day(current):
            added += 1
    return current


def due_at(received: datetime, working_days: int) -> datetime:
    """End of the working day ``working_days`` working days after ``received`` (London time)."""
    local = received.astimezone(LONDON)
    due_day = add_working_days(local.date(), working_days)
    return datetime.combine(due_day, END_OF_DAY, tzinfo=LONDON).astimezone(UTC)


# Working days between two moments ---------------------------------------------------------------

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
    next working day. The clock counts the same way: due on the Nth working day after arrival."""
    first = _aware(start).astimezone(LONDON).date()
    last = _aware(end).astimezone(LONDON).date()
    if last <= first:
        return 0
    return _working_index(last + timedelta(days=1)) - _working_index(first + timedelta(days=1))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def working_days_for(level: str, config: dict[str, int] | None = None) -> int:
    table = {"high": 1, "medium": 3, "standard": 5}
    table.update(config or {})
    return table[level]
