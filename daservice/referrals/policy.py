"""Pure permission rules for referrals. Row scoping itself is in queries.py (in SQL)."""

from __future__ import annotations

from collections.abc import Iterable

from ..accounts.models import Role, User
from ..directory.models import ServiceKind
from .models import RouteStatus

RECEIVING_ROLES = (Role.SERVICE_WORKER, Role.PROGRAMME_WORKER)


def can_refer(user: User) -> bool:
    return user.is_active and user.has_role(Role.REFERRER)


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
