"""What the contact-attempt form posts for a date and time (the GOV.UK date input's three boxes
share one name)."""

from __future__ import annotations

from datetime import datetime

from daservice.extensions import utcnow
from daservice.uk_time import LONDON


def contact_time(moment: datetime | None = None) -> dict[str, object]:
    """Form fields for "When did you try to make contact?" at ``moment`` (default now)."""
    local = (moment or utcnow()).astimezone(LONDON)
    return {"when": [str(local.day), str(local.month), str(local.year)], "time": f"{local:%H:%M}"}
