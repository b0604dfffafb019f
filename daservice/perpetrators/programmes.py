"""Setting up a programme: its provider's programme workers add one and keep its details true
(kind, accreditation, places, who it is for, whether it takes referrals, and which directory
service's routes become its placements)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..audit.actions import AuditAction
from ..directory.models import Service, ServiceKind
from ..exceptions import NotFound
from ..extensions import db
from ..security.permissions import Permission, require
from .models import Programme, ProgrammeKind, ProgrammeStatus
from .placements import attending_count
from .refusals import Refused

MAX_CAPACITY = 500


@dataclass(frozen=True)
class ProgrammeInput:
    name: str
    kind: ProgrammeKind
    accredited: bool
    capacity: int
    eligibility: str
    status: ProgrammeStatus
    service_id: uuid.UUID | None


def services_for(actor: Any) -> list[Service]:
    """The directory's perpetrator programme services of her agency (a programme may take one's
    routes)."""
    return list(
        db.session.scalars(
            sa.select(Service)
            .where(
                Service.agency_id == actor.agency_id,
                Service.kind == ServiceKind.PERPETRATOR_PROGRAMME,
            )
            .order_by(Service.name)
        )
    )


def save_programme(actor: Any, programme: Programme | None, data: ProgrammeInput) -> Programme:
    """Add a programme of her agency's, or change one; refuses with a message for each field a
    name taken, places fewer than the men holding one, and a service not hers or already
    another programme's."""
    require(actor, Permission.RUN_PROGRAMMES)
    if programme is not None and programme.agency_id != actor.agency_id:
        raise NotFound("programme")
    errors: dict[str, str] = {}
    name = data.name.strip()
    taken = db.session.scalar(
        sa.select(Programme.id).where(
            sa.func.lower(Programme.name) == name.lower(),
            Programme.id != (programme.id if programme else uuid.UUID(int=0)),
        )
    )
    if not name:
        errors["name"] = "Enter the programme's name"
    elif taken is not None:
        errors["name"] = "There is already a programme with this name"
    if not 1 <= data.capacity <= MAX_CAPACITY:
        errors["capacity"] = f"Places must be between 1 and {MAX_CAPACITY}"
    elif programme is not None and data.capacity < (holding := attending_count(programme.id)):
        errors["capacity"] = (
            f"{holding} men hold a place now: places cannot be fewer than {holding}"
        )
    if data.service_id is not None:
        if data.service_id not in {s.id for s in services_for(actor)}:
            errors["service"] = "Select one of your agency's programme services"
        elif db.session.scalar(
            sa.select(Programme.id).where(
                Programme.service_id == data.service_id,
                Programme.id != (programme.id if programme else uuid.UUID(int=0)),
            )
        ):
            errors["service"] = "That service's referrals already go to another programme"
    if errors:
        raise Refused(errors)
    creating = programme is None
    programme = programme or Programme(agency_id=actor.agency_id)
    programme.name = name
    programme.kind = data.kind
    programme.accredited = data.accredited
    programme.capacity = data.capacity
    programme.eligibility = data.eligibility.strip()
    programme.status = data.status
    programme.service_id = data.service_id
    if creating:
        db.session.add(programme)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # the same name or service saved at the same moment
        db.session.rollback()
        raise Refused({"name": "There is already a programme with this name"}) from None
    audit.record(
        AuditAction.PROGRAMME_SAVED,
        actor=actor,
        target_type="programme",
        target_id=programme.id,
        purpose="added" if creating else "changed",
    )
    db.session.commit()
    return programme
