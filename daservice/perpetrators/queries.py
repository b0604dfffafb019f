"""Which programmes and placements a user may see: her provider agency's, and only with the
``run_programmes`` permission. Anything else is not found (a 404), never a 403 that would say it
exists."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from ..exceptions import NotFound
from ..extensions import db
from ..security.permissions import Permission, allows
from .models import Placement, Programme


def programmes_of(user: Any) -> sa.Select[tuple[Programme]]:
    """The programmes her agency provides (none without the permission)."""
    query = sa.select(Programme).order_by(Programme.name)
    if not allows(user, Permission.RUN_PROGRAMMES):
        return query.where(sa.false())
    return query.where(Programme.agency_id == user.agency_id)


def placements_of(user: Any) -> sa.Select[tuple[Placement]]:
    """The placements on her agency's programmes."""
    query = sa.select(Placement).join(Placement.programme)
    if not allows(user, Permission.RUN_PROGRAMMES):
        return query.where(sa.false())
    return query.where(Programme.agency_id == user.agency_id)


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
