"""Pure permission rules for referrals. Row scoping itself is in queries.py (in SQL)."""

from __future__ import annotations

from ..accounts.models import Role, User
from .models import RouteStatus

RECEIVING_ROLES = (Role.SERVICE_WORKER, Role.PROGRAMME_WORKER)


def can_refer(user: User) -> bool:
    return user.is_active and user.has_role(Role.REFERRER)


def can_see_victim_contact(user: User, *, is_referrer: bool) -> bool:
    """Programme staff work with the person causing harm: never her address or how to reach her."""
    if is_referrer:
        return True
    return user.has_role(Role.SERVICE_WORKER)


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
