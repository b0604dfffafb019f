"""What a receiving service does with a route: accept or decline it, log contact attempts, start
support, close it. Each use case finds the route through the worker's own services (404 for any
other), checks the move is allowed, audits and commits.

Every change of status is one conditional ``UPDATE … WHERE status = <the status it was read
in>``: of two workers acting on the same route at once, exactly one wins and the other is told
what happened (security probe F3), instead of both moves being applied.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..accounts.models import User
from ..exceptions import DomainError, InvalidTransition, UnknownChoice
from ..extensions import db, utcnow
from ..security.tokens import conditional_update
from . import policy, queries, sla
from .models import ContactAttempt, Referral, Route, RouteStatus

# Through the referrer or another professional: the one way that is not direct contact with her.
THROUGH_A_PROFESSIONAL = "professional"
CONTACT_CHANNELS = {
    "phone": "Phone call",
    "text": "Text message",
    "email": "Email",
    "in_person": "In person",
    "letter": "Letter",
    "video": "Video call",
    THROUGH_A_PROFESSIONAL: "Through the referrer or another professional",
}
CONTACT_OUTCOMES = {
    "spoke": "Spoke to them",
    "no_answer": "No answer, no message left",
    "voicemail": "Left a voicemail",
    "unsafe": "Not safe to talk: ended the contact",
    "wrong_number": "Wrong or disconnected number",
}
CLOSE_OUTCOMES = {
    "support_completed": "Support completed",
    "declined_support": "They declined support",
    "no_contact": "Could not make contact",
    "moved_away": "Moved out of the area",
    "referred_on": "Referred on to another service",
}

# What the loser of a race (or a stale page) is told the route became, by its status now.
_ALREADY = {
    RouteStatus.ACCEPTED: "accepted",
    RouteStatus.DECLINED: "declined",
    RouteStatus.CONTACT_ATTEMPTED: "logged contact on",
    RouteStatus.IN_SUPPORT: "started support for",
    RouteStatus.CLOSED: "closed",
}


class UnsafeContact(DomainError):
    """A contact attempt her safe-contact instructions forbid, logged without a reason."""

    def __init__(self, because: list[str]) -> None:
        super().__init__(" ".join(because))
        self.because = because


def unsafe_because(safe_contact: dict[str, Any] | None, channel: str, outcome: str) -> list[str]:
    """Which of her safe-contact instructions a contact attempt goes against (none: it is safe).

    An instruction that was not given counts as "no": the referrer did not say it was safe."""
    sc = safe_contact or {}
    because = []
    if channel != THROUGH_A_PROFESSIONAL:
        if not sc.get("safe_to_contact"):
            because.append("It is not safe to contact them directly: speak to the referrer first.")
        if channel == "text" and not sc.get("text_ok"):
            because.append("Their instructions say do not text them.")
        if channel == "letter" and not sc.get("letters_ok"):
            because.append("Their instructions say do not send them letters.")
        if outcome == "voicemail" and not sc.get("voicemail_ok"):
            because.append("Their instructions say do not leave them a voicemail.")
    return because


class BadContactTime(DomainError):
    """A contact attempt dated in the future, or before the referral reached the service."""


@dataclass(frozen=True)
class ActionPage:
    """A route being worked, with the safe-contact instructions shown first."""

    route: Route
    referral: Referral
    show_contact: bool
    referred_by: queries.ReferredBy  # whom to speak to first when contact is not safe


def open_route(user: User, route_id: uuid.UUID) -> ActionPage:
    """A route of one of the user's services, for an action page (auditing the read). Commits."""
    route = queries.get_route_for_worker_or_404(user, route_id)
    referral = route.referral
    audit.record(
        "referral.viewed",
        actor=user,
        target_type="referral",
        target_id=referral.id,
        purpose="contact action",
    )
    db.session.commit()
    return ActionPage(
        route,
        referral,
        policy.can_see_victim(is_referrer=False, route_kinds=[route.service.kind]),
        queries.referred_by(referral),
    )


def referral_id_of(user: User, route_id: uuid.UUID) -> uuid.UUID:
    """The referral a route of the user's services belongs to (404 for any other route)."""
    return queries.get_route_for_worker_or_404(user, route_id).referral_id


def _refused(user: User, route: Route, target: RouteStatus) -> InvalidTransition:
    """Why ``route`` (as it is now) cannot move to ``target``, in words for the worker."""
    done = _ALREADY.get(route.status)
    if done is not None:
        by_me = queries.last_mover(route.id) == user.id
        return InvalidTransition(
            f"{'You have' if by_me else 'Someone else has'} already {done} this referral"
        )
    return InvalidTransition(
        f"A referral that is {route.status.value.replace('_', ' ')} cannot be "
        f"{target.value.replace('_', ' ')}"
    )


def _move(
    user: User,
    route: Route,
    target: RouteStatus,
    action: str,
    *,
    now: datetime | None = None,
    **values: Any,
) -> Route:
    """Move ``route`` from the status it was read with to ``target`` (setting plain ``values``)
    in one conditional UPDATE, and audit it. Raises ``InvalidTransition``, after rolling back, if
    ``policy.TRANSITIONS`` does not allow the move or someone else's move got there first. The
    caller commits; protected fields are set on the returned row afterwards, in the same
    transaction (the UPDATE holds the row until then)."""
    read_as = route.status
    if not policy.can_move(read_as, target):
        raise _refused(user, route, target)
    moved = conditional_update(
        Route,
        Route.id == route.id,
        Route.status == read_as,
        values={"status": target, "updated_at": now or utcnow(), **values},
    )
    return _moved(user, route, target, action, moved)


def _moved(user: User, route: Route, target: RouteStatus, action: str, moved: bool) -> Route:
    """After a conditional UPDATE: audit the move, or roll back and say who got there first."""
    if not moved:  # another request changed it between our read and our write
        db.session.rollback()
        db.session.refresh(route)
        raise _refused(user, route, target)
    db.session.refresh(route)  # the UPDATE bypassed the loaded row
    audit.record(action, actor=user, target_type="route", target_id=route.id)
    return route


def _worker_route(user: User, route_id: uuid.UUID) -> Route:
    return queries.get_route_for_worker_or_404(user, route_id)


def accept(user: User, route_id: uuid.UUID) -> Route:
    """Accept a pending route for the worker's service. Commits."""
    route = _move(user, _worker_route(user, route_id), RouteStatus.ACCEPTED, "route.accepted")
    db.session.commit()
    return route


def decline(user: User, route_id: uuid.UUID, reason: str) -> Route:
    """Decline a pending route, with the reason the referrer will see. Commits."""
    route = _move(user, _worker_route(user, route_id), RouteStatus.DECLINED, "route.declined")
    route.decline_reason = reason
    db.session.commit()
    return route


def start_support(user: User, route_id: uuid.UUID) -> Route:
    """Record that she is now in support. Commits."""
    route = _move(user, _worker_route(user, route_id), RouteStatus.IN_SUPPORT, "route.in_support")
    db.session.commit()
    return route


def close(user: User, route_id: uuid.UUID, *, outcome: str, notes: str | None) -> Route:
    """Close a route with its outcome and the worker's notes. Commits."""
    if outcome not in CLOSE_OUTCOMES:
        raise UnknownChoice("Select how the referral ended")
    route = _move(
        user,
        _worker_route(user, route_id),
        RouteStatus.CLOSED,
        "route.closed",
        outcome_code=outcome,
    )
    route.outcome_notes = notes or None
    db.session.commit()
    return route


def log_contact(
    user: User,
    route_id: uuid.UUID,
    *,
    channel: str,
    outcome: str,
    notes: str | None,
    at: datetime | None = None,
    override_reason: str | None = None,
    now: datetime | None = None,
) -> ContactAttempt:
    """Log an attempt to contact her, made at ``at`` (default now). Commits.

    An attempt her safe-contact instructions forbid raises ``UnsafeContact`` unless the worker
    gives ``override_reason``; then it is logged with the reason and audited as such."""
    if channel not in CONTACT_CHANNELS or outcome not in CONTACT_OUTCOMES:
        raise UnknownChoice("Select how you tried to contact them and what happened")
    now = now or utcnow()
    at = at or now
    route = _worker_route(user, route_id)
    if route.status == RouteStatus.PENDING or route.released_at is None:
        raise InvalidTransition("Accept the referral before logging contact")
    if at > now:
        raise BadContactTime("The date and time you tried to make contact must be in the past")
    # Times are typed to the minute: the minute the referral arrived in counts as after it.
    if at < route.referral.created_at.replace(second=0, microsecond=0):
        raise BadContactTime(
            "The date and time you tried to make contact must be after the referral was sent"
        )
    because = unsafe_because(route.referral.safe_contact, channel, outcome)
    override_reason = (override_reason or "").strip() or None
    if because and override_reason is None:
        raise UnsafeContact(because)
    # The first contact is the earliest attempt, whichever order they are logged in.
    earlier = sa.or_(Route.first_contact_at.is_(None), Route.first_contact_at > at)
    first_contact = sa.case((earlier, at), else_=Route.first_contact_at)
    working_days = sa.case(
        (earlier, sla.working_days_between(route.released_at, at)),
        else_=Route.first_contact_working_days,
    )
    # Attempts are independent records: two logged at once both count, so the condition is
    # "still open", not "unchanged". The first moves accepted to contact attempted; a close that
    # got there first wins, and the attempt is refused.
    values = {
        "updated_at": now,
        "first_contact_at": first_contact,
        "first_contact_working_days": working_days,
    }
    this_route = Route.id == route.id
    moved = conditional_update(
        Route,
        this_route,
        Route.status == RouteStatus.ACCEPTED,
        values={"status": RouteStatus.CONTACT_ATTEMPTED, **values},
    ) or conditional_update(
        Route,
        this_route,
        Route.status.in_(policy.CAN_LOG_CONTACT - {RouteStatus.ACCEPTED}),
        values=values,
    )
    _moved(user, route, RouteStatus.CONTACT_ATTEMPTED, "route.contact_attempted", moved)
    attempt = ContactAttempt(
        route_id=route.id, actor_id=user.id, at=at, channel=channel, outcome=outcome
    )
    attempt.notes = notes or None
    if because:
        attempt.override_reason = override_reason
        audit.record(
            "route.contact_against_instructions",
            actor=user,
            target_type="route",
            target_id=route.id,
        )
    db.session.add(attempt)
    db.session.commit()
    return attempt
