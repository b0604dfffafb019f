"""Times said the way the GOV.UK style guide says them, relative to today where that helps."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..uk_time import LONDON


def clock_time(moment: datetime) -> str:
    """``5pm``, ``9:30am``, ``midday``, ``midnight``: UK local time, GOV.UK style."""
    local = moment.astimezone(LONDON)
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def by_when(moment: datetime, now: datetime) -> str:
    """``5pm today``, ``5pm tomorrow`` or ``5pm on 14 June 2026``: a deadline in UK time, with
    "today" and "tomorrow" meaning UK days whatever the server's zone."""
    day = moment.astimezone(LONDON).date()
    today = now.astimezone(LONDON).date()
    if day == today:
        return f"{clock_time(moment)} today"
    if day == today + timedelta(days=1):
        return f"{clock_time(moment)} tomorrow"
    return f"{clock_time(moment)} on {day.day} {day:%B %Y}"
