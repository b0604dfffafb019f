"""Evaluation pages: the trainee's questionnaire (public: her emailed link is the key) and the
per-course summaries for coordinators and agency training leads."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for

from .. import jobs
from ..accounts import actor
from ..exceptions import NotFound
from ..security.guard import public
from ..security.permissions import Permission, permission_required, protect
from ..security.ratelimit import rate_limited
from . import evaluation_items as bank
from . import evaluation_summaries as summaries
from . import evaluations, queries, refreshers
from .evaluation_forms import form_for
from .models import Course, EvaluationKind

# The questionnaire: no sign-in (trainees are not users); the token in the address is the key.
form_bp = Blueprint("evaluation_form", __name__, url_prefix="/training/evaluation")
# The summaries: agency training leads (their agency's) and coordinators (the partnership's).
bp = Blueprint("evaluations", __name__, url_prefix="/training/evaluations")
protect(bp, Permission.LEAD_TRAINING)


def init_app(app: Flask) -> None:
    """Register this part's blueprints, jobs and message templates."""
    app.register_blueprint(form_bp)
    app.register_blueprint(bp)
    evaluations.register_templates()
    refreshers.register_templates()
    every = app.config["TRAINING_CHECK_EVERY"]
    jobs.register("training.evaluation_invitations", evaluations.send_invitations, every=every)
    jobs.register("training.refresher_reminders", refreshers.send_reminders, every=every)


def _not_found() -> Any:
    return render_template("training/evaluations/link_not_found.html"), 404


def _already_sent() -> Any:
    # 404 as for an unknown link: the page says what happened, the status reveals nothing more.
    return render_template("training/evaluations/already_sent.html"), 404


@form_bp.route("/<token>", methods=["GET", "POST"])
@public
@rate_limited("public_lookup")
def respond(token: str) -> Any:
    try:
        opened = evaluations.open_evaluation(token)
    except evaluations.LinkNotFound:
        return _not_found()
    except evaluations.AlreadySent:
        return _already_sent()
    form = form_for(opened.kind)
    status = 200
    if form.validate_on_submit():
        try:
            evaluations.submit(token, form.answers())
        except evaluations.LinkNotFound:
            return _not_found()
        except evaluations.AlreadySent:
            return _already_sent()
        return render_template("training/evaluations/thank_you.html", kind=opened.kind)
    elif form.errors:
        status = 400
    return render_template(
        "training/evaluations/form.html",
        form=form,
        opened=opened,
        title=bank.TITLES[opened.kind],
        hint=bank.COMMENTS_HINT,
    ), status


def _course_or_404(course_id: uuid.UUID) -> Course:
    try:
        return summaries.get_course(course_id)
    except NotFound:
        abort(404)


@bp.route("/")
def index() -> str:
    return render_template(
        "training/evaluations/index.html", courses=summaries.courses_with_responses(actor())
    )


@bp.route("/<uuid:course_id>")
def course(course_id: uuid.UUID) -> str:
    found = _course_or_404(course_id)
    return render_template(
        "training/evaluations/course.html",
        summary=summaries.summary(actor(), found),
        min_responses=summaries.MIN_RESPONSES,
        shown_count=summaries.shown_count,
    )


@bp.route("/<uuid:course_id>/comments")
@permission_required(Permission.RUN_TRAINING)
def comments(course_id: uuid.UUID) -> str:
    found = _course_or_404(course_id)
    return render_template(
        "training/evaluations/comments.html",
        course=found,
        comments=summaries.read_comments(actor(), found),
    )


@bp.route("/runs/<uuid:run_id>")
def run(run_id: uuid.UUID) -> str:
    found = queries.get_run_or_404(actor(), run_id)
    return render_template(
        "training/evaluations/run.html",
        run=found,
        rows=summaries.run_responses(actor(), found.id),
        kinds=list(EvaluationKind),
        kind_words=bank.KIND_WORDS,
    )


@bp.route("/enrolments/<uuid:enrolment_id>/<kind>", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def record_paper(enrolment_id: uuid.UUID, kind: str) -> Any:
    """The coordinator types in a questionnaire the trainee filled in on paper."""
    enrolment = queries.get_enrolment_or_404(actor(), enrolment_id)
    try:
        evaluation_kind = EvaluationKind(kind)
    except ValueError:
        abort(404)
    back = url_for("evaluations.run", run_id=enrolment.run_id)
    form = form_for(evaluation_kind)
    status = 200
    if form.validate_on_submit():
        try:
            evaluations.record_on_paper(actor(), enrolment, evaluation_kind, form.answers())
        except evaluations.AlreadySent:
            flash(f"{enrolment.trainee.name}'s evaluation had already been sent", "info")
        else:
            flash(f"Evaluation recorded for {enrolment.trainee.name}", "success")
        return redirect(back)
    elif form.errors:
        status = 400
    return render_template(
        "training/evaluations/paper.html",
        form=form,
        enrolment=enrolment,
        title=bank.KIND_WORDS[evaluation_kind],
        hint=bank.COMMENTS_HINT,
        back=back,
    ), status
