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


def working_days_for(level: str, config: dict[str, int] | None = None) -> int:
    table = {"high": 1, "medium": 3, "standard": 5}
    table.update(config or {})
    return table[level]
