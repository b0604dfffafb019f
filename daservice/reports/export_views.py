"""Report exports on the web: ask for one, watch it being prepared, download it.

``POST /reports/exports`` queues the export and answers at once with a redirect to its status
page, which refreshes itself every 2 seconds (a meta refresh: it works without JavaScript) until
the file is ready, then offers it as a download. Only the manager who asked may see or download
an export; for anyone else it does not exist (404). The work is done off the request, by
``exports.start`` (see ``reports/exports.py``).
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Flask, Response, abort, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from ..exceptions import DomainError
from ..pdf import pdf_response
from ..security.permissions import Permission, protect
from . import exports, periods, scope
from .export_forms import FORMAT_WORDS, WHOLE_PARTNERSHIP, ExportForm, period_choices
from .models import ExportFormat

bp = Blueprint("report_exports", __name__)
protect(bp, Permission.VIEW_REPORTS)


def init_app(app: Flask) -> None:
    """The pages, the background runner and its job, and ``flask reports export``."""
    from .cli import reports

    app.register_blueprint(bp)
    exports.init_app(app)
    app.cli.add_command(reports)


def _form() -> ExportForm:
    form = ExportForm()
    agencies, services = exports.choices_for(current_user)
    limited = scope.limited_to(current_user) is not None
    form.period.choices = period_choices(exports.plan_years())
    form.agency.choices = agencies if limited else [("", WHOLE_PARTNERSHIP), *agencies]
    form.service.choices = [("", "All services"), *services]
    if not form.is_submitted():
        form.period.data = periods.latest_complete_quarter().key
    return form


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _page(form: ExportForm, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "reports/exports/index.html",
            form=form,
            exports=exports.recent_for(current_user),
            format_words=FORMAT_WORDS,
            kept_for=exports.kept_for_words(),
        ),
        status,
    )


@bp.get("/reports/exports")
def index() -> tuple[str, int]:
    """Her recent exports, and the form to prepare another."""
    return _page(_form())


@bp.post("/reports/exports")
def create() -> BaseResponse | tuple[str, int]:
    form = _form()
    if not form.validate():
        return _page(form, 400)  # what she chose is kept, with the error summary
    try:
        period = exports.parse_period(form.period.data or "")
    except DomainError as error:
        form.period.errors = [str(error)]
        return _page(form, 400)
    query = scope.query_for(current_user, period, _uuid(form.agency.data), _uuid(form.service.data))
    export = exports.request_export(current_user, ExportFormat(form.format.data), query)
    exports.start(export.id)
    return redirect(url_for("report_exports.status", export_id=export.id), code=303)


@bp.get("/reports/exports/<uuid:export_id>")
def status(export_id: uuid.UUID) -> str:
    try:
        export = exports.status_of(current_user, export_id)
    except DomainError:
        abort(404)
    return render_template(
        "reports/exports/status.html", export=export, kept_for=exports.kept_for_words()
    )


@bp.get("/reports/exports/<uuid:export_id>/download")
def download(export_id: uuid.UUID) -> BaseResponse:
    try:
        found = exports.ready_file(current_user, export_id)
    except DomainError:
        abort(404)
    if found is None:  # not ready (or failed): the status page says which
        return redirect(url_for("report_exports.status", export_id=export_id))
    if found.format is ExportFormat.PDF:
        return pdf_response(
            found.content,
            found.filename,
            actor=current_user,
            target_type=exports.TARGET_TYPE,
            target_id=export_id,
            purpose="board pack",
        )
    exports.record_download(current_user, export_id, found.format)
    response = Response(found.content, mimetype=found.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
