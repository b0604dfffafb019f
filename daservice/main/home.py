"""What a signed-in user's home page tells her needs her now: counts and links, no case content.

Each count comes from the package that owns the rows, scoped to the user there; this module only
asks the ones her roles allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import notify
from ..accounts.models import User
from ..directory import queries as directory_queries
from ..directory.models import Service
from ..extensions import utcnow
from ..referrals import attention
from ..referrals.models import RouteStatus
from ..security.permissions import Permission, allows

# How the referrer's home page says each move a service made ("1 accepted by a service").
CHANGE_WORDS = {
    RouteStatus.ACCEPTED: "accepted by a service",
    RouteStatus.DECLINED: "declined by a service",
    RouteStatus.CONTACT_ATTEMPTED: "with a contact attempt logged",
    RouteStatus.IN_SUPPORT: "now in support",
    RouteStatus.CLOSED: "closed by a service",
}


@dataclass(frozen=True)
class Unstaffed:
    """A service nobody works, and how many open referrals wait in it."""

    service: Service
    waiting: int


@dataclass(frozen=True)
class Home:
    now: datetime
    worker: attention.WorkerAttention | None = None
    referrer: attention.ReferrerAttention | None = None
    unstaffed: list[Unstaffed] | None = None
    failed_notifications: int | None = None
    # True when none of her roles has work in the service yet (training, manager).
    nothing_yet: bool = False


def for_user(user: User, now: datetime | None = None) -> Home:
    """The attention counts the user's roles allow her to see."""
    now = now or utcnow()
    worker = referrer = None
    unstaffed = None
    failed = None
    if allows(user, Permission.WORK_ROUTES):
        worker = attention.for_worker(user, now)
    if allows(user, Permission.REFER):
        referrer = attention.for_referrer(user, now)
    if allows(user, Permission.MANAGE_DIRECTORY):
        services = directory_queries.unstaffed_services()
        waiting = attention.waiting_in([s.id for s in services])
        unstaffed = [Unstaffed(s, waiting.get(s.id, 0)) for s in services]
    if allows(user, Permission.MANAGE_NOTIFICATIONS):
        failed = notify.failed_count()
    has_work = any(allows(user, p) for p in Permission)
    return Home(
        now=now,
        worker=worker,
        referrer=referrer,
        unstaffed=unstaffed,
        failed_notifications=failed,
        nothing_yet=not has_work,
    )
