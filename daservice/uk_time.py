"""Times as people here read them: UK local time (GMT or BST), whatever the server's zone, written
the GOV.UK way ("5pm on 2 December 2026", "9:05am", "midday", "midnight")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def uk_clock(moment: datetime) -> str:
    """``5pm``, ``9:05am``, ``midday`` or ``midnight``: the time of day in the UK."""
    local = moment.astimezone(LONDON)
    if local.minute == 0 and local.hour in (0, 12):
        return "midnight" if local.hour == 0 else "midday"
    hour = local.hour % 12 or 12
    minutes = f":{local:%M}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def uk_datetime(moment: datetime | None, missing: str = "") -> str:
    """``5pm on 2 December 2026`` (GOV.UK style), in UK local time."""
    if moment is None:
        return missing
    return f"{uk_clock(moment)} on {uk_date(moment)}"


def uk_date(moment: datetime | date | None, missing: str = "") -> str:
    """``14 June 2026``: the day it was in the UK (a ``date`` is already a UK day)."""
    if moment is None:
        return missing
    local = moment.astimezone(LONDON) if isinstance(moment, datetime) else moment
    return f"{local.day} {local:%B %Y}"


def uk_today(now: datetime | None = None) -> date:
    """Today's date in the UK (a certificate issued at 00:30 BST is dated that day, not the
    day before as UTC would say)."""
    return (now or datetime.now(UTC)).astimezone(LONDON).date()


def uk_relative(moment: datetime, now: datetime) -> str:
    """``5pm today``, ``8:34am yesterday``, ``5pm tomorrow``, otherwise ``5pm on 14 June 2026``:
    "today" and "tomorrow" meaning UK days, whatever the server's zone."""
    day, today = moment.astimezone(LONDON).date(), now.astimezone(LONDON).date()
    words = {0: "today", -1: "yesterday", 1: "tomorrow"}.get((day - today).days)
    return f"{uk_clock(moment)} {words}" if words else uk_datetime(moment)
