"""What the programme workers' pages show, read and audited here so views stay thin: a list that
names the men on a programme is a read of protected fields, and so is one placement's page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from .. import audit
from ..audit import Entry
from ..audit.actions import AuditAction
from ..extensions import db
from . import queries
from .models import Placement, Programme, Stage
from .placements import attending_count, stage_counts


@dataclass(frozen=True)
class ProgrammeRow:
    programme: Programme
    counts: dict[Stage, int]

    @property
    def being_assessed(self) -> int:
        return sum(self.counts.get(s, 0) for s in (Stage.REFERRED, Stage.CONTACTED, Stage.ASSESSED))

    @property
    def waiting(self) -> int:
        return self.counts.get(Stage.WAITING_LIST, 0)

    @property
    def places_taken(self) -> int:
        return self.counts.get(Stage.ATTENDING, 0) + self.counts.get(Stage.SUSPENDED, 0)


def programmes(user: Any) -> list[ProgrammeRow]:
    return [
        ProgrammeRow(p, stage_counts(p.id)) for p in db.session.scalars(queries.programmes_of(user))
    ]


@dataclass(frozen=True)
class ProgrammePage:
    programme: Programme
    placements: list[Placement]  # open ones first, the latest change first
    places_taken: int


def programme(user: Any, programme_id: uuid.UUID) -> ProgrammePage:
    found = queries.programme_for(user, programme_id)
    rows = list(
        db.session.scalars(
            queries.placements_of(user)
            .where(Placement.programme_id == found.id)
            .order_by(Placement.ended_at.is_not(None), Placement.stage_changed_at.desc())
        )
    )
    audit.record_all(
        [
            Entry(AuditAction.PLACEMENT_VIEWED, user, "placement", p.id, "programme list")
            for p in rows
        ]
    )
    db.session.commit()
    return ProgrammePage(found, rows, attending_count(found.id))


def placement(user: Any, placement_id: uuid.UUID) -> Placement:
    found = queries.placement_for(user, placement_id)
    audit.record(
        AuditAction.PLACEMENT_VIEWED,
        actor=user,
        target_type="placement",
        target_id=found.id,
        purpose="placement page",
    )
    db.session.commit()
    return found


@dataclass(frozen=True)
class Attention:
    """What the home page tells a programme worker needs her now (counts only)."""

    programmes: int
    to_contact: int  # referred, not yet contacted
    waiting: int  # assessed as suitable, or on the waiting list: waiting for a start


def attention(user: Any) -> Attention:
    rows = programmes(user)
    return Attention(
        programmes=len(rows),
        to_contact=sum(r.counts.get(Stage.REFERRED, 0) for r in rows),
        waiting=sum(r.counts.get(Stage.ASSESSED, 0) + r.waiting for r in rows),
    )
