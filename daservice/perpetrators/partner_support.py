"""The victim's side of the partner-support link: what her IDVA or outreach worker is told of the
programme the man who harmed her was placed on.

A worker of one of her partner-support services (``engagement.PARTNER_SUPPORT_KINDS``, holding a
route of her referral) sees the engagement events of placements made from that referral: what
happened and when, with the referral's reference to find her by. Never his name, the stage
reasons, risk-review reasons, session notes or concerns: those stay with the programme.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..audit import Entry
from ..audit.actions import AuditAction
from ..directory.models import Service, ServiceMember
from ..extensions import db, utcnow
from ..referrals.models import Referral, Route, RouteStatus
from ..security.permissions import Permission, allows, require
from .engagement import PARTNER_SUPPORT_KINDS
from .models import EngagementEvent, EngagementKind


def _her_referrals(user: Any) -> sa.Select[tuple[uuid.UUID]]:
    """The referrals with a live route to a partner-support service the user works."""
    return (
        sa.select(Route.referral_id)
        .join(ServiceMember, ServiceMember.service_id == Route.service_id)
        .join(Service, Service.id == Route.service_id)
        .where(
            ServiceMember.user_id == user.id,
            Service.kind.in_(PARTNER_SUPPORT_KINDS),
            Route.status != RouteStatus.DECLINED,
        )
    )


def _events_of(user: Any) -> Any:
    return EngagementEvent.referral_id.in_(_her_referrals(user))


@dataclass(frozen=True)
class Update:
    id: uuid.UUID
    referral_id: uuid.UUID
    reference: str
    kind: EngagementKind
    at: datetime
    seen: bool


def updates(user: Any, limit: int = 200) -> list[Update]:
    """Her programme updates, the latest first; each referral they are about is audited."""
    require(user, Permission.WORK_ROUTES)
    rows = db.session.execute(
        sa.select(
            EngagementEvent.id,
            EngagementEvent.referral_id,
            Referral.reference,
            EngagementEvent.kind,
            EngagementEvent.at,
            EngagementEvent.seen_at,
        )
        .join(Referral, Referral.id == EngagementEvent.referral_id)
        .where(_events_of(user))
        .order_by(EngagementEvent.at.desc(), EngagementEvent.id)
        .limit(limit)
    ).all()
    found = [Update(i, r, ref, kind, at, seen is not None) for i, r, ref, kind, at, seen in rows]
    audit.record_all(
        [
            Entry(AuditAction.PARTNER_UPDATES_VIEWED, user, "referral", referral_id, "programme")
            for referral_id in dict.fromkeys(u.referral_id for u in found)
        ]
    )
    db.session.commit()
    return found


def unseen_count(user: Any) -> int | None:
    """How many of her programme updates no worker of her services has read yet (None: she works
    no partner-support service)."""
    if not allows(user, Permission.WORK_ROUTES):
        return None
    works_one = db.session.scalar(
        sa.select(ServiceMember.service_id)
        .join(Service, Service.id == ServiceMember.service_id)
        .where(ServiceMember.user_id == user.id, Service.kind.in_(PARTNER_SUPPORT_KINDS))
        .limit(1)
    )
    if works_one is None:
        return None
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(EngagementEvent)
        .where(_events_of(user), EngagementEvent.seen_at.is_(None))
    )
    return count or 0


def mark_read(user: Any, event_ids: list[uuid.UUID]) -> int:
    """Mark her updates read (others' ids are ignored); returns how many were newly read."""
    require(user, Permission.WORK_ROUTES)
    if not event_ids:
        return 0
    result = db.session.execute(
        sa.update(EngagementEvent)
        .where(
            EngagementEvent.id.in_(event_ids),
            _events_of(user),
            EngagementEvent.seen_at.is_(None),
        )
        .values(seen_at=utcnow(), seen_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
