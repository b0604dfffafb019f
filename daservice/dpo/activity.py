"""What one user did: every event she was the actor of, with the record it was about named the
way the DPO can follow up (a referral by its reference, a route by its referral and service)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..accounts.models import User
from ..directory.models import Service
from ..extensions import db
from ..referrals.models import Referral, Route
from ..security.permissions import Permission, require

# How a record is named when nothing more specific is known about it.
TARGET_WORDS = {
    "referral": "A referral",
    "route": "A referral's route to a service",
    "person": "A person's record",
    "user": "A user account",
    "draft": "A draft referral",
    "service": "A service",
    "notification": "A notification",
    "api_client": "A partner system",
}


@dataclass(frozen=True)
class Activity:
    """One thing the user did."""

    occurred_at: datetime
    what: str
    record: str  # what it was about, in words ("" when about no record)
    referral_id: uuid.UUID | None  # for a link to that referral's own log
    purpose: str


@dataclass(frozen=True)
class UserActivity:
    user: User
    entries: list[Activity]
    limit: int


def activity_of(actor: User, user_id: uuid.UUID, limit: int = 500) -> UserActivity | None:
    """What the user did, newest first (None if there is no such user). The look is audited.
    Commits."""
    require(actor, Permission.AUDIT_ACCESS)
    user = db.session.get(User, user_id)
    if user is None:
        return None
    E = audit.AuditEvent
    events = list(
        db.session.scalars(
            sa.select(E).where(E.actor_id == user_id).order_by(E.seq.desc()).limit(limit)
        )
    )
    names = _names(events)
    entries = [_entry(event, names) for event in events]
    audit.record(
        "audit.access_log_viewed",
        actor=actor,
        target_type="user",
        target_id=user_id,
        purpose="what a user did (subject access / oversight)",
    )
    db.session.commit()
    return UserActivity(user, entries, limit)


def _entry(event: audit.AuditEvent, names: dict[tuple[str | None, str | None], Any]) -> Activity:
    named, referral_id = names.get((event.target_type, event.target_id), ("", None))
    return Activity(
        occurred_at=event.occurred_at,
        what=audit.label(event.action),
        record=named or TARGET_WORDS.get(event.target_type or "", ""),
        referral_id=referral_id,
        purpose=event.purpose or "",
    )


def _ids(events: list[audit.AuditEvent]) -> dict[str, set[uuid.UUID]]:
    ids: dict[str, set[uuid.UUID]] = defaultdict(set)
    for event in events:
        if event.target_type and event.target_id:
            try:
                ids[event.target_type].add(uuid.UUID(event.target_id))
            except ValueError:
                continue  # an old event with a non-UUID id: named by its type only
    return ids


def _names(
    events: list[audit.AuditEvent],
) -> dict[tuple[str | None, str | None], tuple[str, uuid.UUID | None]]:
    """(target type, target id) -> (how to name it, the referral it belongs to)."""
    ids = _ids(events)
    names: dict[tuple[str | None, str | None], tuple[str, uuid.UUID | None]] = {}
    if ids["referral"]:
        for rid, reference in db.session.execute(
            sa.select(Referral.id, Referral.reference).where(Referral.id.in_(ids["referral"]))
        ):
            names[("referral", str(rid))] = (f"Referral {reference}", rid)
    if ids["route"]:
        for route_id, rid, reference, service in db.session.execute(
            sa.select(Route.id, Referral.id, Referral.reference, Service.name)
            .join(Referral, Referral.id == Route.referral_id)
            .join(Service, Service.id == Route.service_id)
            .where(Route.id.in_(ids["route"]))
        ):
            names[("route", str(route_id))] = (f"Referral {reference} ({service})", rid)
    if ids["user"]:
        for uid, name in db.session.execute(
            sa.select(User.id, User.display_name).where(User.id.in_(ids["user"]))
        ):
            names[("user", str(uid))] = (f"User account: {name}", None)
    if ids["service"]:
        for sid, name in db.session.execute(
            sa.select(Service.id, Service.name).where(Service.id.in_(ids["service"]))
        ):
            names[("service", str(sid))] = (f"Service: {name}", None)
    return names
