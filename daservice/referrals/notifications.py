"""What the referral route tells staff. Fixed text: never who, what or a reference."""

from __future__ import annotations

from .. import notify
from ..directory.services import SERVICE_WORKERS

__all__ = ["OVERDUE", "SERVICE_WORKERS", "WAITING"]

WAITING = notify.register_template(
    "referral.waiting",
    subject="A new referral is waiting in your daservice inbox",
    body="A new referral has been routed to your service. Sign in to daservice to see it.\n\n"
    "{service_url}",
).name

OVERDUE = notify.register_template(
    "referral.overdue",
    subject="A referral in your daservice inbox is past its first-contact time",
    body="A referral routed to your service has not had a first contact attempt by the time it "
    "was due. Sign in to daservice to see it.\n\n{service_url}",
).name
