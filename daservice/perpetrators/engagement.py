"""Engagement events, and the partner-support link to the victim's worker.

Every start, missed session, concern, risk increase, suspension and ending of a placement is kept
as an engagement event. When the placement came from a victim's referral, the workers of her
partner-support services (the IDVA or outreach service holding her route) are told, by a
notification that says only that there is an update, and see the events on their partner-support
page: what happened and when, never why, never the programme's notes (DESIGN.md §2, Access; the
Home Office standard that the victim hears of his engagement from her own worker).

Events are written in the caller's transaction, once per ``key``: a register or a form saved
twice makes one event and one notification. A correction (an absence marked attended after all)
withdraws the event if none of her workers can have seen it yet; once seen, it stays as she was
told it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from .. import notify
from ..audit.actions import AuditAction
from ..audit.models import AuditEvent
from ..directory.models import Service, ServiceKind, ServiceMember
from ..directory.services import SERVICE_WORKERS
from ..extensions import db
from ..referrals.models import Route, RouteStatus
from .models import EngagementEvent, EngagementKind, EngagementRead, Placement

# The services that support her beside his programme (the Integrated Support Service).
PARTNER_SUPPORT_KINDS = (ServiceKind.IDVA, ServiceKind.OUTREACH)
# Her routes whose workers are told: shared with the service (not held for consent), and neither
# declined nor closed (a service that no longer supports her hears nothing more).
LIVE_ROUTE_STATUSES = (
    RouteStatus.PENDING,
    RouteStatus.ACCEPTED,
    RouteStatus.CONTACT_ATTEMPTED,
    RouteStatus.IN_SUPPORT,
)

UPDATE = notify.register_template(
    "programme.engagement",
    subject="There is a programme update about someone you support",
    body="There is an update about the programme the person who harmed someone you support was "
    "referred to. Sign in to daservice to see it on your partner-support page.\n\n{service_url}",
).name


def partner_services(referral_id: uuid.UUID) -> list[uuid.UUID]:
    """Her partner-support services: those her referral's live routes go to."""
    return list(
        db.session.scalars(
            sa.select(Route.service_id)
            .join(Service, Service.id == Route.service_id)
            .where(
                Route.referral_id == referral_id,
                Route.status.in_(LIVE_ROUTE_STATUSES),
                Service.kind.in_(PARTNER_SUPPORT_KINDS),
            )
            .order_by(Route.created_at)
        )
    )


def supports_his_victim(user: Any) -> Any:
    """A condition on ``Placement``: the user works a partner-support service of the victim whose
    referral the placement came from (she holds the other side of the couple's case). Any route
    but a declined one counts, held or closed too: the wall errs on the side of keeping apart."""
    return sa.exists().where(
        Route.referral_id == Placement.referral_id,
        Route.status != RouteStatus.DECLINED,
        Route.service_id == ServiceMember.service_id,
        ServiceMember.user_id == user.id,
        ServiceMember.service_id.in_(
            sa.select(Service.id).where(Service.kind.in_(PARTNER_SUPPORT_KINDS))
        ),
    )


def note(
    placement: Placement, kind: EngagementKind, key: str, at: datetime, happened_on: date
) -> bool:
    """Keep an engagement event of ``placement`` (once per ``key``) and tell her workers; returns
    whether it was new. The caller commits."""
    if db.session.scalar(sa.select(EngagementEvent.id).where(EngagementEvent.key == key)):
        return False
    db.session.add(
        EngagementEvent(
            placement_id=placement.id,
            referral_id=placement.referral_id,
            kind=kind,
            happened_on=happened_on,
            at=at,
            key=key,
        )
    )
    if placement.referral_id is not None:
        for service_id in partner_services(placement.referral_id):
            notify.enqueue(UPDATE, audience=(SERVICE_WORKERS, str(service_id)))
    return True


def withdraw(key: str) -> bool:
    """Take back the event ``key`` made, its cause corrected, if no worker of hers can have seen
    it: none has marked it read, nor opened her programme updates since it was made. Returns
    whether it was taken back. The caller commits."""
    event = db.session.scalar(sa.select(EngagementEvent).where(EngagementEvent.key == key))
    if event is None:
        return False
    read = db.session.scalar(
        sa.select(EngagementRead.user_id).where(EngagementRead.event_id == event.id).limit(1)
    )
    seen = event.referral_id is not None and db.session.scalar(
        sa.select(AuditEvent.seq)
        .where(
            AuditEvent.action == AuditAction.PARTNER_UPDATES_VIEWED,
            AuditEvent.target_type == "referral",
            AuditEvent.target_id == str(event.referral_id),
            AuditEvent.occurred_at >= event.at,
        )
        .limit(1)
    )
    if read is not None or seen:
        return False
    db.session.delete(event)
    return True
