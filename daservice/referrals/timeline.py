"""Who did what to a route, and when: the timeline on the referral page for the service's own
workers (walkthrough S17).

Moves come from the audit trail (it records who made each one, and when); contact attempts from
their own rows, at the time the worker says the attempt was made, with their notes; the decline
reason and the close outcome and notes from the route. Everything here may hold protected text:
only the route's own service is shown it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ..accounts.models import User
from ..audit import AuditEvent
from ..extensions import db
from .models import Referral, Route

# What each audited move is called in the timeline (contact attempts come from their rows).
_MOVES = {
    "route.accepted": "Accepted",
    "route.declined": "Declined",
    "route.in_support": "Support started",
    "route.closed": "Closed",
    "route.sla_breached": "First contact attempt became overdue",
}


@dataclass(frozen=True)
class Event:
    """One thing that happened: when, what, who did it, and what they wrote."""

    at: datetime
    what: str
    who: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)  # (label, text)
    against_instructions: bool = False


def _names(ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    users = db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    return {u.id: f"{u.display_name}, {u.agency.name}" for u in users}


def for_route(
    referral: Referral,
    route: Route,
    *,
    referred_by: str | None,
    channels: dict[str, str],
    outcomes: dict[str, str],
    close_outcomes: dict[str, str],
) -> list[Event]:
    """The route's events, newest first."""
    moves = list(
        db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.occurred_at)
            .where(
                AuditEvent.target_type == "route",
                AuditEvent.target_id == str(route.id),
                AuditEvent.action.in_(_MOVES),
            )
            .order_by(AuditEvent.seq)
        )
    )
    names = _names({m.actor_id for m in moves if m.actor_id} | {a.actor_id for a in route.attempts})
    events = [Event(referral.created_at, "Referral sent", referred_by)]
    if route.released_at and route.released_at > route.created_at:
        events.append(Event(route.released_at, f"Sent to {route.service.name} once they consented"))
    else:
        events.append(Event(route.created_at, f"Sent to {route.service.name}"))
    for move in moves:
        notes: list[tuple[str, str]] = []
        what = _MOVES[move.action]
        if move.action == "route.declined" and route.decline_reason:
            notes.append(("Reason", route.decline_reason))
        if move.action == "route.closed":
            what = f"Closed: {close_outcomes.get(route.outcome_code or '', 'outcome not recorded')}"
            if route.outcome_notes:
                notes.append(("Close notes", route.outcome_notes))
        events.append(
            Event(
                move.occurred_at, what, names.get(move.actor_id) if move.actor_id else None, notes
            )
        )
    for attempt in route.attempts:
        notes = []
        if attempt.override_reason:
            notes.append(("Why their instructions were not followed", attempt.override_reason))
        if attempt.notes:
            notes.append(("Notes", attempt.notes))
        events.append(
            Event(
                attempt.at,
                f"Contact attempt: {channels.get(attempt.channel, attempt.channel)}, "
                f"{outcomes.get(attempt.outcome, attempt.outcome).lower()}",
                names.get(attempt.actor_id),
                notes,
                against_instructions=attempt.override_reason is not None,
            )
        )
    # Newest first; of events in the same minute, the one that happened later first.
    order = sorted(enumerate(events), key=lambda pair: (pair[1].at, pair[0]), reverse=True)
    return [event for _, event in order]
