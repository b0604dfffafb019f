"""The managers' dashboard and its CSV downloads.

Every page and file here reads one ``Pack`` built for the reader's filters, pinned to her agency
if she is limited to it (``scope``), so a figure hidden on the page is hidden in the files too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, abort, render_template, request, url_for

from ..accounts import actor
from ..accounts.services import list_agencies
from ..directory.services import list_services
from ..security.permissions import Permission, protect
from ..training import planning
from ..uk_time import uk_today
from . import charts, csv_export, periods, scope
from .disclosure import KEY
from .forms import FilterForm, Filters, OutOfScope, read_filters
from .periods import Period, PeriodKind
from .sections import Pack, build_pack, registered

bp = Blueprint("reports", __name__, url_prefix="/reports")
protect(bp, Permission.VIEW_REPORTS)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def plan_years() -> list[Period]:
    """The training plan's years as report periods (none without a plan)."""
    plan = planning.current_plan()
    if plan is None:
        return []
    return [
        periods.plan_year(year.starts_on, year.ends_on, year.number)
        for year in sorted(plan.years, key=lambda y: y.number)
    ]


def _filters(form: FilterForm) -> Filters | None:
    """The filters sent, or None with the form's errors set; 404 for another agency."""
    user = actor()
    try:
        return read_filters(
            form,
            request.args,
            agencies=list_agencies(),
            services=list_services(),
            plan_years=plan_years(),
            own_agency=scope.limited_to(user),
            today=uk_today(),
        )
    except OutOfScope:
        abort(404)


def pack_for(filters: Filters) -> Pack:
    """The pack for these filters. A limited manager gets no section that ignores the agency
    filter: its figures would be the whole partnership's."""
    query = scope.query_for(actor(), filters.period, filters.agency_id, filters.service_id)
    only = None
    if filters.limited:
        only = [s.key for s in registered() if "agency" in s.filtered_by]
    return build_pack(query, only=only)


def _marac_href(period: Period) -> str:
    return url_for("marac_return.download", period=period.key)


@bp.get("/")
def dashboard() -> Any:
    form = FilterForm(request.args)
    filters = _filters(form)
    if filters is None:
        return render_template("reports/dashboard.html", form=form, filters=None), 400
    pack = pack_for(filters)
    shown = {built.section.key for built in pack.sections}
    return render_template(
        "reports/dashboard.html",
        form=form,
        filters=filters,
        pack=pack,
        period=filters.period,
        partial=not filters.period.is_complete(),
        today=uk_today(),
        last_day=filters.period.end - timedelta(days=1),
        left_out=[s for s in registered() if s.key not in shown],
        key_words=KEY,
        chart_layout=charts.layout,
        marac_href=(
            _marac_href(filters.period) if filters.period.kind is PeriodKind.QUARTER else None
        ),
        exports_path=url_for("report_exports.create"),
    )


def _download(content: bytes, filename: str, mimetype: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # figures for one reader: never cached
    response.headers["Pragma"] = "no-cache"
    return response


def _filters_or_page() -> tuple[Filters | None, Any]:
    """The filters for a download, or the dashboard with its errors to answer instead."""
    form = FilterForm(request.args)
    filters = _filters(form)
    if filters is None:
        return None, (render_template("reports/dashboard.html", form=form, filters=None), 400)
    return filters, None


@bp.get("/tables/<key>.csv")
def table_csv(key: str) -> Any:
    filters, problem = _filters_or_page()
    if filters is None:
        return problem
    table = next((t for t in pack_for(filters).tables if t.key == key), None)
    if table is None:
        abort(404)
    csv_export.record_download(actor(), f"{table.key}.csv", filters.period.key)
    return _download(
        csv_export.table_csv(table), f"{table.key}-{filters.period.key}.csv", "text/csv"
    )


@bp.get("/tables.zip")
def tables_zip() -> Any:
    filters, problem = _filters_or_page()
    if filters is None:
        return problem
    content = csv_export.tables_zip(pack_for(filters))
    csv_export.record_download(actor(), "tables.zip", filters.period.key)
    return _download(content, f"report-tables-{filters.period.key}.zip", "application/zip")
