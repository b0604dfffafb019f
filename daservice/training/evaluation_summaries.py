"""Per-course evaluation summaries: confidence before and after (and the change), reactions,
follow-up outcomes and response rates, computed in SQL.

Scope: a training coordinator sees the whole partnership, an agency training lead her own agency's
enrolments only (``queries.agency_condition`` on the enrolment's agency).

Disclosure control: with a handful of trainees a mean or a percentage can say how one person
answered, so a count from 1 to 4 is shown as "<5" and a mean, change or percentage made from
fewer than ``MIN_RESPONSES`` answers is not shown at all. (Zero is shown: it discloses no one.)

Free text is protected: it is never part of a summary. ``read_comments`` (coordinators only)
records an audit event for each evaluation whose comments it returns.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from .. import audit
from ..accounts.models import User
from ..audit import AuditAction, Entry
from ..exceptions import NotFound
from ..extensions import db
from ..security.permissions import Permission, require
from .evaluation_items import CONFIDENCE_ITEMS, KIND_WORDS, REACTION_ITEMS, LikertItem
from .models import (
    Course,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    EvaluationAnswer,
    EvaluationKind,
)
from .queries import agency_condition

MIN_RESPONSES = 5
# Enrolments that hold a place, so have (or will have) evaluations to chase or enter.
WITH_EVALUATIONS = (
    EnrolmentStatus.BOOKED,
    EnrolmentStatus.PARTIALLY_ATTENDED,
    EnrolmentStatus.ATTENDED,
    EnrolmentStatus.COMPLETED,
)


def shown_count(n: int) -> str:
    """A count as it may be shown: "<5" from 1 to 4."""
    return "<5" if 0 < n < MIN_RESPONSES else str(n)


def _mean(value: object, n: int) -> float | None:
    return None if n < MIN_RESPONSES or value is None else round(float(str(value)), 1)


def _percent(part: int, whole: int) -> int | None:
    if whole < MIN_RESPONSES or part < MIN_RESPONSES and part != 0:
        return None
    return round(100 * part / whole)


@dataclass(frozen=True)
class CourseResponses:
    course_id: uuid.UUID
    title: str
    before: int
    after: int
    follow_up: int

    @property
    def shown(self) -> dict[str, str]:
        return {
            "before": shown_count(self.before),
            "after": shown_count(self.after),
            "follow_up": shown_count(self.follow_up),
        }


def _scoped(user: User, statement: sa.Select) -> sa.Select:
    return statement.where(agency_condition(user, Enrolment.agency_id))


def _from_evaluations(*columns: Any) -> sa.Select:
    return (
        sa.select(*columns)
        .select_from(Evaluation)
        .join(Enrolment, Enrolment.id == Evaluation.enrolment_id)
        .join(CourseRun, CourseRun.id == Enrolment.run_id)
    )


def courses_with_responses(user: User) -> list[CourseResponses]:
    """Each course with evaluations sent, and how many of each kind came back (in scope)."""
    rows = db.session.execute(
        _scoped(
            user,
            _from_evaluations(
                Course.id, Course.title, Evaluation.kind, sa.func.count(Evaluation.submitted_at)
            )
            .join(Course, Course.id == CourseRun.course_id)
            .group_by(Course.id, Course.title, Evaluation.kind),
        )
    )
    counts: dict[tuple[uuid.UUID, str], dict[EvaluationKind, int]] = {}
    for course_id, title, kind, submitted in rows:
        counts.setdefault((course_id, title), {})[EvaluationKind(kind)] = int(submitted)
    return sorted(
        (
            CourseResponses(
                course_id,
                title,
                by_kind.get(EvaluationKind.BEFORE, 0),
                by_kind.get(EvaluationKind.AFTER, 0),
                by_kind.get(EvaluationKind.FOLLOW_UP, 0),
            )
            for (course_id, title), by_kind in counts.items()
        ),
        key=lambda c: c.title,
    )


@dataclass(frozen=True)
class ConfidenceChange:
    item: LikertItem
    pairs: int  # enrolments that answered the item both before and after
    before: float | None  # hidden under MIN_RESPONSES pairs
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)


@dataclass(frozen=True)
class Reaction:
    item: LikertItem
    responses: int
    mean: float | None


@dataclass(frozen=True)
class ResponseRate:
    kind: EvaluationKind
    invited: int
    submitted: int

    @property
    def label(self) -> str:
        return KIND_WORDS[self.kind]

    @property
    def percent(self) -> int | None:
        return _percent(self.submitted, self.invited)


@dataclass(frozen=True)
class CourseSummary:
    course: Course
    confidence: list[ConfidenceChange]
    reactions: list[Reaction]
    follow_ups: int
    recognised_percent: int | None
    responded_percent: int | None
    rates: list[ResponseRate]
    runs: list[tuple[uuid.UUID, date]]  # the course's runs with enrolments in scope, newest first


def get_course(course_id: uuid.UUID) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("course")
    return course


def _answer_pair() -> tuple[Any, Any]:
    """Two aliases of the answers table: an item's answer before, and the same item's after."""
    return aliased(EvaluationAnswer), aliased(EvaluationAnswer)


def _paired(user: User, before: Any, after: Any, *columns: Any) -> sa.Select:
    """``columns`` over each confidence item answered both before and after by one enrolment
    (``before`` and ``after`` from ``_answer_pair``), in this user's scope."""
    before_ev, after_ev = aliased(Evaluation), aliased(Evaluation)
    return _scoped(
        user,
        sa.select(*columns)
        .select_from(before)
        .join(before_ev, before_ev.id == before.evaluation_id)
        .join(
            after_ev,
            sa.and_(
                after_ev.enrolment_id == before_ev.enrolment_id,
                after_ev.kind == EvaluationKind.AFTER,
            ),
        )
        .join(after, sa.and_(after.evaluation_id == after_ev.id, after.item == before.item))
        .join(Enrolment, Enrolment.id == before_ev.enrolment_id)
        .join(CourseRun, CourseRun.id == Enrolment.run_id)
        .where(
            before_ev.kind == EvaluationKind.BEFORE,
            before_ev.submitted_at.is_not(None),
            after_ev.submitted_at.is_not(None),
        ),
    )


def _paired_confidence(user: User, course_id: uuid.UUID) -> list[ConfidenceChange]:
    before, after = _answer_pair()
    rows = db.session.execute(
        _paired(
            user,
            before,
            after,
            before.item,
            sa.func.count(),
            sa.func.avg(before.score),
            sa.func.avg(after.score),
        )
        .where(CourseRun.course_id == course_id)
        .group_by(before.item)
    )
    found = {item: (int(n), b, a) for item, n, b, a in rows}
    changes = []
    for item in CONFIDENCE_ITEMS:
        n, b, a = found.get(item.key, (0, None, None))
        changes.append(ConfidenceChange(item, n, _mean(b, n), _mean(a, n)))
    return changes


@dataclass(frozen=True)
class OverallChange:
    """Confidence across every course and item: for the dashboard."""

    trainees: int  # enrolments with both a before and an after evaluation
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)


def overall_change(user: User) -> OverallChange:
    """The mean confidence before and after, over all paired answers in this user's scope (hidden
    under ``MIN_RESPONSES`` trainees)."""
    before, after = _answer_pair()
    trainees, before_mean, after_mean = db.session.execute(
        _paired(
            user,
            before,
            after,
            sa.func.count(sa.distinct(Enrolment.id)),
            sa.func.avg(before.score),
            sa.func.avg(after.score),
        )
    ).one()
    n = int(trainees or 0)
    return OverallChange(n, _mean(before_mean, n), _mean(after_mean, n))


def _reactions(user: User, course_id: uuid.UUID) -> list[Reaction]:
    rows = db.session.execute(
        _scoped(
            user,
            _from_evaluations(
                EvaluationAnswer.item, sa.func.count(), sa.func.avg(EvaluationAnswer.score)
            )
            .join(EvaluationAnswer, EvaluationAnswer.evaluation_id == Evaluation.id)
            .where(
                CourseRun.course_id == course_id,
                Evaluation.kind == EvaluationKind.AFTER,
                EvaluationAnswer.item.in_([i.key for i in REACTION_ITEMS]),
            )
            .group_by(EvaluationAnswer.item),
        )
    )
    found = {item: (int(n), mean) for item, n, mean in rows}
    reactions = []
    for item in REACTION_ITEMS:
        n, mean = found.get(item.key, (0, None))
        reactions.append(Reaction(item, n, _mean(mean, n)))
    return reactions


def summary(user: User, course: Course) -> CourseSummary:
    """The course's evaluation summary as this user may see it (her agency's, for a lead)."""
    yes = sa.func.sum(sa.case((Evaluation.recognised_abuse.is_(True), 1), else_=0))
    responded = sa.func.sum(sa.case((Evaluation.responded_to_abuse.is_(True), 1), else_=0))
    n, recognised, did_respond = db.session.execute(
        _scoped(
            user,
            _from_evaluations(sa.func.count(), yes, responded).where(
                CourseRun.course_id == course.id,
                Evaluation.kind == EvaluationKind.FOLLOW_UP,
                Evaluation.submitted_at.is_not(None),
            ),
        )
    ).one()
    n = int(n or 0)
    rate_rows = db.session.execute(
        _scoped(
            user,
            _from_evaluations(
                Evaluation.kind,
                sa.func.count(Evaluation.invited_at),
                sa.func.count(Evaluation.submitted_at),
            )
            .where(CourseRun.course_id == course.id)
            .group_by(Evaluation.kind),
        )
    )
    by_kind = {EvaluationKind(k): (int(i), int(s)) for k, i, s in rate_rows}
    return CourseSummary(
        course=course,
        confidence=_paired_confidence(user, course.id),
        reactions=_reactions(user, course.id),
        follow_ups=n,
        recognised_percent=_percent(int(recognised or 0), n),
        responded_percent=_percent(int(did_respond or 0), n),
        rates=[ResponseRate(kind, *by_kind.get(kind, (0, 0))) for kind in EvaluationKind],
        runs=_runs(user, course.id),
    )


def _runs(user: User, course_id: uuid.UUID) -> list[tuple[uuid.UUID, date]]:
    rows = db.session.execute(
        _scoped(
            user,
            sa.select(CourseRun.id, CourseRun.starts_on)
            .join(Enrolment, Enrolment.run_id == CourseRun.id)
            .where(CourseRun.course_id == course_id, Enrolment.status.in_(WITH_EVALUATIONS))
            .group_by(CourseRun.id, CourseRun.starts_on)
            .order_by(CourseRun.starts_on.desc()),
        )
    )
    return [(run_id, starts_on) for run_id, starts_on in rows]


@dataclass(frozen=True)
class Comment:
    kind: EvaluationKind
    run_starts_on: object
    text: str

    @property
    def label(self) -> str:
        return KIND_WORDS[self.kind]


def read_comments(actor: User, course: Course) -> list[Comment]:
    """The course's written comments, for a coordinator; each evaluation read is audited (one
    commit)."""
    require(actor, Permission.RUN_TRAINING)
    evaluations = db.session.scalars(
        sa.select(Evaluation)
        .join(Enrolment, Enrolment.id == Evaluation.enrolment_id)
        .join(CourseRun, CourseRun.id == Enrolment.run_id)
        .where(
            CourseRun.course_id == course.id,
            Evaluation.submitted_at.is_not(None),
            Evaluation.kind != EvaluationKind.BEFORE,  # asks for no free text
        )
        .order_by(CourseRun.starts_on.desc(), Evaluation.submitted_at.desc())
    ).all()
    comments, read = [], []
    for evaluation in evaluations:
        text = evaluation.comments
        if text:
            comments.append(Comment(evaluation.kind, evaluation.enrolment.run.starts_on, text))
            read.append(
                Entry(
                    AuditAction.EVALUATION_COMMENTS_VIEWED,
                    actor,
                    "training_evaluation",
                    evaluation.id,
                )
            )
    audit.record_all(read)
    db.session.commit()
    return comments


@dataclass(frozen=True)
class EnrolmentResponses:
    """One enrolment of a run and where each of its evaluations stands."""

    enrolment_id: uuid.UUID
    trainee_name: str
    states: dict[EvaluationKind, str]  # "answered", "sent" or "not sent"


def run_responses(user: User, run_id: uuid.UUID) -> list[EnrolmentResponses]:
    """The run's enrolments in this user's scope (her agency's, for a lead), with the state of
    each evaluation: for chasing, and for entering paper questionnaires."""
    enrolments = db.session.scalars(
        _scoped(
            user,
            sa.select(Enrolment)
            .where(Enrolment.run_id == run_id, Enrolment.status.in_(WITH_EVALUATIONS))
            .order_by(Enrolment.created_at),
        )
    ).all()
    rows = db.session.execute(
        sa.select(Evaluation.enrolment_id, Evaluation.kind, Evaluation.submitted_at).where(
            Evaluation.enrolment_id.in_([e.id for e in enrolments])
        )
    )
    states: dict[uuid.UUID, dict[EvaluationKind, str]] = {}
    for enrolment_id, kind, submitted_at in rows:
        states.setdefault(enrolment_id, {})[EvaluationKind(kind)] = (
            "answered" if submitted_at is not None else "sent"
        )
    return sorted(
        (
            EnrolmentResponses(
                e.id,
                e.trainee.name,
                {k: states.get(e.id, {}).get(k, "not sent") for k in EvaluationKind},
            )
            for e in enrolments
        ),
        key=lambda row: row.trainee_name,
    )
