"""Pages for course runs, sessions, enrolment, requests, registers and "Your training".

Thin: each view parses a form, calls one use case (``runs``, ``enrolment``, ``registers``) and
renders or redirects. A refusal (``Refused``, ``InvalidTransition``) is shown as a message, never
an error page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..accounts import actor
from ..exceptions import InvalidTransition
from ..security.permissions import Permission, permission_required
from ..uk_time import uk_clock
from . import enrolment, queries, registers, run_messages, runs
from .models import STATUS_WORDS, EnrolmentStatus, Mark, RunStatus, SessionStatus
from .run_forms import (
    ConfirmForm,
    EnrolForm,
    NewRunForm,
    OptionalReasonForm,
    ReasonForm,
    RunDetailsForm,
    ScoreForm,
    SessionFields,
)
from .runs import Refused

MAX_WITHIN_DAYS = 366  # ?within= beyond a year is treated as no filter

bp = Blueprint("training_runs", __name__, url_prefix="/training")

REFUSALS = (Refused, InvalidTransition)


def init_app(app: Flask) -> None:
    """Register the runs pages and the messages trainees and leads are sent."""
    run_messages.register_templates()
    app.register_blueprint(bp)
    app.jinja_env.filters.setdefault("uk_clock", uk_clock)


def _to_run(run_id: uuid.UUID) -> Response:
    return redirect(url_for("training_runs.detail", run_id=run_id))


def _attempt(change: Callable[[], str], then: Callable[[], Response]) -> Response:
    """Make the change, flash what happened (or why it was refused) and go on."""
    try:
        flash(change(), "success")
    except REFUSALS as refused:
        flash(str(refused), "error")
    return then()


# --- Runs -------------------------------------------------------------------------------------


@bp.route("/runs/")
@permission_required(Permission.LEAD_TRAINING)
def index() -> str:
    # ?within=14: only the runs starting in the next 14 days (the home page's links), no past runs.
    within = request.args.get("within", type=int)
    if within is not None and not 0 <= within <= MAX_WITHIN_DAYS:
        within = None
    return render_template(
        "training/runs/index.html",
        upcoming=runs.upcoming(within_days=within),
        past=[] if within is not None else runs.past_and_cancelled(),
        past_shown=runs.PAST_SHOWN,
        within=within,
        requests_waiting=enrolment.requests_waiting(actor()),
    )


@bp.route("/runs/new", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def new() -> Any:
    form = NewRunForm()
    courses = runs.active_courses()
    form.course.choices = [(str(c.id), c.title) for c in courses]
    if form.validate_on_submit():
        try:
            run = runs.create_run(
                actor(), form.run_input(uuid.UUID(form.course.data)), form.session_input()
            )
        except Refused as refused:
            form.form_errors.append(str(refused))
        else:
            flash("Run created", "success")
            return _to_run(run.id)
    return render_template("training/runs/new.html", form=form, courses=courses)


@bp.route("/runs/<uuid:run_id>")
@permission_required(Permission.LEAD_TRAINING)
def detail(run_id: uuid.UUID, score_errors: dict[uuid.UUID, tuple[str, str]] | None = None) -> Any:
    user = actor()
    page = runs.run_page(user, run_id)
    return render_template(
        "training/runs/detail.html",
        page=page,
        run=page.run,
        S=EnrolmentStatus,
        RunStatus=RunStatus,
        SessionStatus=SessionStatus,
        words=STATUS_WORDS,
        dates_of=run_messages.dates_of,
        action=ConfirmForm(),
        score_form=ScoreForm(formdata=None),
        score_errors=score_errors or {},
        coordinator=queries.sees_whole_partnership(user),
        now=datetime.now(UTC),  # a session's register is offered once it has started
    ), 400 if score_errors else 200


@bp.route("/runs/<uuid:run_id>/change", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def change(run_id: uuid.UUID) -> Any:
    run = queries.get_run_or_404(actor(), run_id)
    form = RunDetailsForm(obj=None if request.method == "POST" else run)
    if request.method == "GET":
        form.capacity.data = str(run.capacity)
    if form.validate_on_submit():
        try:
            runs.change_run(actor(), run_id, form.run_input(run.course_id))
        except REFUSALS as refused:
            form.capacity.errors = [str(refused)]
        else:
            flash("Run changed", "success")
            return _to_run(run_id)
    return render_template("training/runs/change.html", form=form, run=run)


@bp.route("/runs/<uuid:run_id>/cancel", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def cancel(run_id: uuid.UUID) -> Any:
    run = queries.get_run_or_404(actor(), run_id)
    form = ReasonForm()
    if form.validate_on_submit():

        def change() -> str:
            count = runs.cancel_run(actor(), run_id, form.reason.data)
            return f"Run cancelled. {count} {'person was' if count == 1 else 'people were'} told"

        return _attempt(change, lambda: _to_run(run_id))
    return render_template(
        "training/runs/reason.html",
        form=form,
        run=run,
        title="Cancel this run",
        label="Why is the run cancelled?",
        hint="Everyone booked, waiting or asking for a place is told the run is cancelled. "
        "They are not told the reason.",
        button="Cancel run",
    )


# --- Sessions ---------------------------------------------------------------------------------


@bp.route("/runs/<uuid:run_id>/sessions/new", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def add_session(run_id: uuid.UUID) -> Any:
    run = queries.get_run_or_404(actor(), run_id)
    form = SessionFields()
    if form.validate_on_submit():
        try:
            runs.add_session(actor(), run_id, form.session_input())
        except REFUSALS as refused:
            form.form_errors.append(str(refused))
        else:
            flash("Session added", "success")
            return _to_run(run_id)
    return render_template("training/runs/session.html", form=form, run=run, title="Add a session")


@bp.route("/runs/sessions/<uuid:session_id>/change", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def change_session(session_id: uuid.UUID) -> Any:
    session = queries.get_session_or_404(actor(), session_id)
    form = SessionFields()
    if not form.is_submitted():
        form.fill_from(session)
    elif form.validate():
        try:
            runs.change_session(actor(), session_id, form.session_input())
        except REFUSALS as refused:
            form.form_errors.append(str(refused))
        else:
            flash("Session changed", "success")
            return _to_run(session.run_id)
    return render_template(
        "training/runs/session.html", form=form, run=session.run, title="Change a session"
    )


@bp.route("/runs/sessions/<uuid:session_id>/cancel", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def cancel_session(session_id: uuid.UUID) -> Any:
    session = queries.get_session_or_404(actor(), session_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return _attempt(
            lambda: runs.cancel_session(actor(), session_id) and "Session cancelled",
            lambda: _to_run(session.run_id),
        )
    return render_template("training/runs/cancel_session.html", form=form, session=session)


# --- Registers --------------------------------------------------------------------------------


@bp.route("/runs/sessions/<uuid:session_id>/register", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def register(session_id: uuid.UUID) -> Any:
    user = actor()
    try:
        sheet = registers.register(user, session_id)
    except REFUSALS as refused:
        flash(str(refused), "error")
        return _to_run(queries.get_session_or_404(user, session_id).run_id)
    form = ConfirmForm()
    typed: dict[uuid.UUID, str] = {line.enrolment.id: line.mark or "" for line in sheet.lines}
    errors: dict[uuid.UUID, str] = {}
    # A register saved already is not overwritten at one click: "Mark everyone present" fills the
    # form for the coordinator to check, and Save register saves it.
    saved_before = any(line.mark for line in sheet.lines)
    filled = False
    if form.validate_on_submit() and saved_before and "all_present" in request.form:
        typed = {line.enrolment.id: Mark.PRESENT.value for line in sheet.lines}
        filled = True
    elif form.validate_on_submit():
        everyone = "all_present" in request.form
        marks: dict[uuid.UUID, Mark] = {}
        for line in sheet.lines:
            value = "present" if everyone else request.form.get(f"mark-{line.enrolment.id}", "")
            typed[line.enrolment.id] = value
            if value in Mark.__members__.values():
                marks[line.enrolment.id] = Mark(value)
            else:
                errors[line.enrolment.id] = (
                    f"Select whether {line.enrolment.trainee.name} was present, late, absent "
                    "or excused"
                )
        if not errors:
            try:
                saved = registers.save(user, session_id, marks)
            except REFUSALS as refused:
                flash(str(refused), "error")
            else:
                issued = len(saved.certificates)
                flash(
                    "Register saved"
                    + (
                        f". {issued} {'certificate' if issued == 1 else 'certificates'} issued"
                        if issued
                        else ""
                    ),
                    "success",
                )
                return _to_run(sheet.training_session.run_id)
    return render_template(
        "training/runs/register.html",
        sheet=sheet,
        form=form,
        typed=typed,
        errors=errors,
        mark_words=registers.MARK_WORDS,
        saved_before=saved_before,
        filled=filled,
    ), 400 if errors else 200


@bp.route("/runs/enrolments/<uuid:enrolment_id>/score", methods=["POST"])
@permission_required(Permission.RUN_TRAINING)
def score(enrolment_id: uuid.UUID) -> Any:
    user = actor()
    found = queries.get_enrolment_or_404(user, enrolment_id)
    form = ScoreForm()
    if not form.validate_on_submit():
        message = form.score.errors[0] if form.score.errors else "Enter the score"
        return detail(found.run_id, score_errors={enrolment_id: (form.score.data or "", message)})

    def change() -> str:
        certificate = registers.record_score(user, enrolment_id, int(form.score.data))
        return "Score saved" + (". Certificate issued" if certificate else "")

    return _attempt(change, lambda: _to_run(found.run_id))


# --- Enrolment --------------------------------------------------------------------------------


@bp.route("/runs/<uuid:run_id>/enrol", methods=["GET", "POST"])
@permission_required(Permission.LEAD_TRAINING)
def enrol(run_id: uuid.UUID) -> Any:
    user = actor()
    run = queries.get_run_or_404(user, run_id)
    staff = enrolment.staff_to_enrol(user, run_id)
    form = EnrolForm()
    form.trainee.choices = [("", "Select a member of staff")] + [
        (
            str(t.id),
            f"{t.name} ({t.agency.name})" if queries.sees_whole_partnership(user) else t.name,
        )
        for t in staff
    ]
    form.trainee.validate_choice = False  # someone else's staff is a 404 from the use case
    if form.validate_on_submit():
        try:
            outcome = enrolment.enrol(user, run_id, uuid.UUID(form.trainee.data))
        except REFUSALS as refused:
            form.trainee.errors = [str(refused)]
        else:
            flash(outcome.message(), "success")
            return _to_run(run_id)
    return render_template("training/runs/enrol.html", form=form, run=run, staff=staff)


@bp.route("/runs/enrolments/<uuid:enrolment_id>/cancel", methods=["GET", "POST"])
@permission_required(Permission.REQUEST_TRAINING)
def cancel_enrolment(enrolment_id: uuid.UUID) -> Any:
    user = actor()
    found = queries.get_enrolment_or_404(user, enrolment_id)
    own = found.trainee.user_id == user.id
    back = (
        (lambda: redirect(url_for("training_runs.mine")))
        if own
        else (lambda: _to_run(found.run_id))
    )
    withdrawing = own and found.status is EnrolmentStatus.REQUESTED
    form = OptionalReasonForm()
    if form.validate_on_submit():

        def change() -> str:
            promoted = enrolment.cancel(user, enrolment_id, form.reason.data or "")
            told = "".join(f". {p.trainee.name} is booked from the waiting list" for p in promoted)
            return "Request withdrawn" if withdrawing else f"Place cancelled{told}"

        return _attempt(change, back)
    if withdrawing:  # not approved yet: there is no place to cancel, only a request
        title, label, button = (
            "Withdraw your request",
            "Why are you withdrawing it? (optional)",
            "Withdraw request",
        )
        hint = "Your training lead will not need to decide on it."
    else:
        title = f"Cancel {'your' if own else found.trainee.name + '’s'} place"
        label, button = "Why is the place cancelled? (optional)", "Cancel place"
        hint = "If someone is on the waiting list, the first of them gets the place and is told."
    return render_template(
        "training/runs/reason.html",
        form=form,
        run=found.run,
        title=title,
        label=label,
        hint=hint,
        button=button,
        back_href=url_for("training_runs.mine") if own else None,
    )


@bp.route("/runs/enrolments/<uuid:enrolment_id>/book", methods=["POST"])
@permission_required(Permission.RUN_TRAINING)
def book_waitlisted(enrolment_id: uuid.UUID) -> Response:
    user = actor()
    found = queries.get_enrolment_or_404(user, enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _attempt(
        lambda: enrolment.book_from_waitlist(user, enrolment_id).trainee.name + " is booked",
        lambda: _to_run(found.run_id),
    )


# --- Requests ---------------------------------------------------------------------------------


@bp.route("/runs/<uuid:run_id>/request", methods=["POST"])
@permission_required(Permission.REQUEST_TRAINING)
def ask(run_id: uuid.UUID) -> Response:
    queries.get_run_or_404(actor(), run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _attempt(
        lambda: (
            enrolment.request_place(actor(), run_id)
            and "Request sent. Your training lead will approve or decline it"
        ),
        lambda: redirect(url_for("training_runs.mine")),
    )


@bp.route("/requests")
@permission_required(Permission.LEAD_TRAINING)
def requests() -> str:
    return render_template(
        "training/runs/requests.html",
        waiting=enrolment.requests_to_approve(actor()),
        dates_of=run_messages.dates_of,
        action=ConfirmForm(),
    )


@bp.route("/requests/<uuid:enrolment_id>/approve", methods=["POST"])
@permission_required(Permission.LEAD_TRAINING)
def approve(enrolment_id: uuid.UUID) -> Response:
    user = actor()
    queries.get_enrolment_or_404(user, enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _attempt(
        lambda: "Request approved. " + enrolment.approve(user, enrolment_id).message(),
        lambda: redirect(url_for("training_runs.requests")),
    )


@bp.route("/requests/<uuid:enrolment_id>/decline", methods=["GET", "POST"])
@permission_required(Permission.LEAD_TRAINING)
def decline(enrolment_id: uuid.UUID) -> Any:
    user = actor()
    found = queries.get_enrolment_or_404(user, enrolment_id)
    form = ReasonForm()
    if form.validate_on_submit():
        return _attempt(
            lambda: enrolment.decline(user, enrolment_id, form.reason.data) and "Request declined",
            lambda: redirect(url_for("training_runs.requests")),
        )
    return render_template(
        "training/runs/reason.html",
        form=form,
        run=found.run,
        title=f"Decline {found.trainee.name}’s request",
        label="Why are you declining the request?",
        hint="They will see this reason on their training page.",
        button="Decline request",
        back_href=url_for("training_runs.requests"),
    )


# --- Your training ----------------------------------------------------------------------------


@bp.route("/mine")
@permission_required(Permission.REQUEST_TRAINING)
def mine() -> str:
    user = actor()
    on = enrolment.my_run_ids(user)
    return render_template(
        "training/runs/mine.html",
        mine=enrolment.my_training(user),
        available=[row for row in runs.upcoming() if row.run.id not in on],
        words=STATUS_WORDS,
        S=EnrolmentStatus,
        dates_of=run_messages.dates_of,
        action=ConfirmForm(),
    )
