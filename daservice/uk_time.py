"""Times as people here read them: UK local time (GMT or BST), whatever the server's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def uk_datetime(moment: datetime | None, missing: str = "") -> str:
    """``14 June 2026 at 9:05am`` (GOV.UK style), in UK local time."""
    if moment is None:
        return missing
    local = moment.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def uk_date(moment: datetime | None, missing: str = "") -> str:
    """``14 June 2026``: the day it was in the UK."""
    if moment is None:
        return missing
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"
