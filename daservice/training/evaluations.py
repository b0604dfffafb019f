"""Course evaluations: the jobs' invitations, and a trainee's submission through her link.

Each questionnaire is an ``Evaluation`` row made when its invitation is sent, holding the digest of
a single-use token (``security.tokens``); the token itself is only in the email, which the outbox
forgets once sent (a ``secret`` template). Trainees need not sign in, so the link is the only key:
it opens that one questionnaire, once. The summaries a coordinator reads are in
``evaluation_summaries``.

When each is sent (``send_invitations``, the job ``training.evaluation_invitations``):

- **before**: a booked enrolment whose run starts within ``BEFORE_NOTICE`` (or has started) and
  whose last session has not yet ended;
- **after**: once the run's last session has ended and the registers say she attended, wholly or
  partly (or she has completed already, on a course that does not require the evaluation);
- **follow-up**: ``EVALUATION_FOLLOW_UP_AFTER`` after her completion.

An invitation that falls due more than ``TOO_LATE`` ago is not sent (a first run of the job, or
history loaded from elsewhere, must not email people about courses long past). The unique
(enrolment, kind) key makes each invitation once only, whoever runs the job and how often.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import audit, notify
from ..audit import AuditAction
from ..extensions import db, utcnow
from ..security import tokens
from ..uk_time import uk_date, uk_today
from . import completion
from .evaluation_items import LIKERT, likert_items
from .models import (
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    EvaluationAnswer,
    EvaluationKind,
    RunStatus,
    SessionStatus,
    Trainee,
    TrainingSession,
)

logger = logging.getLogger("daservice.training")

BEFORE_NOTICE = timedelta(days=7)
TOO_LATE = timedelta(days=30)
FORM_PATH = "/training/evaluation/"

TEMPLATES: dict[EvaluationKind, str] = {
    EvaluationKind.BEFORE: "training.evaluation_before",
    EvaluationKind.AFTER: "training.evaluation_after",
    EvaluationKind.FOLLOW_UP: "training.evaluation_follow_up",
}


def register_templates() -> None:
    """The three invitations. The link is a secret parameter: the outbox forgets it once sent."""
    notify.register_template(
        TEMPLATES[EvaluationKind.BEFORE],
        subject="Before your course: {course}",
        body="You are booked on {course}, starting on {date}. Before it starts, please tell us "
        "how confident you feel now. It takes about 2 minutes, and you do not need to sign in:"
        "\n\n{link}\n\nWe ask the same questions at the end of the course, so we can see what "
        "the training changed. The link works once.",
        secret=True,
    )
    notify.register_template(
        TEMPLATES[EvaluationKind.AFTER],
        subject="How was your course? {course}",
        body="Thank you for coming to {course}, which ended on {date}. Please tell us how "
        "confident you feel now and what you thought of the course. It takes about 3 minutes, "
        "and you do not need to sign in:\n\n{link}\n\n"
        "If your course asks for this questionnaire, sending it is one of its requirements. "
        "Your certificate is issued once you have met all of them, such as attending enough "
        "of the course. The link works once.",
        secret=True,
    )
    notify.register_template(
        TEMPLATES[EvaluationKind.FOLLOW_UP],
        subject="Since your course: {course}",
        body="You completed {course} on {date}. Has it made a difference to your work since? "
        "Please answer 2 short questions. You do not need to sign in:\n\n{link}\n\n"
        "The link works once.",
        secret=True,
    )


# --- Invitations (the job) ----------------------------------------------------------------------


def _last_session_ends() -> Any:
    """Subquery: each run's last scheduled session's end."""
    return (
        sa.select(
            TrainingSession.run_id.label("run_id"),
            sa.func.max(TrainingSession.ends_at).label("ends_at"),
        )
        .where(TrainingSession.status == SessionStatus.SCHEDULED)
        .group_by(TrainingSession.run_id)
        .subquery()
    )


def _not_invited(kind: EvaluationKind) -> Any:
    return ~sa.exists().where(Evaluation.enrolment_id == Enrolment.id, Evaluation.kind == kind)


def due_invitations(now: datetime, today: date) -> list[tuple[Enrolment, EvaluationKind, date]]:
    """The enrolments owed an invitation now, with the kind and the date the message names."""
    ends = _last_session_ends()
    base = (
        sa.select(Enrolment, ends.c.ends_at)
        .join(CourseRun, CourseRun.id == Enrolment.run_id)
        .join(ends, ends.c.run_id == CourseRun.id)
        .join(Trainee, Trainee.id == Enrolment.trainee_id)
        .where(CourseRun.status != RunStatus.CANCELLED, Trainee.active.is_(True))
    )
    due: list[tuple[Enrolment, EvaluationKind, date]] = []
    before = base.where(
        Enrolment.status == EnrolmentStatus.BOOKED,
        CourseRun.starts_on <= today + BEFORE_NOTICE,
        ends.c.ends_at > now,
        _not_invited(EvaluationKind.BEFORE),
    )
    due += [(e, EvaluationKind.BEFORE, e.run.starts_on) for e, _ in db.session.execute(before)]
    after = base.where(
        Enrolment.status.in_(
            (
                EnrolmentStatus.ATTENDED,
                EnrolmentStatus.PARTIALLY_ATTENDED,
                EnrolmentStatus.COMPLETED,
            )
        ),
        ends.c.ends_at <= now,
        ends.c.ends_at > now - TOO_LATE,
        _not_invited(EvaluationKind.AFTER),
    )
    due += [(e, EvaluationKind.AFTER, uk_today(ended)) for e, ended in db.session.execute(after)]
    follow_up_after = current_app.config["EVALUATION_FOLLOW_UP_AFTER"]
    follow_up = base.where(
        Enrolment.status == EnrolmentStatus.COMPLETED,
        Enrolment.completed_on <= today - follow_up_after,
        Enrolment.completed_on > today - follow_up_after - TOO_LATE,
        _not_invited(EvaluationKind.FOLLOW_UP),
    )
    due += [(e, EvaluationKind.FOLLOW_UP, e.completed_on) for e, _ in db.session.execute(follow_up)]
    return due


def _link(token: str) -> str:
    """SERVICE_URL from configuration, never the request's Host (as ``accounts.setup_links``)."""
    return str(current_app.config.get("SERVICE_URL") or "").rstrip("/") + FORM_PATH + token


def invite(enrolment: Enrolment, kind: EvaluationKind, named_date: date) -> None:
    """Make the evaluation with a fresh single-use token and email its link, in the caller's
    transaction."""
    token = tokens.new_token()
    db.session.add(
        Evaluation(
            enrolment_id=enrolment.id,
            kind=kind,
            token_hash=tokens.hash_token(token),
            invited_at=utcnow(),
        )
    )
    notify.enqueue(
        TEMPLATES[kind],
        to=enrolment.trainee.work_email,
        params={
            "course": enrolment.run.course.title,
            "date": uk_date(named_date),
            "link": _link(token),
        },
    )


def send_invitations(now: datetime | None = None) -> str:
    """The job: invite everyone owed an evaluation, once each, in one transaction."""
    now = now or utcnow()
    due = due_invitations(now, uk_today(now))
    for enrolment, kind, named_date in due:
        invite(enrolment, kind, named_date)
    db.session.commit()
    return f"{len(due)} evaluation invitations"


# --- The trainee's submission --------------------------------------------------------------------


class LinkNotFound(Exception):
    """No evaluation has this token."""


class AlreadySent(Exception):
    """The evaluation was submitted already (the link worked once)."""


@dataclass(frozen=True)
class OpenEvaluation:
    """What the form needs to know: which questionnaire, for which course."""

    id: uuid.UUID
    kind: EvaluationKind
    course_title: str
    run_starts_on: date


def _by_token(token: str) -> Evaluation:
    # A token is a URL segment anyone can type: anything too long to be ours is simply unknown.
    if not token or len(token) > 100:
        raise LinkNotFound
    found = db.session.scalar(
        sa.select(Evaluation).where(Evaluation.token_hash == tokens.hash_token(token))
    )
    if found is None:
        raise LinkNotFound
    return found


def open_evaluation(token: str) -> OpenEvaluation:
    """The questionnaire a link opens; ``LinkNotFound`` or ``AlreadySent`` if it opens none."""
    evaluation = _by_token(token)
    if evaluation.submitted_at is not None:
        raise AlreadySent
    run = evaluation.enrolment.run
    return OpenEvaluation(evaluation.id, evaluation.kind, run.course.title, run.starts_on)


@dataclass(frozen=True)
class Answers:
    """A validated submission: Likert scores by item key, the follow-up's yes/no answers and the
    free text (protected)."""

    scores: dict[str, int]
    recognised_abuse: bool | None = None
    responded_to_abuse: bool | None = None
    comments: str = ""


def _check(kind: EvaluationKind, answers: Answers) -> None:
    expected = {item.key for item in likert_items(kind)}
    scores = answers.scores
    if set(scores) != expected or any(s not in LIKERT for s in scores.values()):
        raise ValueError("the answers do not match the questionnaire")
    is_follow_up = kind is EvaluationKind.FOLLOW_UP
    if is_follow_up != (answers.recognised_abuse is not None) or is_follow_up != (
        answers.responded_to_abuse is not None
    ):
        raise ValueError("the follow-up questions are answered in a follow-up only")


def _record(evaluation: Evaluation, answers: Answers, actor: Any) -> None:
    """Write the answers of an evaluation just claimed, audit it, and complete the enrolment if
    this was the end-of-course evaluation and the rest of the rule is met."""
    _check(evaluation.kind, answers)
    for key, score in answers.scores.items():
        db.session.add(EvaluationAnswer(evaluation_id=evaluation.id, item=key, score=score))
    evaluation.recognised_abuse = answers.recognised_abuse
    evaluation.responded_to_abuse = answers.responded_to_abuse
    evaluation.comments = answers.comments.strip() or None
    audit.record(
        AuditAction.EVALUATION_SUBMITTED,
        actor=actor,
        target_type="training_evaluation",
        target_id=evaluation.id,
    )
    if evaluation.kind is EvaluationKind.AFTER:
        db.session.flush()
        completion.complete_if_due(evaluation.enrolment, actor=actor)


def submit(token: str, answers: Answers) -> None:
    """Submit through the emailed link: claims it once (a second submission, even one racing this
    one, gets ``AlreadySent``), in one transaction with the answers and any completion."""
    evaluation = _by_token(token)
    if not tokens.claim_once(Evaluation.submitted_at, Evaluation.id == evaluation.id):
        db.session.rollback()
        raise AlreadySent
    try:
        _record(evaluation, answers, actor=None)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()


def record_on_paper(
    actor: Any, enrolment: Enrolment, kind: EvaluationKind, answers: Answers
) -> None:
    """A coordinator enters a questionnaire the trainee filled in on paper: into the invitation's
    row if one was sent (its link then no longer works), or a new row without a link. Claimed
    once like a link, so paper and link cannot both count; one transaction, audited as the
    coordinator."""
    evaluation = db.session.scalar(
        sa.select(Evaluation).where(
            Evaluation.enrolment_id == enrolment.id, Evaluation.kind == kind
        )
    )
    if evaluation is None:
        evaluation = Evaluation(enrolment_id=enrolment.id, kind=kind)
        db.session.add(evaluation)
        db.session.flush()
    if not tokens.claim_once(Evaluation.submitted_at, Evaluation.id == evaluation.id):
        db.session.rollback()
        raise AlreadySent
    try:
        _record(evaluation, answers, actor=actor)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
