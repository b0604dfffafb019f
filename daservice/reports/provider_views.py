"""A programme provider's own figures: the perpetrator-programme measures for her agency's
programmes, for a period she chooses, as the board sees them (aggregate, small counts hidden).
Programme workers hold ``run_programmes``, not ``view_reports``: this page shows them that one
section, of their own agency, and nothing else of the reports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template, request

from ..accounts import actor
from ..security.permissions import Permission, protect
from ..uk_time import uk_today
from . import charts
from .disclosure import KEY
from .forms import FilterForm, read_filters
from .measures.perpetrator_programmes import SECTION
from .sections import ReportQuery, build_section
from .views import plan_years

bp = Blueprint("programme_figures", __name__, url_prefix="/programmes/figures")
protect(bp, Permission.RUN_PROGRAMMES)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/")
def figures() -> Any:
    user = actor()
    form = FilterForm(request.args)
    filters = read_filters(
        form,
        request.args,
        agencies=[user.agency],
        services=[],
        plan_years=plan_years(),
        own_agency=user.agency_id,
        today=uk_today(),
    )
    built = None
    if filters is not None:
        built = build_section(SECTION, ReportQuery(filters.period, agency_id=user.agency_id))
    return render_template(
        "reports/provider.html",
        form=form,
        filters=filters,
        built=built,
        key_words=KEY,
        chart_layout=charts.layout,
    ), (200 if filters is not None else 400)
