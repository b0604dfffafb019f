"""Which programmes and placements a user may see: her provider agency's, and only with the
``run_programmes`` permission. Anything else is not found (a 404), never a 403 that would say it
exists.

No one holds both sides of one couple's case (the Home Office standards for perpetrator
programmes): a programme worker who also works the victim's partner-support service does not see
his placement, so a colleague works it, and she stays her worker."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from ..exceptions import NotFound
from ..extensions import db
from ..security.permissions import Permission, allows
from .engagement import supports_his_victim
from .models import FollowUp, Placement, Programme, ProgrammeSession


def programmes_of(user: Any) -> sa.Select[tuple[Programme]]:
    """The programmes her agency provides (none without the permission)."""
    query = sa.select(Programme).order_by(Programme.name)
    if not allows(user, Permission.RUN_PROGRAMMES):
        return query.where(sa.false())
    return query.where(Programme.agency_id == user.agency_id)


def placements_of(user: Any) -> sa.Select[tuple[Placement]]:
    """The placements on her agency's programmes, but not one whose victim she supports."""
    query = sa.select(Placement).join(Placement.programme)
    if not allows(user, Permission.RUN_PROGRAMMES):
        return query.where(sa.false())
    return query.where(Programme.agency_id == user.agency_id, ~supports_his_victim(user))


def programme_for(user: Any, programme_id: uuid.UUID) -> Programme:
    programme = db.session.scalar(programmes_of(user).where(Programme.id == programme_id))
    if programme is None:
        raise NotFound("programme")
    return programme


def placement_for(user: Any, placement_id: uuid.UUID) -> Placement:
    placement = db.session.scalar(placements_of(user).where(Placement.id == placement_id))
    if placement is None:
        raise NotFound("placement")
    return placement


def session_for(user: Any, session_id: uuid.UUID) -> ProgrammeSession:
    session = db.session.scalar(
        sa.select(ProgrammeSession).where(
            ProgrammeSession.id == session_id,
            ProgrammeSession.programme_id.in_(programmes_of(user).with_only_columns(Programme.id)),
        )
    )
    if session is None:
        raise NotFound("programme_session")
    if session.placement_id is not None:
        placement_for(user, session.placement_id)  # one-to-one: only if his placement is hers
    return session


def check_placement(user: Any, placement: Placement) -> None:
    """The use cases' own check, as ``placement_for`` makes it: a 404 unless she may work it."""
    if placement.programme.agency_id != user.agency_id or db.session.scalar(
        sa.select(supports_his_victim(user).where(Placement.id == placement.id))
    ):
        raise NotFound("placement")


def follow_up_for(user: Any, follow_up_id: uuid.UUID) -> FollowUp:
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound("follow_up")
    placement_for(user, follow_up.placement_id)
    return follow_up
