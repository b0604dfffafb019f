"""Referral pages: a referrer's referrals, the referral itself, and the service inbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..accounts import actor
from ..exceptions import InvalidTransition
from ..extensions import utcnow
from ..security.permissions import Permission, permission_required, protect
from . import disclosure, plain, policy, queries, route_actions, services
from .forms import ActionForm, CloseForm, ContactForm, DeclineForm
from .journey_sections import describe_draft
from .risk import DASH_CREDIT, DASH_QUESTIONS

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
inbox_bp = Blueprint("inbox", __name__, url_prefix="/inbox")
protect(inbox_bp, Permission.WORK_ROUTES)


@bp.route("/")
@permission_required(Permission.REFER)
def index() -> str:
    user = actor()
    now = utcnow()
    return render_template(
        "referrals/index.html",
        drafts=[
            (d, describe_draft(d.answers or {}, d.updated_at, now)) for d in queries.drafts_of(user)
        ],
        referrals=[
            (r, disclosure.overall_status(disclosure.submitter_routes(r)))
            for r in queries.referrals_made_by(user)
        ],
        submitter_criteria=disclosure.submitter_criteria,
        start=ActionForm(),
    )


@bp.route("/<uuid:referral_id>")
def detail(referral_id: uuid.UUID) -> str:
    view = services.view_referral(actor(), referral_id)
    return render_template(
        "referrals/detail.html",
        referral=view.referral,
        routes=view.routes,
        my_routes=view.my_routes,
        is_referrer=view.is_referrer,
        show_contact=view.show_contact,
        criteria=view.criteria,
        history=view.history,
        held=view.held,
        referred_by=view.referred_by,
        timelines=view.timelines,
        close_outcomes=route_actions.CLOSE_OUTCOMES,
        need_labels=plain.NEED_LABELS,
        plain=plain,
        questions=DASH_QUESTIONS,
        dash_credit=DASH_CREDIT,
        legal_bases=plain.LAWFUL_BASIS_WORDS,
        channels=route_actions.CONTACT_CHANNELS,
        outcomes=route_actions.CONTACT_OUTCOMES,
        next_actions=policy.next_actions,
        action=ActionForm(),
    )


@bp.route("/<uuid:referral_id>/consent", methods=["POST"])
@permission_required(Permission.REFER)
def record_consent(referral_id: uuid.UUID) -> Response:
    if ActionForm().validate_on_submit():
        count = services.record_consent(actor(), referral_id)
        flash(
            f"Consent recorded. {count} held "
            f"{'referral was' if count == 1 else 'referrals were'} sent on.",
            "success",
        )
    return redirect(url_for("referrals.detail", referral_id=referral_id))


# --- The service inbox ------------------------------------------------------------------------


@inbox_bp.route("/")
def inbox() -> str:
    user = actor()
    show = "closed" if request.args.get("show") == "closed" else "open"
    try:
        page = min(max(1, int(request.args.get("page", "1"))), 100_000)
    except ValueError:
        page = 1
    rows, total = queries.inbox(user, page=page, show=show)
    return render_template(
        "referrals/inbox.html",
        rows=rows,
        total=total,
        page=page,
        show=show,
        per_page=50,
        now=utcnow(),
        is_overdue=queries.is_overdue,
        plain=plain,
    )


def _attempt(route_id: uuid.UUID, change: Callable[[], Any], success: str) -> Response:
    """Make the change and go back to the referral, saying what happened."""
    try:
        change()
    except InvalidTransition as exc:
        flash(str(exc), "error")
    else:
        flash(success, "success")
    referral_id = route_actions.referral_id_of(actor(), route_id)
    return redirect(url_for("referrals.detail", referral_id=referral_id))


def _button(route_id: uuid.UUID, change: Callable[[], Any], success: str) -> Response:
    if not ActionForm().validate_on_submit():
        route_actions.referral_id_of(actor(), route_id)  # someone else's route: 404, not 400
        abort(400)
    return _attempt(route_id, change, success)


@inbox_bp.route("/routes/<uuid:route_id>/accept", methods=["POST"])
def accept(route_id: uuid.UUID) -> Response:
    return _button(route_id, lambda: route_actions.accept(actor(), route_id), "Referral accepted")


@inbox_bp.route("/routes/<uuid:route_id>/support", methods=["POST"])
def start_support(route_id: uuid.UUID) -> Response:
    return _button(
        route_id, lambda: route_actions.start_support(actor(), route_id), "Support started"
    )


@inbox_bp.route("/routes/<uuid:route_id>/decline", methods=["GET", "POST"])
def decline(route_id: uuid.UUID) -> Any:
    form = DeclineForm()
    if form.validate_on_submit():
        return _attempt(
            route_id,
            lambda: route_actions.decline(actor(), route_id, form.reason.data),
            "Referral declined",
        )
    return _action_page("referrals/decline.html", route_id, form)


@inbox_bp.route("/routes/<uuid:route_id>/contact", methods=["GET", "POST"])
def contact(route_id: uuid.UUID) -> Any:
    form = ContactForm()
    unsafe: list[str] = []
    if not form.is_submitted():
        form.fill_in_now(utcnow())
    elif form.validate():
        try:
            return _attempt(
                route_id,
                lambda: route_actions.log_contact(
                    actor(),
                    route_id,
                    channel=form.channel.data,
                    outcome=form.outcome.data,
                    notes=form.notes.data,
                    at=form.at,
                    override_reason=form.override_reason.data,
                ),
                "Contact attempt logged",
            )
        except route_actions.UnsafeContact as refused:
            unsafe = refused.because
            form.override_reason.errors = [
                "Her safe-contact instructions say not to contact her this way. Choose another "
                "way, or say why you need to go against their instructions"
            ]
        except route_actions.BadContactTime as wrong:
            form.when.errors = [str(wrong)]
    return _action_page("referrals/contact.html", route_id, form, unsafe=unsafe)


@inbox_bp.route("/routes/<uuid:route_id>/close", methods=["GET", "POST"])
def close(route_id: uuid.UUID) -> Any:
    form = CloseForm()
    if form.validate_on_submit():
        return _attempt(
            route_id,
            lambda: route_actions.close(
                actor(), route_id, outcome=form.outcome.data, notes=form.notes.data
            ),
            "Referral closed",
        )
    return _action_page("referrals/close.html", route_id, form)


def _action_page(template: str, route_id: uuid.UUID, form: Any, **context: Any) -> Any:
    page = route_actions.open_route(actor(), route_id)
    return render_template(
        template,
        route=page.route,
        referral=page.referral,
        form=form,
        show_contact=page.show_contact,
        referred_by=page.referred_by,
        unsafe_because=route_actions.unsafe_because,
        **context,
    ), (400 if form.errors else 200)
