"""Exit and follow-up: when a placement that started ends, its exit review is due that day and
its follow-ups 6 and 12 months on. ``flask jobs run`` reminds the provider's programme workers of
each one due (``perpetrators.follow_up_reminders``); the worker records it from the placement.

At a follow-up she records the further incidents reported to the programme since he left, and
the partnership's own record is counted beside them: new referrals naming him as the one who
harmed, and of those how many went to Marac, found through the person index by his ``Person``
(plain columns; nothing is decrypted, and nothing of any victim is shown: counts only).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import aliased

from .. import audit, notify
from ..accounts.models import Role, User, UserRole
from ..audit.actions import AuditAction
from ..directory.models import Service, ServiceKind
from ..extensions import db, utcnow
from ..referrals.models import Referral, Route, RouteStatus
from ..security.permissions import Permission, require
from ..uk_time import LONDON, uk_date, uk_today
from . import queries
from .models import FOLLOW_UP_MONTHS, FollowUp, Goals, Placement, Programme
from .refusals import Refused

# key: an agency id. Its programme workers, as they are when the message is sent.
PROGRAMME_WORKERS = "programme_workers"

DUE = notify.register_template(
    "programme.follow_up_due",
    subject="A programme follow-up is due in daservice",
    body="A review of someone who was on one of your agency's perpetrator programmes is due. "
    "Sign in to daservice to record it.\n\n{service_url}",
).name

MAX_INCIDENTS = 999


def programme_worker_emails(agency_id: str) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(User.email)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role == Role.PROGRAMME_WORKER,
                User.agency_id == uuid.UUID(agency_id),
                User.disabled.is_(False),
            )
            .order_by(User.email)
        )
    )


def schedule(placement: Placement, now: datetime) -> None:
    """The exit review and follow-ups of a placement that started and has just ended (the caller
    commits); a man who never started has nothing to follow up."""
    if placement.started_at is None:
        return
    ended_on = uk_today(now)
    for months in FOLLOW_UP_MONTHS:
        db.session.add(
            FollowUp(
                placement_id=placement.id,
                months=months,
                due_on=ended_on + relativedelta(months=months),
            )
        )


def send_reminders(now: datetime | None = None) -> int:
    """Remind each due, unrecorded follow-up's programme workers once (the daily job)."""
    now = now or utcnow()
    due = db.session.execute(
        sa.select(FollowUp.id, Programme.agency_id)
        .join(Placement, Placement.id == FollowUp.placement_id)
        .join(Programme, Programme.id == Placement.programme_id)
        .where(
            FollowUp.due_on <= uk_today(now),
            FollowUp.recorded_at.is_(None),
            FollowUp.reminded_at.is_(None),
        )
    ).all()
    for follow_up_id, agency_id in due:
        # Claimed by its own update, so two servers running the job remind once.
        claimed = db.session.execute(
            sa.update(FollowUp)
            .where(FollowUp.id == follow_up_id, FollowUp.reminded_at.is_(None))
            .values(reminded_at=now)
        )
        if getattr(claimed, "rowcount", 0) == 1:
            notify.enqueue(DUE, audience=(PROGRAMME_WORKERS, str(agency_id)))
    db.session.commit()
    return len(due)


def due_for(user: Any) -> list[FollowUp]:
    """Her agency's follow-ups due by today and not recorded, soonest first."""
    return list(
        db.session.scalars(
            sa.select(FollowUp)
            .join(Placement, Placement.id == FollowUp.placement_id)
            .where(
                Placement.id.in_(queries.placements_of(user).with_only_columns(Placement.id)),
                FollowUp.due_on <= uk_today(),
                FollowUp.recorded_at.is_(None),
            )
            .order_by(FollowUp.due_on)
        )
    )


def of(placement: Placement) -> list[FollowUp]:
    return list(
        db.session.scalars(
            sa.select(FollowUp)
            .where(FollowUp.placement_id == placement.id)
            .order_by(FollowUp.months)
        )
    )


@dataclass(frozen=True)
class Found:
    """What the partnership's record says of him since he left: counts only."""

    new_referrals: int
    new_marac_referrals: int


def found_since(follow_up: FollowUp) -> Found:
    """New referrals naming him as the one who harmed, made after his placement ended and by the
    end of the follow-up's due day, and how many of them went to Marac (his ``Person`` is the
    person index's match of him at each intake). Only referrals shared with a service count (one
    held for consent is not yet the partnership's to tell), and a Marac route declined or held
    is not a Marac referral."""
    placement = follow_up.placement
    if placement.ended_at is None:
        return Found(0, 0)
    due_end = datetime.combine(
        follow_up.due_on + timedelta(days=1), time(), tzinfo=LONDON
    ).astimezone(UTC)
    any_route = aliased(Route)
    shared = sa.exists().where(
        any_route.referral_id == Referral.id, any_route.status != RouteStatus.HELD_FOR_CONSENT
    )
    his = sa.and_(
        Referral.perpetrator_id == placement.person_id,
        Referral.created_at > placement.ended_at,
        Referral.created_at < due_end,
        shared,
    )
    referrals = db.session.scalar(sa.select(sa.func.count()).select_from(Referral).where(his))
    marac = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Referral.id)))
        .select_from(Referral)
        .join(Route, Route.referral_id == Referral.id)
        .join(Service, Service.id == Route.service_id)
        .where(
            his,
            Service.kind == ServiceKind.MARAC,
            Route.status.not_in((RouteStatus.DECLINED, RouteStatus.HELD_FOR_CONSENT)),
        )
    )
    return Found(referrals or 0, marac or 0)


@dataclass(frozen=True)
class FollowUpInput:
    goals: Goals | None = None  # the exit review's
    further_incidents: int | None = None  # the 6- and 12-month follow-ups'
    notes: str = ""


def record(actor: Any, follow_up: FollowUp, data: FollowUpInput) -> FollowUp:
    """Record a follow-up once it is due; refused with a message before then, when recorded
    already, and without the answer its kind needs."""
    require(actor, Permission.RUN_PROGRAMMES)
    queries.check_placement(actor, follow_up.placement)
    errors: dict[str, str] = {}
    if follow_up.recorded_at is not None:
        errors["form"] = f"This {follow_up.label.lower()} has been recorded already"
    elif follow_up.due_on > uk_today():
        errors["form"] = (
            f"This {follow_up.label.lower()} is not due until {uk_date(follow_up.due_on)}"
        )
    if follow_up.months == 0 and data.goals is None:
        errors["goals"] = "Select how far he met the programme's goals"
    if follow_up.months and data.further_incidents is None:
        errors["further_incidents"] = "Enter how many further incidents were reported, or 0"
    elif follow_up.months and not 0 <= (data.further_incidents or 0) <= MAX_INCIDENTS:
        errors["further_incidents"] = f"Further incidents must be between 0 and {MAX_INCIDENTS}"
    if errors:
        raise Refused(errors)
    now = utcnow()
    # Claimed first, conditional on its not being recorded meanwhile: of two saves at once, one
    # records it and the other is refused.
    claimed = db.session.execute(
        sa.update(FollowUp)
        .where(FollowUp.id == follow_up.id, FollowUp.recorded_at.is_(None))
        .values(recorded_at=now, recorded_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        db.session.rollback()
        raise Refused({"form": f"This {follow_up.label.lower()} has been recorded already"})
    follow_up.recorded_at, follow_up.recorded_by_id = now, actor.id
    follow_up.goals = data.goals if follow_up.months == 0 else None
    if follow_up.months:
        found = found_since(follow_up)
        follow_up.further_incidents = data.further_incidents
        follow_up.new_referrals = found.new_referrals
        follow_up.new_marac_referrals = found.new_marac_referrals
    follow_up.notes = data.notes.strip() or None
    audit.record(
        AuditAction.PLACEMENT_FOLLOWED_UP,
        actor=actor,
        target_type="placement",
        target_id=follow_up.placement_id,
        purpose=follow_up.label.lower(),
    )
    db.session.commit()
    return follow_up
