from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for

from ..accounts import actor
from ..security.guard import public
from ..uk_time import uk_relative
from . import health
from . import home as home_page

bp = Blueprint("main", __name__)

# The contact settings the public pages and the sign-in page show (templates never see config).
CONTACT_SETTINGS = (
    "SUPPORT_EMAIL",
    "SUPPORT_PHONE",
    "SUPPORT_HOURS",
    "DPO_EMAIL",
    "DATA_CONTROLLER",
)


@bp.app_context_processor
def _contact() -> dict[str, Any]:
    return {"contact": {name.lower(): current_app.config[name] for name in CONTACT_SETTINGS}}


@bp.route("/")
def home() -> Any:
    user = actor()
    if home_page.lands_on_reports(user):
        return redirect(url_for("reports.dashboard"))
    return render_template(
        "home.html",
        user=user,
        home=home_page.for_user(user),
        by_when=uk_relative,
        status_words=home_page.CHANGE_WORDS,
    )


@bp.route("/accessibility")
@public
def accessibility() -> str:
    return render_template("main/accessibility.html")


@bp.route("/privacy")
@public
def privacy() -> str:
    return render_template("main/privacy.html")


@bp.route("/support")
@public
def support() -> str:
    return render_template("main/support.html")


@bp.route("/healthz")
@public
def healthz() -> Any:
    if not health.database_ok():
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
