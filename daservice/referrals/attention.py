"""What needs a user's attention on the referral route, for her home page: counts only.

Every query here is row-scoped to the user exactly as her pages are (a service worker's own
services; a referrer's own referrals at her current agency, through what ``disclosure`` lets her be
told) and returns numbers and times, never a name or anything she told us.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ..accounts.models import User
from ..directory.models import Service
from ..extensions import db, utcnow
from . import policy
from .disclosure import MARAC_ROUTE_KINDS
from .models import Referral, ReferralDraft, Route, RouteStatus
from .queries import OPEN, member_service_ids

# How far back a referrer's home page looks for changes to her referrals. A fixed window rather
# than "since you last looked": it needs no per-user read state (no write on every page view, the
# same answer on any device), and her referrals list shows every referral's status whatever the
# window.
RECENT_CHANGES = timedelta(days=7)

# The moves a referrer is told about: a service has done something with her referral.
REPORTED_CHANGES = (
    RouteStatus.ACCEPTED,
    RouteStatus.DECLINED,
    RouteStatus.CONTACT_ATTEMPTED,
    RouteStatus.IN_SUPPORT,
    RouteStatus.CLOSED,
)


@dataclass(frozen=True)
class WorkerAttention:
    """A service worker's inbox in numbers."""

    new: int  # routed to her services and not yet accepted or declined
    overdue: int  # open, first contact not yet attempted, past its due time
    next_due: datetime | None  # the soonest first contact still to make that is not yet overdue
    next_new_due: datetime | None  # the same, among the new referrals
    services: int  # how many services she works


@dataclass(frozen=True)
class ReferrerAttention:
    """A referrer's unsent drafts and what services did with her referrals lately."""

    drafts: int
    waiting_for_consent: int  # her referrals held until consent is given or overridden
    changes: dict[RouteStatus, int] = field(default_factory=dict)  # route moves, last 7 days

    @property
    def changed(self) -> int:
        return sum(self.changes.values())


def for_worker(user: User, now: datetime | None = None) -> WorkerAttention:
    """New and overdue referrals in the user's services, and when the soonest contact is due."""
    now = now or utcnow()
    service_ids = member_service_ids(user)
    if not service_ids:
        return WorkerAttention(new=0, overdue=0, next_due=None, next_new_due=None, services=0)
    mine = Route.service_id.in_(service_ids)
    awaiting_contact = sa.and_(mine, Route.status.in_(OPEN), Route.first_contact_at.is_(None))
    pending = Route.status == RouteStatus.PENDING
    upcoming = sa.and_(awaiting_contact, Route.due_at >= now)
    new, overdue, next_due, next_new_due = db.session.execute(
        sa.select(
            sa.func.count().filter(pending),
            sa.func.count().filter(awaiting_contact, Route.due_at < now),
            sa.func.min(Route.due_at).filter(upcoming),
            sa.func.min(Route.due_at).filter(upcoming, pending),
        ).where(mine)
    ).one()
    return WorkerAttention(
        new=int(new),
        overdue=int(overdue),
        next_due=next_due,
        next_new_due=next_new_due,
        services=len(service_ids),
    )


def _told_to_referrer() -> Any:
    """SQL condition on a route joined to its referral and service: the routes the person who
    referred is shown (``disclosure.submitter_routes``, in SQL). When "repeat" is the only Marac
    criterion, the Marac and Idva routes would tell her the victim was known before."""
    only_repeat = sa.and_(
        Referral.marac,
        sa.not_(
            sa.or_(
                Referral.visible_high_risk,
                Referral.professional_judgement,
                Referral.potential_escalation,
            )
        ),
    )
    return sa.not_(sa.and_(only_repeat, Service.kind.in_(MARAC_ROUTE_KINDS)))


def for_referrer(user: User, now: datetime | None = None) -> ReferrerAttention:
    """The user's unsent drafts, her referrals waiting for consent, and the moves services made
    on her referrals in the last ``RECENT_CHANGES``."""
    if not policy.can_refer(user):
        return ReferrerAttention(drafts=0, waiting_for_consent=0)
    now = now or utcnow()
    drafts = db.session.scalar(
        sa.select(sa.func.count()).where(
            ReferralDraft.author_id == user.id, ReferralDraft.submitted_referral_id.is_(None)
        )
    )
    # As queries.scope(): her own referrals, while she is at the agency she made them for.
    hers = sa.and_(Referral.referrer_id == user.id, Referral.agency_id == user.agency_id)

    def told(*columns: Any) -> sa.Select[Any]:
        return (
            sa.select(*columns)
            .select_from(Route)
            .join(Referral, Referral.id == Route.referral_id)
            .join(Service, Service.id == Route.service_id)
            .where(hers, _told_to_referrer())
        )

    waiting = db.session.scalar(
        told(sa.func.count(sa.distinct(Route.referral_id))).where(
            Route.status == RouteStatus.HELD_FOR_CONSENT
        )
    )
    recent = (
        told(Route.status, sa.func.count())
        .where(Route.status.in_(REPORTED_CHANGES), Route.updated_at >= now - RECENT_CHANGES)
        .group_by(Route.status)
    )
    changes = {RouteStatus(status): int(n) for status, n in db.session.execute(recent)}
    return ReferrerAttention(
        drafts=int(drafts or 0),
        waiting_for_consent=int(waiting or 0),
        changes={s: changes[s] for s in REPORTED_CHANGES if s in changes},
    )


def waiting_in(service_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many open referrals wait in each of these services (a count per service, for an
    administrator deciding which service to staff first; no case content)."""
    if not service_ids:
        return {}
    rows = db.session.execute(
        sa.select(Route.service_id, sa.func.count())
        .where(Route.service_id.in_(service_ids), Route.status.in_(OPEN))
        .group_by(Route.service_id)
    )
    return {service_id: int(count) for service_id, count in rows}
