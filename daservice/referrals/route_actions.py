"""What a receiving service does with a route: accept or decline it, log contact attempts, start
support, close it. Each use case finds the route through the worker's own services (404 for any
other), checks the move is allowed, audits and commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from .. import audit
from ..accounts.models import User
from ..exceptions import InvalidTransition, UnknownChoice
from ..extensions import db, utcnow
from . import policy, queries
from .models import ContactAttempt, Referral, Route, RouteStatus

CONTACT_CHANNELS = {
    "phone": "Phone call",
    "text": "Text message",
    "email": "Email",
    "in_person": "In person",
    "letter": "Letter",
    "video": "Video call",
}
CONTACT_OUTCOMES = {
    "spoke": "Spoke to her",
    "no_answer": "No answer, no message left",
    "voicemail": "Left a voicemail (where safe)",
    "unsafe": "Not safe to talk: ended the contact",
    "wrong_number": "Wrong or disconnected number",
}
CLOSE_OUTCOMES = {
    "support_completed": "Support completed",
    "declined_support": "She declined support",
    "no_contact": "Could not make contact",
    "moved_away": "Moved out of the area",
    "referred_on": "Referred on to another service",
}


@dataclass(frozen=True)
class ActionPage:
    """A route being worked, with the safe-contact instructions shown first."""

    route: Route
    referral: Referral
    show_contact: bool


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
    )


def referral_id_of(user: User, route_id: uuid.UUID) -> uuid.UUID:
    """The referral a route of the user's services belongs to (404 for any other route)."""
    return queries.get_route_for_worker_or_404(user, route_id).referral_id


def _move(user: User, route_id: uuid.UUID, target: RouteStatus, action: str) -> Route:
    route = queries.get_route_for_worker_or_404(user, route_id)
    if not policy.can_move(route.status, target):
        raise InvalidTransition(
            f"A referral that is {route.status.value.replace('_', ' ')} cannot be "
            f"{target.value.replace('_', ' ')}"
        )
    route.status = target
    route.updated_at = utcnow()
    audit.record(action, actor=user, target_type="route", target_id=route.id)
    return route


def accept(user: User, route_id: uuid.UUID) -> Route:
    route = _move(user, route_id, RouteStatus.ACCEPTED, "route.accepted")
    db.session.commit()
    return route


def decline(user: User, route_id: uuid.UUID, reason: str) -> Route:
    route = _move(user, route_id, RouteStatus.DECLINED, "route.declined")
    route.decline_reason = reason
    db.session.commit()
    return route


def start_support(user: User, route_id: uuid.UUID) -> Route:
    route = _move(user, route_id, RouteStatus.IN_SUPPORT, "route.in_support")
    db.session.commit()
    return route


def close(user: User, route_id: uuid.UUID, *, outcome: str, notes: str | None) -> Route:
    if outcome not in CLOSE_OUTCOMES:
        raise UnknownChoice("Select how the referral ended")
    route = _move(user, route_id, RouteStatus.CLOSED, "route.closed")
    route.outcome_code = outcome
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
    now: datetime | None = None,
) -> ContactAttempt:
    if channel not in CONTACT_CHANNELS or outcome not in CONTACT_OUTCOMES:
        raise UnknownChoice("Select how you tried to contact her and what happened")
    route = queries.get_route_for_worker_or_404(user, route_id)
    if route.status not in policy.CAN_LOG_CONTACT:
        raise InvalidTransition("Accept the referral before logging contact")
    now = now or utcnow()
    attempt = ContactAttempt(
        route_id=route.id, actor_id=user.id, at=now, channel=channel, outcome=outcome
    )
    attempt.notes = notes or None
    db.session.add(attempt)
    if route.first_contact_at is None:
        route.first_contact_at = now
    if route.status == RouteStatus.ACCEPTED:
        route.status = RouteStatus.CONTACT_ATTEMPTED
    route.updated_at = now
    audit.record("route.contact_attempted", actor=user, target_type="route", target_id=route.id)
    db.session.commit()
    return attempt
