"""Registers: a coordinator marks each session's register (present, late, absent, excused); once
the run's last session is marked, each booked person's attendance outcome is decided and the
course's completion rule applied. Knowledge-check scores are entered here too.

Registers are the coordinator's (``RUN_TRAINING``): she or the trainer holds the sign-in sheet,
and the attendance they record decides certificates across every agency, so an agency's lead
does not mark them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from .. import audit
from ..accounts.models import User
from ..audit import AuditAction
from ..extensions import db, utcnow
from ..security.permissions import Permission, require
from ..uk_time import uk_datetime
from . import completion, lifecycle, queries
from .models import (
    HOLDS_PLACE,
    AttendanceMark,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    Mark,
    RunStatus,
    SessionStatus,
    Trainee,
    TrainingSession,
)
from .runs import Refused, unit_of_work

S = EnrolmentStatus
MARK_WORDS: dict[Mark, str] = {
    Mark.PRESENT: "Present",
    Mark.LATE: "Late",
    Mark.ABSENT: "Absent",
    Mark.EXCUSED: "Absent with a reason (excused)",
}


@dataclass(frozen=True)
class RegisterLine:
    enrolment: Enrolment
    mark: Mark | None


@dataclass(frozen=True)
class Register:
    training_session: TrainingSession
    lines: list[RegisterLine]
    is_last: bool  # saving it decides attendance outcomes


def _open_session(user: User, session_id: uuid.UUID) -> TrainingSession:
    require(user, Permission.RUN_TRAINING)
    session = queries.get_session_or_404(user, session_id)
    if session.run.status is RunStatus.CANCELLED:
        raise Refused("This run has been cancelled: its registers cannot be marked")
    if session.status is SessionStatus.CANCELLED:
        raise Refused("This session has been cancelled: its register cannot be marked")
    if session.starts_at > utcnow():
        # Marked ahead of the day, the last register would issue certificates for training
        # no one has had yet (completed on a future date).
        raise Refused(
            "This session has not started yet: its register can be marked from "
            + uk_datetime(session.starts_at)
        )
    return session


def _on_register(session: TrainingSession) -> list[Enrolment]:
    """Everyone holding a place: booked, or with an attendance outcome already."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .join(Trainee, Trainee.id == Enrolment.trainee_id)
            .where(Enrolment.run_id == session.run_id, Enrolment.status.in_(HOLDS_PLACE))
            .order_by(Trainee.name)
        )
    )


def _is_last(session: TrainingSession) -> bool:
    going_ahead = [s for s in session.run.sessions if s.status is SessionStatus.SCHEDULED]
    return max(going_ahead, key=lambda s: s.starts_at) is session


def register(user: User, session_id: uuid.UUID) -> Register:
    """A session's register as it stands (refused for a cancelled session or run)."""
    session = _open_session(user, session_id)
    rows = db.session.execute(
        sa.select(AttendanceMark.enrolment_id, AttendanceMark.mark).where(
            AttendanceMark.session_id == session.id
        )
    )
    marks: dict[uuid.UUID, Mark] = {enrolment_id: mark for enrolment_id, mark in rows}
    lines = [RegisterLine(e, marks.get(e.id)) for e in _on_register(session)]
    return Register(session, lines, _is_last(session))


@dataclass(frozen=True)
class Saved:
    marked: int
    certificates: list[Certificate]


def save(user: User, session_id: uuid.UUID, marks: dict[uuid.UUID, Mark]) -> Saved:
    """Record a session's register (saving again changes the marks; one row per person per
    session). Everyone on the register must be marked. After the run's last session, decide
    each person's attendance and complete those who meet the course's rule. Commits."""
    session = _open_session(user, session_id)
    people = _on_register(session)
    missing = [e.trainee.name for e in people if e.id not in marks]
    if missing:
        raise Refused(f"Select whether {missing[0]} was present, late, absent or excused")
    existing = {
        m.enrolment_id: m
        for m in db.session.scalars(
            sa.select(AttendanceMark).where(AttendanceMark.session_id == session.id)
        )
    }
    certificates: list[Certificate] = []
    with unit_of_work():
        now = utcnow()
        for enrolment in people:
            row = existing.get(enrolment.id)
            if row is None:
                row = AttendanceMark(session_id=session.id, enrolment_id=enrolment.id)
                db.session.add(row)
            row.mark = marks[enrolment.id]
            row.recorded_by_id = user.id
            row.recorded_at = now
        db.session.flush()
        audit.record(
            AuditAction.REGISTER_RECORDED,
            actor=user,
            target_type="training_session",
            target_id=session.id,
        )
        if _is_last(session):
            session.run.status = RunStatus.FINISHED
            for enrolment in people:
                certificate = _decide(enrolment, user)
                if certificate is not None:
                    certificates.append(certificate)
    return Saved(len(people), certificates)


def outcome_of(enrolment: Enrolment) -> EnrolmentStatus:
    """No time attended: did not attend; all of it: attended; otherwise partly attended."""
    attended, total = completion.attendance(enrolment)
    if attended == 0:
        return S.NO_SHOW
    return S.ATTENDED if completion.attendance_percent(enrolment) >= 100 else S.PARTIALLY_ATTENDED


def _decide(enrolment: Enrolment, user: User) -> Certificate | None:
    if enrolment.status is S.COMPLETED:
        return None  # completion is never undone by a corrected register
    outcome = outcome_of(enrolment)
    if outcome is not enrolment.status:
        lifecycle.change_status(enrolment, outcome, actor=user, reason="Registers recorded")
    return completion.complete_if_due(enrolment, actor=user)


def record_score(user: User, enrolment_id: uuid.UUID, score: int) -> Certificate | None:
    """Enter a knowledge-check score (percent) and complete the enrolment if that was all it
    needed. Commits."""
    require(user, Permission.RUN_TRAINING)
    enrolment = queries.get_enrolment_or_404(user, enrolment_id)
    if enrolment.run.course.knowledge_check_pass_mark is None:
        raise Refused("This course has no knowledge check")
    if enrolment.status not in HOLDS_PLACE:
        raise Refused(f"{enrolment.trainee.name} does not have a place on this run")
    if enrolment.status is S.COMPLETED:
        raise Refused(f"{enrolment.trainee.name} has already completed this course")
    if not 0 <= score <= 100:
        raise Refused("The score must be between 0 and 100")
    with unit_of_work():
        enrolment.knowledge_check_score = score
        audit.record(
            AuditAction.KNOWLEDGE_CHECK_RECORDED,
            actor=user,
            target_type="training_enrolment",
            target_id=enrolment.id,
        )
        certificate = completion.complete_if_due(enrolment, actor=user)
    return certificate
