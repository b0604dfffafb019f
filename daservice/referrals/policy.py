"""Pure permission rules for referrals. Row scoping itself is in queries.py (in SQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from ..accounts.models import User
from ..directory.models import ServiceKind
from ..exceptions import DomainError
from ..security.permissions import Permission, allows, require
from .models import RouteStatus


def can_refer(user: User) -> bool:
    return allows(user, Permission.REFER)


def can_work_routes(user: User) -> bool:
    return allows(user, Permission.WORK_ROUTES)


def require_referrer(user: User) -> None:
    require(user, Permission.REFER)


class AlreadySent(DomainError):
    """The draft was sent already (Send pressed twice): here is the referral it became."""

    def __init__(self, referral_id: uuid.UUID) -> None:
        super().__init__("This referral has already been sent")
        self.referral_id = referral_id


def can_see_victim(*, is_referrer: bool, route_kinds: Iterable[ServiceKind]) -> bool:
    """Her identity, contact details, children and story: for the referrer and for victim-side
    services. A perpetrator programme works with the person causing harm and sees none of it,
    whoever the worker is (decided by the service, not the worker's role)."""
    if is_referrer:
        return True
    return any(kind != ServiceKind.PERPETRATOR_PROGRAMME for kind in route_kinds)


def route_visible_to_service(status: RouteStatus) -> bool:
    """A service sees a route once it may lawfully receive it."""
    return status != RouteStatus.HELD_FOR_CONSENT


# Which status a route may move to from each status (DESIGN.md §4).
TRANSITIONS: dict[RouteStatus, frozenset[RouteStatus]] = {
    RouteStatus.HELD_FOR_CONSENT: frozenset({RouteStatus.PENDING}),
    RouteStatus.PENDING: frozenset({RouteStatus.ACCEPTED, RouteStatus.DECLINED}),
    RouteStatus.ACCEPTED: frozenset({RouteStatus.CONTACT_ATTEMPTED, RouteStatus.CLOSED}),
    RouteStatus.CONTACT_ATTEMPTED: frozenset(
        {RouteStatus.CONTACT_ATTEMPTED, RouteStatus.IN_SUPPORT, RouteStatus.CLOSED}
    ),
    RouteStatus.IN_SUPPORT: frozenset({RouteStatus.CLOSED}),
    RouteStatus.DECLINED: frozenset(),
    RouteStatus.CLOSED: frozenset(),
}

# Contact attempts may be logged while a route is open and accepted.
CAN_LOG_CONTACT = frozenset(
    {RouteStatus.ACCEPTED, RouteStatus.CONTACT_ATTEMPTED, RouteStatus.IN_SUPPORT}
)


def can_move(current: RouteStatus, target: RouteStatus) -> bool:
    return target in TRANSITIONS[current]


# What a receiving service can do next with a route, by the move each action makes.
ACTIONS = {
    "accept": RouteStatus.ACCEPTED,
    "decline": RouteStatus.DECLINED,
    "support": RouteStatus.IN_SUPPORT,
    "close": RouteStatus.CLOSED,
}


def next_actions(status: RouteStatus) -> frozenset[str]:
    """The actions a route in ``status`` offers: the moves ``TRANSITIONS`` allows, and logging a
    contact attempt while it is open and accepted."""
    found = {action for action, target in ACTIONS.items() if can_move(status, target)}
    if status in CAN_LOG_CONTACT:
        found.add("contact")
    return frozenset(found)
