"""A run's places and its waiting list.

A place is taken with ONE conditional UPDATE (``places_taken < capacity``) and freed with one
(``places_taken > 0``), so two bookings racing for the last place cannot both get it: the database
checks the condition and changes the row in one statement (``security.tokens.conditional_update``).
The waiting list is first come, first served (``waitlisted_at``); a freed place goes to its first
person in the same transaction, and she is told.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from ..accounts.models import User
from ..extensions import db
from ..security.tokens import conditional_update
from . import lifecycle
from .models import CourseRun, Enrolment, EnrolmentStatus, RunStatus
from .run_messages import PROMOTED, tell

S = EnrolmentStatus


def take_place(run_id: uuid.UUID) -> bool:
    """Take one of the run's places if one is free: True if this caller got it."""
    return conditional_update(
        CourseRun,
        CourseRun.id == run_id,
        CourseRun.status == RunStatus.SCHEDULED,
        CourseRun.places_taken < CourseRun.capacity,
        values={"places_taken": CourseRun.places_taken + 1},
    )


def free_place(run_id: uuid.UUID) -> bool:
    """Give one place back."""
    return conditional_update(
        CourseRun,
        CourseRun.id == run_id,
        CourseRun.places_taken > 0,
        values={"places_taken": CourseRun.places_taken - 1},
    )


def refresh(run: CourseRun) -> None:
    # The conditional UPDATEs bypass the loaded row; read what the database now holds.
    db.session.refresh(run, ["places_taken"])


def waitlist_position(enrolment: Enrolment) -> int:
    """Her place in the run's waiting list (1 is next), first come first served."""
    at = enrolment.waitlisted_at or enrolment.created_at
    return 1 + int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(
                Enrolment.run_id == enrolment.run_id,
                Enrolment.status == S.WAITLISTED,
                Enrolment.id != enrolment.id,
                sa.or_(
                    Enrolment.waitlisted_at < at,
                    sa.and_(
                        Enrolment.waitlisted_at == at, Enrolment.created_at < enrolment.created_at
                    ),
                ),
            )
        )
        or 0
    )


def book_or_waitlist(enrolment: Enrolment, *, actor: User | None, reason: str = "") -> bool:
    """Book her if a place is free, otherwise put her at the end of the waiting list; True if
    booked. In the caller's transaction."""
    booked = take_place(enrolment.run_id)
    lifecycle.change_status(
        enrolment, S.BOOKED if booked else S.WAITLISTED, actor=actor, reason=reason
    )
    refresh(enrolment.run)
    return booked


def promote_waiting(run: CourseRun) -> list[Enrolment]:
    """Fill the run's free places from its waiting list, first come first served, telling each
    person promoted. In the caller's transaction; the system is the actor."""
    promoted = []
    while True:
        first = db.session.scalar(
            sa.select(Enrolment)
            .where(Enrolment.run_id == run.id, Enrolment.status == S.WAITLISTED)
            .order_by(Enrolment.waitlisted_at, Enrolment.created_at)
            .limit(1)
        )
        if first is None or not take_place(run.id):
            break
        lifecycle.change_status(first, S.BOOKED, actor=None, reason="A place became free")
        tell(first, PROMOTED)
        db.session.flush()
        promoted.append(first)
    refresh(run)
    return promoted
