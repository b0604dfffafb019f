"""Trainees: the partner agencies' staff who take courses (coordinators: any agency; an agency
training lead: her own). Whose staff a user may touch is ``queries.agency_ids_in_scope``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..accounts.models import Agency, User
from ..audit import AuditAction
from ..exceptions import DomainError, NotFound
from ..extensions import db
from ..security.permissions import Permission, require
from ..uk_time import uk_today
from .models import (
    STATUS_WORDS,
    Certificate,
    CertificateStatus,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Site,
    Trainee,
)
from .queries import agency_condition, agency_ids_in_scope

PAGE_SIZE = 50


class EmailTaken(DomainError):
    """A work email names one person: another trainee already has it."""


def agencies_in_scope(user: User) -> list[Agency]:
    """The agencies whose staff this user manages, by name."""
    return list(
        db.session.scalars(
            sa.select(Agency).where(agency_condition(user, Agency.id)).order_by(Agency.name)
        )
    )


def check_agency(user: User, agency_id: uuid.UUID) -> None:
    """Refuse (as not found) an agency outside the user's scope."""
    scope = agency_ids_in_scope(user)
    if scope is not None and agency_id not in scope:
        raise NotFound("agency")


def list_sites() -> list[Site]:
    return list(db.session.scalars(sa.select(Site).order_by(Site.name)))


def find(
    user: User, *, name: str = "", agency_id: uuid.UUID | None = None, page: int = 1
) -> tuple[list[Trainee], int]:
    """Trainees in the user's scope whose name contains ``name``, by name; and how many."""
    require(user, Permission.LEAD_TRAINING)
    where = [agency_condition(user, Trainee.agency_id)]
    if name:
        escaped = name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(sa.func.lower(Trainee.name).like(f"%{escaped}%", escape="\\"))
    if agency_id is not None:
        where.append(Trainee.agency_id == agency_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Trainee).where(*where)) or 0
    rows = db.session.scalars(
        sa.select(Trainee)
        .where(*where)
        .order_by(Trainee.active.desc(), Trainee.name, Trainee.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    return list(rows), total


def save_trainee(actor: User, trainee: Trainee | None, data: dict[str, Any]) -> Trainee:
    """Add or change a trainee. ``data``: name, work_email, agency (a lead's own is forced by the
    view), team, job_role, site (id or None)."""
    require(actor, Permission.LEAD_TRAINING)
    agency_id = uuid.UUID(str(data["agency"]))
    check_agency(actor, agency_id)
    if trainee is not None:
        check_agency(actor, trainee.agency_id)
    email = data["work_email"].strip().lower()
    taken = sa.select(Trainee.id).where(Trainee.work_email == email)
    if trainee is not None:
        taken = taken.where(Trainee.id != trainee.id)
    if db.session.scalar(taken) is not None:
        raise EmailTaken("Another member of staff already has this work email address")
    site_id = uuid.UUID(str(data["site"])) if data.get("site") else None
    if site_id is not None and db.session.get(Site, site_id) is None:
        raise NotFound("site")
    creating = trainee is None
    trainee = trainee or Trainee()
    trainee.name = data["name"]
    trainee.work_email = email
    trainee.agency_id = agency_id
    trainee.team = data.get("team") or ""
    trainee.job_role = data.get("job_role") or ""
    trainee.site_id = site_id
    if creating:
        db.session.add(trainee)
    db.session.flush()
    audit.record(
        AuditAction.TRAINEE_SAVED,
        actor=actor,
        target_type="trainee",
        target_id=trainee.id,
        purpose="added" if creating else "changed",
    )
    db.session.commit()
    return trainee


def set_active(actor: User, trainee: Trainee, active: bool) -> None:
    """Deactivate a trainee who has left (her history stays), or bring her back."""
    require(actor, Permission.LEAD_TRAINING)
    check_agency(actor, trainee.agency_id)
    trainee.active = active
    audit.record(
        AuditAction.TRAINEE_SAVED,
        actor=actor,
        target_type="trainee",
        target_id=trainee.id,
        purpose="reactivated" if active else "deactivated",
    )
    db.session.commit()


@dataclass(frozen=True)
class TrainingRecord:
    """A trainee's courses (latest run first) and certificates (latest first), for her record."""

    enrolments: list[tuple[Enrolment, str]]  # with the status in words
    certificates: list[tuple[Certificate, CertificateStatus]]


def training_record(user: User, trainee: Trainee) -> TrainingRecord:
    """What the staff record shows of her training: every enrolment (run, date, status, waiting
    list included) and every certificate with its status today. Scoped like the record itself."""
    require(user, Permission.LEAD_TRAINING)
    check_agency(user, trainee.agency_id)
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .join(CourseRun, CourseRun.id == Enrolment.run_id)
        .where(Enrolment.trainee_id == trainee.id)
        .order_by(CourseRun.starts_on.desc(), Enrolment.created_at.desc())
    )
    certificates = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.trainee_id == trainee.id)
        .order_by(Certificate.issued_on.desc(), Certificate.id)
    )
    today = uk_today()
    return TrainingRecord(
        enrolments=[(e, STATUS_WORDS[EnrolmentStatus(e.status)]) for e in enrolments],
        certificates=[(c, c.status_on(today)) for c in certificates],
    )
