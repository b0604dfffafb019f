"""Placements: made from the referral route or directly, and moved along the pipeline.

Each use case checks who is asking, changes the rows, writes its audit event and commits, all in
one transaction. A placement is only ever seen by its programme's provider agency
(``queries.placement_for``); anyone else gets a 404 before a use case is reached.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from .. import audit
from ..audit.actions import AuditAction
from ..exceptions import InvalidTransition, NotFound
from ..extensions import db, utcnow
from ..people import matching as people
from ..people.models import PersonIndex, PersonKind
from ..referrals.models import Referral, Route, RouteStatus
from ..referrals.referral_input import SPACES
from ..security.permissions import Permission, require
from ..uk_time import uk_today
from . import engagement, follow_ups, queries
from .models import (
    HOLDS_A_PLACE,
    REASONS,
    STAGE_EVENTS,
    EngagementKind,
    Placement,
    PlacementChange,
    Programme,
    ProgrammeStatus,
    Reason,
    Source,
    Stage,
)
from .refusals import Refused


def take_released_routes(now: datetime | None = None) -> int:
    """Make a placement for every released route to a programme's service that has none (the job
    ``perpetrators.take_routes``; safe to run at any time, and twice: a route makes one placement).

    The placement is the perpetrator's side only: it links to the referral for the measures and
    the partner-support link, and copies nothing of hers."""
    now = now or utcnow()
    waiting = db.session.execute(
        sa.select(Route.id, Route.referral_id, Programme.id, Referral.perpetrator_id)
        .join(Programme, Programme.service_id == Route.service_id)
        .join(Referral, Referral.id == Route.referral_id)
        .outerjoin(Placement, Placement.route_id == Route.id)
        .where(
            Route.released_at.is_not(None),
            Route.released_at >= Programme.created_at,  # not the history of a service linked late
            Route.status.not_in((RouteStatus.DECLINED, RouteStatus.CLOSED)),
            Programme.status == ProgrammeStatus.OPEN,  # a paused programme's routes wait
            Placement.id.is_(None),
            Referral.perpetrator_id.is_not(None),
        )
        .order_by(Route.released_at)
    ).all()
    for route_id, referral_id, programme_id, perpetrator_id in waiting:
        placement = Placement(
            programme_id=programme_id,
            person_id=perpetrator_id,
            source=Source.REFERRAL_ROUTE,
            referral_id=referral_id,
            route_id=route_id,
            stage=Stage.REFERRED,
            created_at=now,
            stage_changed_at=now,
        )
        placement.changes.append(PlacementChange(from_stage=None, to_stage=Stage.REFERRED, at=now))
        db.session.add(placement)
        db.session.flush()
        audit.record(
            AuditAction.PLACEMENT_MADE,
            target_type="placement",
            target_id=placement.id,
            purpose="made from a referral's route to the programme",
        )
    db.session.commit()
    return len(waiting)


@dataclass(frozen=True)
class DirectPlacement:
    """A placement a programme worker (or a partner system) makes without a referral."""

    source: Source
    first_name: str
    last_name: str
    date_of_birth: date | None = None
    address: str | None = None
    phone: str | None = None


def place_directly(actor: Any, programme: Programme, data: DirectPlacement) -> Placement:
    """A new placement on ``programme`` from ``data.source``, made by one of its provider's
    programme workers. Commits."""
    require(actor, Permission.RUN_PROGRAMMES)
    if programme.agency_id != actor.agency_id:
        raise NotFound("programme")
    placement = _place(programme, data, by_id=actor.id, api_client_id=None, errors={})
    audit.record(
        AuditAction.PLACEMENT_MADE,
        actor=actor,
        target_type="placement",
        target_id=placement.id,
        purpose=f"made directly (source: {data.source.value})",
    )
    db.session.commit()
    return placement


def receive(client: Any, programme_id: uuid.UUID | None, data: DirectPlacement) -> Placement:
    """A placement a partner system sends (``POST /api/v1/placements``) to any open programme.
    Refused naming each field: no such programme (or none given), one not open, no name. Does not
    commit: the API commits it with its idempotent answer."""
    programme = db.session.get(Programme, programme_id) if programme_id is not None else None
    problem = programme_problem(programme_id)
    errors = {"programme_id": problem} if problem else {}
    placement = _place(programme, data, by_id=None, api_client_id=client.id, errors=errors)
    audit.record(
        AuditAction.PLACEMENT_MADE,
        actor=client,
        target_type="placement",
        target_id=placement.id,
        purpose=f"sent by a partner system (source: {data.source.value})",
    )
    return placement


def programme_problem(programme_id: uuid.UUID | None) -> str | None:
    """What is wrong with sending a placement to this programme (None: it is open)."""
    programme = db.session.get(Programme, programme_id) if programme_id is not None else None
    if programme is None:
        return "Give the id of an open programme"
    if programme.status is not ProgrammeStatus.OPEN:
        return f"{programme.name} is {programme.status.label.lower()}"
    return None


def _place(
    programme: Programme | None,
    data: DirectPlacement,
    *,
    by_id: uuid.UUID | None,
    api_client_id: uuid.UUID | None,
    errors: dict[str, str],
) -> Placement:
    """The placement, linked to the person the index already knows by name and date of birth,
    else to a new one; refused with ``errors`` and any of its own."""
    field = "programme" if api_client_id is None else "programme_id"
    # Blank as the API's document counts spaces (ECMAScript's), which the web's forms agree with.
    first_name, last_name = data.first_name.strip(SPACES), data.last_name.strip(SPACES)
    if not first_name:
        errors["first_name"] = "Enter his first name"
    if not last_name:
        errors["last_name"] = "Enter his last name"
    if data.source is Source.REFERRAL_ROUTE:
        errors["source"] = "A referral's placement is made from its route"
    if programme is not None and (problem := programme_problem(programme.id)):
        errors[field] = problem
    if errors or programme is None:
        raise Refused(errors)
    now = utcnow()
    fields: dict[str, Any] = {
        "first_name": first_name,
        "last_name": last_name,
        "date_of_birth": data.date_of_birth,
        "address": data.address or None,
        "phone": data.phone or None,
    }
    resolved = people.resolve(
        PersonKind.PERPETRATOR,
        people.Identity(first_name, last_name, data.date_of_birth),
        {name: value for name, value in fields.items() if value is not None},
        now,
    )
    if not resolved.known:
        db.session.add(resolved.new)
        db.session.flush()
        if resolved.index_rows:
            db.session.execute(sa.insert(PersonIndex), resolved.index_rows)
    placement = Placement(
        programme_id=programme.id,
        person_id=resolved.person_id,
        source=data.source,
        stage=Stage.REFERRED,
        created_at=now,
        created_by_id=by_id,
        api_client_id=api_client_id,
        stage_changed_at=now,
    )
    placement.changes.append(
        PlacementChange(from_stage=None, to_stage=Stage.REFERRED, at=now, by_id=by_id)
    )
    db.session.add(placement)
    db.session.flush()
    return placement


def attending_count(programme_id: uuid.UUID) -> int:
    """How many hold a place on the programme now (attending or suspended)."""
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Placement)
        .where(Placement.programme_id == programme_id, Placement.stage.in_(HOLDS_A_PLACE))
    )
    return count or 0


def move(
    actor: Any,
    placement: Placement,
    stage: Stage,
    *,
    reason: Reason | None = None,
    detail: str = "",
    expected: Stage | None = None,
) -> PlacementChange:
    """Move ``placement`` to ``stage`` and keep the change, refusing with a message a move the
    pipeline does not allow, a reason missing or not offered for the stage, and a start on a full
    programme. ``expected`` is the stage the worker saw: if the placement has moved on since (a
    form sent twice), nothing changes."""
    require(actor, Permission.RUN_PROGRAMMES)
    queries.check_placement(actor, placement)
    if expected is not None and placement.stage is not expected:
        raise InvalidTransition(
            f"This placement is now {placement.stage.label.lower()}: someone changed it"
        )
    offered = REASONS.get(stage, ())
    if offered and reason is None:
        raise Refused({"reason": f"Select why he is {stage.label.lower()}"})
    if reason is not None and reason not in offered:
        raise Refused({"reason": "Select one of the reasons shown"})
    if reason is Reason.OTHER and not detail.strip():
        raise Refused({"detail": "Say what the other reason is"})
    if stage is Stage.ATTENDING and placement.stage not in HOLDS_A_PLACE:
        programme = placement.programme
        if programme.status is ProgrammeStatus.CLOSED:
            raise InvalidTransition(f"{programme.name} has closed: no one can start on it")
        # Starts on one programme are made one at a time: this takes the programme's row lock
        # (PostgreSQL) or the write lock (SQLite) before the places are counted.
        db.session.execute(
            sa.update(Programme)
            .where(Programme.id == programme.id)
            .values(capacity=Programme.capacity)
        )
        if attending_count(programme.id) >= programme.capacity:
            raise InvalidTransition(
                f"{programme.name} is full ({programme.capacity} places): "
                "add him to the waiting list instead"
            )
    now = utcnow()
    first_start = placement.started_at is None
    old = placement.move_to(stage, now)
    placement.reason = reason
    change = PlacementChange(from_stage=old, to_stage=stage, reason=reason, at=now, by_id=actor.id)
    if detail.strip():
        change.detail = detail.strip()
    try:
        placement.changes.append(change)  # loading the history flushes the stage change first
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise InvalidTransition("This placement has just been changed by someone else") from None
    if stage.ended:
        follow_ups.schedule(placement, now)
    event = STAGE_EVENTS.get(stage)
    if stage is Stage.ATTENDING and not first_start:
        event = EngagementKind.RESUMED
    if event is not None:
        engagement.note(placement, event, f"stage:{change.id}", now, uk_today(now))
    audit.record(
        AuditAction.PLACEMENT_STAGE_CHANGED,
        actor=actor,
        target_type="placement",
        target_id=placement.id,
        purpose=f"{old.value} to {stage.value}",
    )
    db.session.commit()
    return change
