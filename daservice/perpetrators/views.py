"""Programme workers' pages: her agency's programmes, the placements on each, one placement's
pipeline, and a placement made directly. What a page shows comes from ``pages`` (scoped by
``queries``: a 404 for anyone else); changes go through ``placements``."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from ..accounts import actor
from ..exceptions import InvalidTransition
from ..security.permissions import Permission, protect
from ..uk_time import uk_today
from . import (
    disruption,
    follow_ups,
    pages,
    partner_support,
    placements,
    programmes,
    queries,
    risk,
    sessions,
)
from .forms import (
    DirectPlacementForm,
    DisruptionForm,
    FollowUpForm,
    MoveForm,
    ProgrammeForm,
    RiskReviewForm,
    SessionForm,
)
from .models import Attendance, Programme, SessionKind, Source, Stage
from .refusals import Refused

bp = Blueprint("programmes", __name__, url_prefix="/programmes")
protect(bp, Permission.RUN_PROGRAMMES)
# The victim's IDVA or outreach worker: what she is told of his programme (partner support).
partner_bp = Blueprint("partner_support", __name__, url_prefix="/partner-support")
protect(partner_bp, Permission.WORK_ROUTES)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(partner_bp)


@partner_bp.route("/", methods=["GET", "POST"])
def partner_updates() -> Any:
    user = actor()
    form = FlaskForm()
    if form.validate_on_submit():
        ids = [_uuid_or_none(v) for v in request.form.getlist("event")]
        read = partner_support.mark_read(user, [i for i in ids if i is not None])
        flash(f"Marked {read} {'update' if read == 1 else 'updates'} as read", "success")
        return redirect(url_for("partner_support.partner_updates"))
    return render_template(
        "perpetrators/partner_updates.html", updates=partner_support.updates(user), form=form
    )


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


@bp.route("/")
def index() -> str:
    user = actor()
    return render_template(
        "perpetrators/index.html", rows=pages.programmes(user), due=pages.follow_ups_due(user)
    )


@bp.route("/new", methods=["GET", "POST"])
def new_programme() -> Any:
    return _edit(None)


@bp.route("/<uuid:programme_id>/edit", methods=["GET", "POST"])
def edit_programme(programme_id: uuid.UUID) -> Any:
    return _edit(queries.programme_for(actor(), programme_id))


def _edit(programme: Programme | None) -> Any:
    user = actor()
    form = ProgrammeForm()
    form.service.choices = [("", "None: placements are made here only")] + [
        (str(s.id), s.name) for s in programmes.services_for(user)
    ]
    if not form.is_submitted() and programme is not None:
        form.process(
            data={
                "name": programme.name,
                "kind": programme.kind.value,
                "accredited": "yes" if programme.accredited else "no",
                "capacity": programme.capacity,
                "eligibility": programme.eligibility,
                "status": programme.status.value,
                "service": str(programme.service_id or ""),
            }
        )
    if form.validate_on_submit():
        try:
            saved = programmes.save_programme(user, programme, form.programme_input())
        except Refused as refused:
            _show(form, refused.errors)
        else:
            flash(f"Saved {saved.name}", "success")
            return redirect(url_for("programmes.programme", programme_id=saved.id))
    return render_template("perpetrators/programme_form.html", form=form, programme=programme), (
        400 if form.errors else 200
    )


@bp.route("/<uuid:programme_id>")
def programme(programme_id: uuid.UUID) -> str:
    return render_template(
        "perpetrators/programme.html", page=pages.programme(actor(), programme_id)
    )


@bp.route("/<uuid:programme_id>/placements/new", methods=["GET", "POST"])
def new_placement(programme_id: uuid.UUID) -> Any:
    user = actor()
    found = queries.programme_for(user, programme_id)
    form = DirectPlacementForm()
    if form.validate_on_submit():
        data = placements.DirectPlacement(
            source=Source(form.source.data),
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            date_of_birth=form.date_of_birth.data,
        )
        try:
            made = placements.place_directly(user, found, data)
        except Refused as refused:
            _show(form, refused.errors)
        else:
            flash("Placement made", "success")
            return redirect(url_for("programmes.placement", placement_id=made.id))
    return render_template("perpetrators/new_placement.html", form=form, programme=found), (
        400 if form.errors else 200
    )


@bp.route("/placements/<uuid:placement_id>", methods=["GET", "POST"])
def placement(placement_id: uuid.UUID) -> Any:
    user = actor()
    found = queries.placement_for(user, placement_id)
    form: MoveForm | None = None
    if not found.stage.ended:
        form = MoveForm()
        form.offer(found.stage)
        if form.validate_on_submit() and form.expected_stage() is None:
            form.form_errors.append("This page was out of date: check the placement and try again")
        elif form.is_submitted() and not form.errors:
            try:
                placements.move(
                    user,
                    found,
                    Stage(form.stage.data),
                    reason=form.chosen_reason(),
                    detail=form.detail.data or "",
                    expected=form.expected_stage(),
                )
            except Refused as refused:
                _show(form, refused.errors)
            except InvalidTransition as refused:
                form.stage.errors = [str(refused)]
            else:
                flash(f"Saved: {found.stage.label.lower()}", "success")
                return redirect(url_for("programmes.placement", placement_id=found.id))
    shown = pages.placement(user, found)
    return render_template(
        "perpetrators/placement.html",
        placement=shown.placement,
        attendance=shown.attendance,
        follow_ups=follow_ups.of(found),
        today=uk_today(),
        form=form,
    ), (400 if form is not None and form.errors else 200)


@bp.route("/placements/<uuid:placement_id>/risk-reviews/new", methods=["GET", "POST"])
def new_risk_review(placement_id: uuid.UUID) -> Any:
    user = actor()
    found = queries.placement_for(user, placement_id)
    form = RiskReviewForm()
    if form.validate_on_submit():
        try:
            made = risk.review(user, found, form.review_input())
        except Refused as refused:
            _show(form, refused.errors)
        else:
            flash("Risk review saved" + (": the risk has risen" if made.rose else ""), "success")
            return redirect(url_for("programmes.placement", placement_id=found.id))
    return render_template("perpetrators/risk_review.html", form=form, placement=found), (
        400 if form.errors else 200
    )


@bp.route("/placements/<uuid:placement_id>/disruption/new", methods=["GET", "POST"])
def new_disruption(placement_id: uuid.UUID) -> Any:
    user = actor()
    found = queries.placement_for(user, placement_id)
    form = DisruptionForm()
    form.agency.choices = [("", "Select an agency")] + [
        (str(a.id), a.name) for a in disruption.agencies()
    ]
    if form.validate_on_submit():
        try:
            disruption.record(user, found, form.disruption_input())
        except Refused as refused:
            _show(form, refused.errors)
        else:
            flash("Disruption action saved", "success")
            return redirect(url_for("programmes.placement", placement_id=found.id))
    return render_template("perpetrators/disruption.html", form=form, placement=found), (
        400 if form.errors else 200
    )


@bp.route("/<uuid:programme_id>/sessions/new", methods=["GET", "POST"])
def new_session(programme_id: uuid.UUID) -> Any:
    user = actor()
    found = queries.programme_for(user, programme_id)
    form = SessionForm()
    form.placement.choices = [("", "Select a man (one-to-one only)")] + [
        (str(p.id), f"{p.person.first_name} {p.person.last_name}, {p.stage.label.lower()}")
        for p in pages.open_placements(user, found)
    ]
    if not form.is_submitted() and request.args.get("placement"):
        form.process(
            data={"kind": SessionKind.ONE_TO_ONE.value, "placement": request.args["placement"]}
        )
    if form.validate_on_submit():
        try:
            made = sessions.add_session(user, found, form.session_input())
        except Refused as refused:
            _show(form, refused.errors)
        else:
            flash("Session added", "success")
            return redirect(url_for("programmes.register", session_id=made.id))
    return render_template("perpetrators/new_session.html", form=form, programme=found), (
        400 if form.errors else 200
    )


@bp.route("/sessions/<uuid:session_id>/register", methods=["GET", "POST"])
def register(session_id: uuid.UUID) -> Any:
    user = actor()
    session = queries.session_for(user, session_id)
    sheet = sessions.register(user, session)
    form = FlaskForm()
    typed = {
        line.placement.id: sessions.LineInput(
            line.row.mark if line.row else None,
            line.row.concern_raised if line.row else False,
            (line.row.concern or "") if line.row else "",
        )
        for line in sheet.lines
    }
    notes = session.notes or ""
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        typed = {
            line.placement.id: sessions.LineInput(
                next(
                    (
                        m
                        for m in Attendance
                        if m.value == request.form.get(f"mark-{line.placement.id}")
                    ),
                    None,
                ),
                request.form.get(f"concern_raised-{line.placement.id}") == "yes",
                request.form.get(f"concern-{line.placement.id}", ""),
            )
            for line in sheet.lines
        }
        notes = request.form.get("notes", "")
        try:
            saved = sessions.save_register(user, session, typed, notes)
        except Refused as refused:
            errors = refused.errors
        else:
            flash(f"Register saved: {saved} {'man' if saved == 1 else 'men'}", "success")
            return redirect(url_for("programmes.programme", programme_id=session.programme_id))
    return render_template(
        "perpetrators/register.html",
        sheet=sheet,
        form=form,
        typed=typed,
        notes=notes,
        errors=errors,
        marks=list(Attendance),
    ), (400 if errors else 200)


@bp.route("/follow-ups/<uuid:follow_up_id>", methods=["GET", "POST"])
def follow_up(follow_up_id: uuid.UUID) -> Any:
    user = actor()
    found = queries.follow_up_for(user, follow_up_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            follow_ups.record(user, found, form.follow_up_input())
        except Refused as refused:
            _show(form, refused.errors)
        else:
            flash(f"{found.label} saved", "success")
            return redirect(url_for("programmes.placement", placement_id=found.placement_id))
    return render_template(
        "perpetrators/follow_up.html",
        form=form,
        follow_up=found,
        found=pages.follow_up(user, found),
    ), (400 if form.errors else 200)


def _show(form: Any, errors: dict[str, str]) -> None:
    """The use case's refusals on the fields they are about (the error summary links them)."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is None:  # about the whole form (a programme paused meanwhile)
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]
