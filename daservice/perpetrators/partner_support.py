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
from datetime import date
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..audit import Entry
from ..audit.actions import AuditAction
from ..directory.models import Service, ServiceMember
from ..extensions import db, insert_if_absent, utcnow
from ..referrals.models import Referral, Route
from ..security.permissions import Permission, allows, require
from .engagement import LIVE_ROUTE_STATUSES, PARTNER_SUPPORT_KINDS
from .models import EngagementEvent, EngagementKind, EngagementRead

PAGE = 200  # updates shown, and marked read, at once


def _her_referrals(user: Any) -> sa.Select[tuple[uuid.UUID]]:
    """The referrals with a live route to a partner-support service the user works (shared with
    the service, and neither declined nor closed), as ``engagement.partner_services`` tells."""
    return (
        sa.select(Route.referral_id)
        .join(ServiceMember, ServiceMember.service_id == Route.service_id)
        .join(Service, Service.id == Route.service_id)
        .where(
            ServiceMember.user_id == user.id,
            Service.kind.in_(PARTNER_SUPPORT_KINDS),
            Route.status.in_(LIVE_ROUTE_STATUSES),
        )
    )


def _read_by(user: Any) -> Any:
    return sa.exists().where(
        EngagementRead.event_id == EngagementEvent.id, EngagementRead.user_id == user.id
    )


def _events_of(user: Any) -> Any:
    return EngagementEvent.referral_id.in_(_her_referrals(user))


@dataclass(frozen=True)
class Update:
    id: uuid.UUID
    referral_id: uuid.UUID
    reference: str
    kind: EngagementKind
    happened_on: date
    seen: bool  # by her


def updates(user: Any, limit: int = PAGE) -> list[Update]:
    """Her programme updates, the latest first; each referral they are about is audited."""
    require(user, Permission.WORK_ROUTES)
    rows = db.session.execute(
        sa.select(
            EngagementEvent.id,
            EngagementEvent.referral_id,
            Referral.reference,
            EngagementEvent.kind,
            EngagementEvent.happened_on,
            _read_by(user),
        )
        .join(Referral, Referral.id == EngagementEvent.referral_id)
        .where(_events_of(user))
        .order_by(EngagementEvent.happened_on.desc(), EngagementEvent.at.desc())
        .limit(limit)
    ).all()
    found = [Update(*row) for row in rows]
    audit.record_all(
        [
            Entry(AuditAction.PARTNER_UPDATES_VIEWED, user, "referral", referral_id, "programme")
            for referral_id in dict.fromkeys(u.referral_id for u in found)
        ]
    )
    db.session.commit()
    return found


def unseen_count(user: Any) -> int | None:
    """How many of her programme updates she has not read yet (None: she works no
    partner-support service)."""
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
        .where(_events_of(user), ~_read_by(user))
    )
    return count or 0


def mark_read(user: Any, event_ids: list[uuid.UUID]) -> int:
    """Mark her updates read, for her alone (others' ids are ignored, and at most a page's
    worth are taken); returns how many were newly read."""
    require(user, Permission.WORK_ROUTES)
    wanted = list(dict.fromkeys(event_ids))[:PAGE]
    if not wanted:
        return 0
    unread = db.session.scalars(
        sa.select(EngagementEvent.id).where(
            EngagementEvent.id.in_(wanted), _events_of(user), ~_read_by(user)
        )
    ).all()
    now = utcnow()
    for event_id in unread:
        insert_if_absent(
            db.session.connection(),
            EngagementRead.__table__,
            event_id=event_id,
            user_id=user.id,
            read_at=now,
        )
    db.session.commit()
    return len(unread)
