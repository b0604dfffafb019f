"""Rates such as "30 per 15 minutes", as configuration states them (``RATE_LIMITS``).

Kept apart from the limiter (``security/ratelimit.py``) so configuration can check them at start-up
without importing the limiter's table."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import timedelta

_MICROS = 1_000_000


@dataclass(frozen=True)
class Rate:
    """``count`` hits per ``period``."""

    count: int
    period: timedelta

    @property
    def period_us(self) -> int:
        return int(self.period.total_seconds() * _MICROS)

    @property
    def interval_us(self) -> int:
        """How much one hit fills the bucket. Rounded down, so a full burst is ``count``."""
        return self.period_us // self.count


_RATE = re.compile(r"\s*(\d+)\s+per\s+(?:(\d+)\s+)?(second|minute|hour|day)s?\s*", re.IGNORECASE)
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@functools.lru_cache(maxsize=64)
def parse(text: str) -> Rate:
    """``"10 per 15 minutes"``, ``"30 per minute"``, ``"1 per 2 hours"`` → a Rate.

    Five lines of grammar do not justify ``limits`` as a dependency when its storage cannot be
    used; the syntax is the same as its ``limits.parse`` for these forms."""
    match = _RATE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a rate like '10 per 15 minutes'")
    count, units = int(match[1]), int(match[2] or 1)
    if count < 1 or units < 1:
        raise ValueError(f"{text!r}: the count and the period must be at least 1")
    rate = Rate(count, timedelta(seconds=units * _UNIT_SECONDS[match[3].lower()]))
    if rate.interval_us < 1 or rate.period_us // rate.interval_us != count:
        raise ValueError(f"{text!r}: too many per period to count exactly")
    return rate
