"""The completion rule of a course, applied to one enrolment: attendance at or above the course's
threshold, the post-course evaluation submitted (if the course asks for it) and the knowledge
check passed (if it has one). Completing issues the certificate."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..uk_time import uk_today
from . import certificates, lifecycle
from .models import (
    AttendanceMark,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    EvaluationKind,
    Mark,
    SessionStatus,
    TrainingSession,
)

ATTENDED_MARKS = (Mark.PRESENT, Mark.LATE)


def attendance(enrolment: Enrolment) -> tuple[int, int]:
    """(minutes attended, minutes of the run's sessions that went ahead)."""
    sessions = [s for s in enrolment.run.sessions if s.status is SessionStatus.SCHEDULED]
    rows = db.session.execute(
        sa.select(AttendanceMark.session_id, AttendanceMark.mark).where(
            AttendanceMark.enrolment_id == enrolment.id
        )
    )
    marks: dict[uuid.UUID, Mark] = {session_id: mark for session_id, mark in rows}
    attended = sum(s.minutes for s in sessions if marks.get(s.id) in ATTENDED_MARKS)
    return attended, sum(s.minutes for s in sessions)


def attendance_percent(enrolment: Enrolment) -> int:
    attended, total = attendance(enrolment)
    return 0 if total == 0 else (100 * attended) // total


def outstanding(enrolment: Enrolment) -> list[str]:
    """What the enrolment still needs before it completes, in words (empty: it can complete)."""
    course = enrolment.run.course
    needed = []
    if enrolment.status not in (EnrolmentStatus.ATTENDED, EnrolmentStatus.PARTIALLY_ATTENDED):
        needed.append("attendance recorded on the registers")
    elif attendance_percent(enrolment) < course.attendance_threshold_percent:
        needed.append(f"attendance of at least {course.attendance_threshold_percent}%")
    if course.requires_evaluation and not evaluation_submitted(enrolment):
        needed.append("the end-of-course evaluation")
    mark = course.knowledge_check_pass_mark
    if mark is not None and (
        enrolment.knowledge_check_score is None or enrolment.knowledge_check_score < mark
    ):
        needed.append(f"a knowledge check score of at least {mark}%")
    return needed


def evaluation_submitted(enrolment: Enrolment) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Evaluation)
            .where(
                Evaluation.enrolment_id == enrolment.id,
                Evaluation.kind == EvaluationKind.AFTER,
                Evaluation.submitted_at.is_not(None),
            )
        )
        or 0
    ) > 0


def last_attended_day(enrolment: Enrolment) -> Any:
    attended = db.session.scalar(
        sa.select(sa.func.max(TrainingSession.starts_at))
        .join(AttendanceMark, AttendanceMark.session_id == TrainingSession.id)
        .where(
            AttendanceMark.enrolment_id == enrolment.id,
            AttendanceMark.mark.in_(ATTENDED_MARKS),
        )
    )
    return uk_today(attended) if attended is not None else uk_today()


def complete_if_due(enrolment: Enrolment, *, actor: Any) -> Certificate | None:
    """Complete the enrolment and issue its certificate if the course's rule is now met, in the
    caller's transaction. None if something is still outstanding (or it completed already)."""
    if enrolment.status is EnrolmentStatus.COMPLETED or outstanding(enrolment):
        return None
    enrolment.completed_on = last_attended_day(enrolment)
    lifecycle.change_status(enrolment, EnrolmentStatus.COMPLETED, actor=actor)
    return certificates.issue(enrolment, actor=actor)
