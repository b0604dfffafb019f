"""Referral pages: a referrer's referrals, the referral itself, and the service inbox."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import audit
from ..accounts import actor
from ..errors_domain import InvalidTransition
from ..extensions import db, utcnow
from . import policy, queries, services
from .forms import ActionForm, CloseForm, ContactForm, DeclineForm
from .models import Route, RouteStatus
from .risk import DASH_CREDIT, DASH_QUESTIONS
from .validation import LEGAL_BASES

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
inbox_bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.route("/")
def index() -> str:
    user = actor()
    if not policy.can_refer(user):
        abort(403)
    return render_template(
        "referrals/index.html",
        drafts=queries.drafts_of(user),
        referrals=queries.referrals_made_by(user),
        submitter_criteria=services.submitter_criteria,
        start=ActionForm(),
    )


@bp.route("/<uuid:referral_id>")
def detail(referral_id: uuid.UUID) -> str:
    user = actor()
    referral = queries.get_referral_or_404(user, referral_id)
    is_referrer = referral.referrer_id == user.id
    my_services = set(queries.member_service_ids(user))
    my_routes = [
        r
        for r in referral.routes
        if r.service_id in my_services and policy.route_visible_to_service(r.status)
    ]
    audit.record(
        "referral.viewed",
        actor=user,
        target_type="referral",
        target_id=referral.id,
        purpose="referrer" if is_referrer else "receiving service",
    )
    db.session.commit()
    # Receiving services see every route; the referrer sees what she may be told.
    routes = list(referral.routes) if my_routes else services.submitter_routes(referral)
    show_contact = policy.can_see_victim(
        is_referrer=is_referrer, route_kinds=[r.service.kind for r in my_routes]
    )
    return render_template(
        "referrals/detail.html",
        referral=referral,
        routes=routes,
        is_referrer=is_referrer,
        show_contact=show_contact,
        criteria=referral.criteria if my_routes else services.submitter_criteria(referral),
        my_routes=my_routes,
        # Her earlier referrals: for services that see her, never for the referrer.
        history=queries.linked_history(referral) if my_routes and show_contact else [],
        questions=DASH_QUESTIONS,
        dash_credit=DASH_CREDIT,
        legal_bases=LEGAL_BASES,
        services=services,
        action=ActionForm(),
        held=any(r.status == RouteStatus.HELD_FOR_CONSENT for r in routes),
    )


@bp.route("/<uuid:referral_id>/consent", methods=["POST"])
def record_consent(referral_id: uuid.UUID) -> Response:
    user = actor()
    referral = queries.get_referral_or_404(user, referral_id)
    if referral.referrer_id != user.id:
        abort(404)
    if ActionForm().validate_on_submit():
        released = services.record_consent(user, referral)
        shown = {route.id for route in services.submitter_routes(referral)}
        count = sum(1 for route in released if route.id in shown)
        flash(
            f"Consent recorded. {count} held "
            f"{'referral was' if count == 1 else 'referrals were'} sent on.",
            "success",
        )
    return redirect(url_for("referrals.detail", referral_id=referral.id))


# --- The service inbox ------------------------------------------------------------------------


@inbox_bp.route("/")
def inbox() -> str:
    user = actor()
    if not user.has_role(*policy.RECEIVING_ROLES):
        abort(403)
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
    )


def _route(route_id: uuid.UUID) -> Route:
    return queries.get_route_for_worker_or_404(actor(), route_id)


def _back(route: Route) -> Response:
    return redirect(url_for("referrals.detail", referral_id=route.referral_id))


def _attempt(route: Route, change: Any, success: str) -> Response:
    try:
        change()
    except InvalidTransition as exc:
        flash(str(exc), "error")
    else:
        flash(success, "success")
    return _back(route)


@inbox_bp.route("/routes/<uuid:route_id>/accept", methods=["POST"])
def accept(route_id: uuid.UUID) -> Response:
    route = _route(route_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _attempt(route, lambda: services.accept(actor(), route), "Referral accepted")


@inbox_bp.route("/routes/<uuid:route_id>/support", methods=["POST"])
def start_support(route_id: uuid.UUID) -> Response:
    route = _route(route_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _attempt(route, lambda: services.start_support(actor(), route), "Support started")


@inbox_bp.route("/routes/<uuid:route_id>/decline", methods=["GET", "POST"])
def decline(route_id: uuid.UUID) -> Any:
    route = _route(route_id)
    form = DeclineForm()
    if form.validate_on_submit():
        return _attempt(
            route, lambda: services.decline(actor(), route, form.reason.data), "Referral declined"
        )
    return _action_page("referrals/decline.html", route, form)


@inbox_bp.route("/routes/<uuid:route_id>/contact", methods=["GET", "POST"])
def contact(route_id: uuid.UUID) -> Any:
    route = _route(route_id)
    form = ContactForm()
    if form.validate_on_submit():
        return _attempt(
            route,
            lambda: services.log_contact(
                actor(),
                route,
                channel=form.channel.data,
                outcome=form.outcome.data,
                notes=form.notes.data,
            ),
            "Contact attempt logged",
        )
    return _action_page("referrals/contact.html", route, form)


@inbox_bp.route("/routes/<uuid:route_id>/close", methods=["GET", "POST"])
def close(route_id: uuid.UUID) -> Any:
    route = _route(route_id)
    form = CloseForm()
    if form.validate_on_submit():
        return _attempt(
            route,
            lambda: services.close(
                actor(), route, outcome=form.outcome.data, notes=form.notes.data
            ),
            "Referral closed",
        )
    return _action_page("referrals/close.html", route, form)


def _action_page(template: str, route: Route, form: Any) -> Any:
    referral = route.referral
    # Every contact action shows the safe-contact instructions first.
    audit.record(
        "referral.viewed",
        actor=actor(),
        target_type="referral",
        target_id=referral.id,
        purpose="contact action",
    )
    db.session.commit()
    return render_template(
        template,
        route=route,
        referral=referral,
        form=form,
        show_contact=policy.can_see_victim(is_referrer=False, route_kinds=[route.service.kind]),
    ), (400 if form.errors else 200)
