"""Disruption: for a man who will not engage, what partner agencies did (which agency, what, when,
and what came of it), recorded by the programme's worker on his placement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..accounts.models import Agency
from ..audit.actions import AuditAction
from ..extensions import db, utcnow
from ..security.permissions import Permission, require
from ..uk_time import uk_today
from . import queries
from .models import DisruptionAction, DisruptionKind, Placement
from .refusals import Refused


@dataclass(frozen=True)
class DisruptionInput:
    agency_id: uuid.UUID | None
    kind: DisruptionKind
    taken_on: date | None
    outcome: str


def agencies() -> list[Agency]:
    """The partner agencies an action may be by."""
    return list(db.session.scalars(sa.select(Agency).order_by(Agency.name)))


def record(actor: Any, placement: Placement, data: DisruptionInput) -> DisruptionAction:
    require(actor, Permission.RUN_PROGRAMMES)
    queries.check_placement(actor, placement)
    errors: dict[str, str] = {}
    if data.agency_id is None or db.session.get(Agency, data.agency_id) is None:
        errors["agency"] = "Select the agency that took the action"
    if data.taken_on is None:
        errors["taken_on"] = "Enter the date of the action"
    elif data.taken_on > uk_today():
        errors["taken_on"] = "The date of the action must be today or in the past"
    if errors or data.agency_id is None or data.taken_on is None:
        raise Refused(errors)
    row = DisruptionAction(
        placement_id=placement.id,
        agency_id=data.agency_id,
        kind=data.kind,
        taken_on=data.taken_on,
        recorded_by_id=actor.id,
        created_at=utcnow(),
    )
    row.outcome = data.outcome.strip() or None
    placement.disruptions.append(row)
    db.session.flush()
    audit.record(
        AuditAction.PLACEMENT_DISRUPTION_RECORDED,
        actor=actor,
        target_type="placement",
        target_id=placement.id,
        purpose=data.kind.value,
    )
    db.session.commit()
    return row
