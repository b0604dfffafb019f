"""GET /reports/marac-return.csv?period=2026-Q3: the SafeLives Marac quarterly data return."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, render_template, request
from flask_login import current_user

from ..exceptions import DomainError
from ..security.permissions import Permission, protect
from . import marac_return, periods, scope

bp = Blueprint("marac_return", __name__, url_prefix="/reports")
protect(bp, Permission.VIEW_REPORTS)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/marac-return.csv")
def download() -> Any:
    """The return for the quarter asked for (the last complete quarter if none), as a download no
    cache keeps. A month or a plan year is refused with a page saying to choose a quarter."""
    key = request.args.get("period", "")
    try:
        period = periods.parse(key) if key else periods.latest_complete_quarter()
        query = scope.query_for(current_user, period)
        name, content = marac_return.export(current_user, query)
    except DomainError as refused:  # BadPeriod, NotAQuarter: their words are for the reader
        return render_template("reports/marac_return_refused.html", message=str(refused)), 400
    response = Response(content, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
