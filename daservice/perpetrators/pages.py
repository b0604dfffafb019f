"""What the programme workers' pages show, read and audited here so views stay thin: a list that
names the men on a programme is a read of protected fields, and so is one placement's page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..audit import Entry
from ..audit.actions import AuditAction
from ..extensions import db
from . import follow_ups, queries, sessions
from .models import (
    HOLDS_A_PLACE,
    FollowUp,
    Placement,
    Programme,
    ProgrammeSession,
    SessionAttendance,
    Stage,
)
from .placements import attending_count


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
        return sum(self.counts.get(s, 0) for s in HOLDS_A_PLACE)


def programmes(user: Any) -> list[ProgrammeRow]:
    """Her agency's programmes, each with how many of its placements are at each stage (one
    grouped count for them all)."""
    found = list(db.session.scalars(queries.programmes_of(user)))
    counts: dict[uuid.UUID, dict[Stage, int]] = {p.id: {} for p in found}
    for programme_id, stage, count in db.session.execute(
        sa.select(Placement.programme_id, Placement.stage, sa.func.count())
        .where(Placement.programme_id.in_(list(counts)))
        .group_by(Placement.programme_id, Placement.stage)
    ):
        counts[programme_id][stage] = count
    return [ProgrammeRow(p, counts[p.id]) for p in found]


@dataclass(frozen=True)
class ProgrammePage:
    programme: Programme
    placements: list[Placement]  # open ones first, the latest change first
    places_taken: int
    sessions: list[ProgrammeSession]  # the latest first

    @property
    def waiting_list(self) -> list[Placement]:
        """The waiting list in its order: who joined it first starts first."""
        waiting = [p for p in self.placements if p.stage is Stage.WAITING_LIST]
        return sorted(waiting, key=lambda p: p.stage_changed_at)

    @property
    def places_free(self) -> int:
        return max(self.programme.capacity - self.places_taken, 0)


def programme(user: Any, programme_id: uuid.UUID) -> ProgrammePage:
    found = queries.programme_for(user, programme_id)
    rows = list(
        db.session.scalars(
            queries.placements_of(user)
            .where(Placement.programme_id == found.id)
            .order_by(Placement.ended_at.is_not(None), Placement.stage_changed_at.desc())
        )
    )
    _viewed(user, rows, "programme list")
    # Counted over every placement: a man she may not see (his victim is hers) holds a place too.
    places_taken = attending_count(found.id)
    return ProgrammePage(found, rows, places_taken, sessions.sessions_of(user, found))


def _viewed(user: Any, placements: list[Placement], purpose: str) -> None:
    """Audit a page naming these men (a read of protected fields), and commit."""
    audit.record_all(
        [Entry(AuditAction.PLACEMENT_VIEWED, user, "placement", p.id, purpose) for p in placements]
    )
    db.session.commit()


def open_placements(user: Any, programme: Programme) -> list[Placement]:
    """The programme's placements that have not ended, by name (one-to-one work is with one),
    audited: the session form offers them by name."""
    rows = list(
        db.session.scalars(
            queries.placements_of(user).where(
                Placement.programme_id == programme.id, Placement.ended_at.is_(None)
            )
        )
    )
    _viewed(user, rows, "one-to-one session choices")
    return sorted(rows, key=lambda p: (p.person.last_name or "", p.person.first_name or ""))


def follow_ups_due(user: Any) -> list[FollowUp]:
    """Her agency's exit reviews and follow-ups due, audited: the list names the men."""
    due = follow_ups.due_for(user)
    _viewed(user, list({f.placement.id: f.placement for f in due}.values()), "follow-ups due")
    return due


def follow_up(user: Any, found: FollowUp) -> follow_ups.Found | None:
    """A follow-up's page, audited (it names him); what the partnership's record has found of
    him since he left, for a 6- or 12-month follow-up."""
    _viewed(user, [found.placement], "follow-up page")
    return follow_ups.found_since(found) if found.months and not found.recorded_at else None


@dataclass(frozen=True)
class PlacementPage:
    placement: Placement
    attendance: list[SessionAttendance]  # his lines on registers, the latest first


def placement(user: Any, found: Placement) -> PlacementPage:
    """One placement (found by ``queries.placement_for``), its page view audited."""
    audit.record(
        AuditAction.PLACEMENT_VIEWED,
        actor=user,
        target_type="placement",
        target_id=found.id,
        purpose="placement page",
    )
    db.session.commit()
    return PlacementPage(found, sessions.attendance_of(found))


@dataclass(frozen=True)
class Attention:
    """What the home page tells a programme worker needs her now (counts only)."""

    programmes: int
    to_contact: int  # referred, not yet contacted
    waiting: int  # assessed as suitable, or on the waiting list: waiting for a start
    registers_due: int  # sessions held by today with no register saved
    follow_ups_due: int  # exit reviews and follow-ups due by today, not recorded


def attention(user: Any) -> Attention:
    rows = programmes(user)
    return Attention(
        programmes=len(rows),
        to_contact=sum(r.counts.get(Stage.REFERRED, 0) for r in rows),
        waiting=sum(r.counts.get(Stage.ASSESSED, 0) + r.waiting for r in rows),
        registers_due=sessions.registers_due(user),
        follow_ups_due=len(follow_ups.due_for(user)),
    )
