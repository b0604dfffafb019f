"""Row-scoped loaders for the training programme. Whose staff a user sees is decided here, in SQL:
a training coordinator sees the whole partnership; an agency training lead her own agency; anyone
else only her own trainee record. A row outside that scope is a 404."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort

from ..accounts.models import User
from ..extensions import db
from ..security.permissions import Permission, allows
from .models import Certificate, CourseRun, Enrolment, Trainee, TrainingSession

M = TypeVar("M")


def sees_whole_partnership(user: User) -> bool:
    return allows(user, Permission.RUN_TRAINING)


def agency_ids_in_scope(user: User) -> list[uuid.UUID] | None:
    """The agencies whose staff this user manages: None for all of them (a coordinator), her own
    agency for a training lead, none for anyone else."""
    if sees_whole_partnership(user):
        return None
    if allows(user, Permission.LEAD_TRAINING):
        return [user.agency_id]
    return []


def agency_condition(user: User, column: Any) -> Any:
    """SQL condition: ``column`` (an agency id) is one this user manages."""
    agencies = agency_ids_in_scope(user)
    if agencies is None:
        return sa.true()
    return column.in_(agencies) if agencies else sa.false()


def _one_or_404(statement: sa.Select[tuple[M]]) -> M:
    found = db.session.scalar(statement)
    if found is None:
        abort(404)
    return found


def get_trainee_or_404(user: User, trainee_id: uuid.UUID) -> Trainee:
    return _one_or_404(
        sa.select(Trainee).where(
            Trainee.id == trainee_id,
            sa.or_(agency_condition(user, Trainee.agency_id), Trainee.user_id == user.id),
        )
    )


def get_run_or_404(user: User, run_id: uuid.UUID) -> CourseRun:
    """Runs are the partnership's timetable: any user with a training permission may see one
    (which of its enrolments she sees is scoped separately)."""
    if not any(
        allows(user, p)
        for p in (Permission.RUN_TRAINING, Permission.LEAD_TRAINING, Permission.REQUEST_TRAINING)
    ):
        abort(404)
    return _one_or_404(sa.select(CourseRun).where(CourseRun.id == run_id))


def get_session_or_404(user: User, session_id: uuid.UUID) -> TrainingSession:
    session = _one_or_404(sa.select(TrainingSession).where(TrainingSession.id == session_id))
    get_run_or_404(user, session.run_id)
    return session


def get_enrolment_or_404(user: User, enrolment_id: uuid.UUID) -> Enrolment:
    return _one_or_404(
        sa.select(Enrolment)
        .join(Trainee, Trainee.id == Enrolment.trainee_id)
        .where(
            Enrolment.id == enrolment_id,
            sa.or_(agency_condition(user, Enrolment.agency_id), Trainee.user_id == user.id),
        )
    )


def get_certificate_or_404(user: User, certificate_id: uuid.UUID) -> Certificate:
    return _one_or_404(
        sa.select(Certificate)
        .join(Trainee, Trainee.id == Certificate.trainee_id)
        .where(
            Certificate.id == certificate_id,
            sa.or_(agency_condition(user, Certificate.agency_id), Trainee.user_id == user.id),
        )
    )
