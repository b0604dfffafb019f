"""Row-scoped loaders. A referral the user may not see is a 404, decided in SQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

import sqlalchemy as sa
from flask import abort

from ..accounts.models import Agency, User
from ..audit import AuditEvent
from ..directory.models import Service, ServiceMember
from ..extensions import db
from . import policy
from .models import Referral, ReferralDraft, Route, RouteStatus


def not_found() -> NoReturn:
    """Answer as if the record did not exist: the same 404 as any row outside the user's scope."""
    abort(404)


def member_service_ids(user: User) -> list[uuid.UUID]:
    if not policy.can_work_routes(user):
        return []
    return list(
        db.session.scalars(
            sa.select(ServiceMember.service_id).where(ServiceMember.user_id == user.id)
        )
    )


def _visible_route_exists(service_ids: list[uuid.UUID]) -> Any:
    return sa.exists().where(
        Route.referral_id == Referral.id,
        Route.service_id.in_(service_ids),
        Route.status != RouteStatus.HELD_FOR_CONSENT,
    )


def scope(user: User) -> Any:
    """SQL condition: the referrals this user may see."""
    conditions = []
    if policy.can_refer(user):
        # Her own referrals, while she is still at the agency she made them for.
        conditions.append(
            sa.and_(Referral.referrer_id == user.id, Referral.agency_id == user.agency_id)
        )
    service_ids = member_service_ids(user)
    if service_ids:
        conditions.append(_visible_route_exists(service_ids))
    return sa.or_(*conditions) if conditions else sa.false()


def get_referral_or_404(user: User, referral_id: uuid.UUID) -> Referral:
    referral = db.session.scalar(sa.select(Referral).where(Referral.id == referral_id, scope(user)))
    if referral is None:
        abort(404)
    return referral


def get_route_for_worker_or_404(user: User, route_id: uuid.UUID) -> Route:
    """A route of one of the user's services, visible to that service."""
    route = db.session.scalar(
        sa.select(Route).where(
            Route.id == route_id,
            Route.service_id.in_(member_service_ids(user)),
            Route.status != RouteStatus.HELD_FOR_CONSENT,
        )
    )
    if route is None:
        abort(404)
    return route


def get_draft_or_404(user: User, draft_id: uuid.UUID) -> ReferralDraft:
    draft = db.session.scalar(
        sa.select(ReferralDraft).where(
            ReferralDraft.id == draft_id, ReferralDraft.author_id == user.id
        )
    )
    if draft is None:
        abort(404)
    return draft


def drafts_of(user: User) -> list[ReferralDraft]:
    return list(
        db.session.scalars(
            sa.select(ReferralDraft)
            .where(
                ReferralDraft.author_id == user.id, ReferralDraft.submitted_referral_id.is_(None)
            )
            .order_by(ReferralDraft.updated_at.desc())
        )
    )


def referrals_made_by(user: User, limit: int = 50) -> list[Referral]:
    return list(
        db.session.scalars(
            sa.select(Referral)
            # As scope(): her own referrals, while she is at the agency she made them for.
            .where(Referral.referrer_id == user.id, Referral.agency_id == user.agency_id)
            .order_by(Referral.created_at.desc())
            .limit(limit)
        )
    )


OPEN = (
    RouteStatus.PENDING,
    RouteStatus.ACCEPTED,
    RouteStatus.CONTACT_ATTEMPTED,
    RouteStatus.IN_SUPPORT,
)


def inbox(
    user: User, *, page: int = 1, per_page: int = 50, show: str = "open"
) -> tuple[list[Any], int]:
    """Routes for the user's services, soonest due first (no due time last); plain columns only."""
    service_ids = member_service_ids(user)
    statuses = OPEN if show == "open" else (RouteStatus.DECLINED, RouteStatus.CLOSED)
    base = (
        sa.select(
            Route.id,
            Route.status,
            Route.due_at,
            Route.first_contact_at,
            Route.created_at,
            Referral.reference,
            Referral.risk_level,
            Referral.marac,
            Referral.serial_perpetrator,
            Service.name.label("service"),
            Referral.id.label("referral_id"),
        )
        .join(Referral, Referral.id == Route.referral_id)
        .join(Service, Service.id == Route.service_id)
        .where(Route.service_id.in_(service_ids), Route.status.in_(statuses))
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    rows = db.session.execute(
        base.order_by(Route.due_at.is_(None), Route.due_at, Route.created_at)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), int(total)


def linked_history(referral: Referral) -> list[Referral]:
    """Other referrals about the same victim (found through the person index at intake)."""
    return list(
        db.session.scalars(
            sa.select(Referral)
            .where(Referral.victim_id == referral.victim_id, Referral.id != referral.id)
            .order_by(Referral.created_at.desc())
        )
    )


def is_overdue(due_at: datetime | None, first_contact_at: datetime | None, now: datetime) -> bool:
    return due_at is not None and first_contact_at is None and due_at < now


# The audit actions that change a route's status (the trail says who made each move).
ROUTE_MOVES = (
    "route.accepted",
    "route.declined",
    "route.contact_attempted",
    "route.in_support",
    "route.closed",
)


def last_mover(route_id: uuid.UUID) -> uuid.UUID | None:
    """Who made the latest change of status to a route, from the audit trail."""
    return db.session.scalar(
        sa.select(AuditEvent.actor_id)
        .where(
            AuditEvent.target_type == "route",
            AuditEvent.target_id == str(route_id),
            AuditEvent.action.in_(ROUTE_MOVES),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class ReferredBy:
    """Who sent a referral and how a service can reach them (walkthrough B3): "speak to the
    referrer first" has to be something a worker can do."""

    name: str
    agency: str
    role: str
    email: str | None
    sent_at: datetime

    @property
    def short(self) -> str:
        return f"{self.name}, {self.agency}"


def referred_by(referral: Referral) -> ReferredBy:
    """The person (or partner system) who sent ``referral``, with their agency by name."""
    agency = db.session.get(Agency, referral.agency_id)
    agency_name = agency.name if agency is not None else "Unknown agency"
    referrer = db.session.get(User, referral.referrer_id) if referral.referrer_id else None
    if referrer is None:  # sent by a partner system for the agency
        return ReferredBy(
            "A partner system",
            agency_name,
            "Sent by the agency's case system",
            None,
            referral.created_at,
        )
    return ReferredBy(
        referrer.display_name,
        agency_name,
        ", ".join(sorted(role.label for role in referrer.roles)) or "No role",
        referrer.email,
        referral.created_at,
    )
