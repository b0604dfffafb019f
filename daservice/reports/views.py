"""The managers' dashboard (being built: a first page of every section for one period)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, request
from flask_login import current_user

from ..exceptions import DomainError
from ..security.permissions import Permission, protect
from . import charts, periods, scope
from .disclosure import KEY
from .sections import build_pack

bp = Blueprint("reports", __name__, url_prefix="/reports")
protect(bp, Permission.VIEW_REPORTS)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/")
def dashboard() -> str:
    key = request.args.get("period", "")
    try:
        period = periods.parse(key) if key else periods.latest_complete_quarter()
    except DomainError:
        abort(404)
    pack = build_pack(scope.query_for(current_user, period))
    return render_template(
        "reports/dashboard.html",
        pack=pack,
        period=period,
        key_words=KEY,
        chart_layout=charts.layout,
    )
