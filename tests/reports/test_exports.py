"""Background report exports: asked for on a page, prepared off the request with its progress
on a status page, downloaded by the manager who asked and nobody else, audited, and deleted
after a day."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa

from daservice import jobs
from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.extensions import db, utcnow
from daservice.pdf import RenderBusy
from daservice.reports import exports, periods
from daservice.reports.models import ExportFormat, ExportStatus, ReportExport
from daservice.reports.sections import ReportQuery, registered

from .. import factories

CANARY = "Jane " + "Canary-Doe of 12 Secret Road"  # built here: the source line never holds it


@pytest.fixture()
def inline(app):
    app.config["REPORT_EXPORTS_INLINE"] = True
    app.extensions[exports.EXTENSION] = exports.ExportRunner(app)


@pytest.fixture()
def manager(app):
    return factories.user(Role.MANAGER)


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))


def _ask(login_as, manager, **fields):
    login_as(manager)
    data = {"period": "2026-Q2", "agency": "", "service": "", "format": "pdf", **fields}
    return login_as.post("/reports/exports", data, page="/reports/exports")


def _export_id(response) -> uuid.UUID:
    assert response.status_code == 303, response.get_data(as_text=True)
    return uuid.UUID(re.search(r"/reports/exports/([0-9a-f-]{36})$", response.location)[1])


def test_a_manager_asks_for_the_board_pack_and_downloads_it(inline, login_as, client, manager):
    export_id = _export_id(_ask(login_as, manager))
    page = client.get(f"/reports/exports/{export_id}").get_data(as_text=True)
    assert "Your board pack is ready" in page
    assert 'http-equiv="refresh"' not in page  # finished: it stops refreshing
    assert f"/reports/exports/{export_id}/download" in page
    response = client.get(f"/reports/exports/{export_id}/download")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'filename="board-pack-2026-Q2.pdf"' in response.headers["Content-Disposition"]
    document = pdfium.PdfDocument(response.data)
    try:
        cover = document[0].get_textpage().get_text_range()
        assert "Board pack" in cover and "April to June 2026" in cover
        assert manager.display_name in cover
    finally:
        document.close()
    row = db.session.get(ReportExport, export_id)
    assert row.status is ExportStatus.DONE and row.steps_done == row.steps_total == len(
        registered()
    )
    assert row.period_key == "2026-Q2" and row.requested_by_id == manager.id
    assert _actions()[-2:] == ["report.export_requested", "export.pdf"]


def test_the_exports_page_lists_hers_with_a_download(inline, login_as, client, manager):
    export_id = _export_id(_ask(login_as, manager))
    page = client.get("/reports/exports").get_data(as_text=True)
    assert "Prepare a board pack" in page
    assert f"/reports/exports/{export_id}/download" in page and "April to June 2026" in page


def test_progress_is_committed_section_by_section(inline, app, login_as, manager, monkeypatch):
    seen: list[tuple[int, int]] = []
    real = exports.build_pack

    def watched(query, progress=None, only=None):
        def report(done, total):
            progress(done, total)
            # Read through another connection: only a committed update is visible there.
            with db.engine.connect() as other:
                seen.append(
                    tuple(
                        other.execute(
                            sa.select(ReportExport.steps_done, ReportExport.steps_total)
                        ).one()
                    )
                )

        return real(query, progress=report, only=only)

    monkeypatch.setattr(exports, "build_pack", watched)
    _export_id(_ask(login_as, manager))
    total = len(registered())
    assert seen == [(n, total) for n in range(1, total + 1)]


def _row(manager, **fields) -> ReportExport:
    row = ReportExport(
        requested_by_id=manager.id, format=ExportFormat.PDF, period_key="2026-Q3", **fields
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_the_status_page_shows_progress_and_refreshes_while_running(login_as, client, manager):
    row = _row(
        manager, status=ExportStatus.RUNNING, steps_done=2, steps_total=6, heartbeat_at=utcnow()
    )
    login_as(manager)
    page = client.get(f"/reports/exports/{row.id}").get_data(as_text=True)
    assert "Preparing your board pack" in page and "Section 3 of 6" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert 'aria-live="polite"' in page and 'max="6" value="2"' in page
    assert "/download" not in page


def test_an_export_whose_worker_stopped_is_shown_as_failed(login_as, client, manager):
    row = _row(
        manager,
        status=ExportStatus.RUNNING,
        steps_done=2,
        steps_total=6,
        heartbeat_at=utcnow() - timedelta(minutes=6),
    )
    login_as(manager)
    page = client.get(f"/reports/exports/{row.id}").get_data(as_text=True)
    assert "could not be prepared" in page and exports.STOPPED in page
    assert 'http-equiv="refresh"' not in page
    assert client.get(f"/reports/exports/{row.id}/download").status_code == 302  # not a file


def test_nobody_else_can_see_or_download_it(inline, app, login_as, manager):
    export_id = _export_id(_ask(login_as, manager))
    other = factories.user(
        Role.MANAGER, agency_row=db.session.get(type(manager.agency), manager.agency_id)
    )
    stranger = app.test_client()
    from ..conftest import LoginActions

    LoginActions(stranger)(other)
    before = len(_actions())
    assert stranger.get(f"/reports/exports/{export_id}").status_code == 404
    assert stranger.get(f"/reports/exports/{export_id}/download").status_code == 404
    assert f"{export_id}" not in stranger.get("/reports/exports").get_data(as_text=True)
    assert len(_actions()) == before + 0  # nothing was exported


def test_a_failure_says_what_to_do_and_logs_no_data(
    inline, login_as, client, manager, monkeypatch, caplog
):
    def broken(pack, generated_by):
        raise RuntimeError(CANARY)  # as a database error quotes a row's values

    monkeypatch.setattr("daservice.reports.board_pack.render", broken)
    with caplog.at_level(logging.ERROR, logger="daservice.reports.exports"):
        export_id = _export_id(_ask(login_as, manager))
    page = client.get(f"/reports/exports/{export_id}").get_data(as_text=True)
    assert "could not be prepared" in page and exports.BROKEN in page
    assert "Canary" not in page
    assert "RuntimeError" in caplog.text and "Canary" not in caplog.text
    assert db.session.get(ReportExport, export_id).status is ExportStatus.FAILED


def test_a_busy_renderer_says_try_again_later(inline, login_as, client, manager, monkeypatch):
    def busy(pack, generated_by):
        raise RenderBusy()

    monkeypatch.setattr("daservice.reports.board_pack.render", busy)
    export_id = _export_id(_ask(login_as, manager))
    assert exports.BUSY in client.get(f"/reports/exports/{export_id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"period": "1999-Q9"}, "Select a period from the list"),
        ({"period": ""}, "Select the period the figures are for"),
        ({"format": "docx"}, "Select which file you want"),
        ({"agency": "not-an-agency"}, "Select an agency from the list"),
        ({"service": str(uuid.uuid4())}, "Select a service from the list"),
    ],
)
def test_bad_input_gets_the_error_summary_not_a_500(inline, login_as, manager, fields, message):
    response = _ask(login_as, manager, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in page and message in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportExport)) == 0


def test_a_manager_limited_to_her_agency_exports_only_its_figures(inline, login_as, client):
    own = factories.agency(name="Victim Support")
    other = factories.agency(name="Refuge")
    limited = factories.user(Role.MANAGER, agency_row=own, reports_own_agency_only=True)
    login_as(limited)
    page = client.get("/reports/exports").get_data(as_text=True)
    assert "Victim Support" in page and "Refuge" not in page and "whole partnership" not in page
    refused = login_as.post(
        "/reports/exports",
        {"period": "2026-Q2", "agency": str(other.id), "service": "", "format": "pdf"},
        page="/reports/exports",
    )
    assert refused.status_code == 400
    export_id = _export_id(
        login_as.post(
            "/reports/exports",
            {"period": "2026-Q2", "agency": str(own.id), "service": "", "format": "pdf"},
            page="/reports/exports",
        )
    )
    assert db.session.get(ReportExport, export_id).agency_id == own.id


def test_the_threaded_runner_prepares_it_off_the_request(app, login_as, client, manager):
    app.config["REPORT_EXPORTS_INLINE"] = False
    runner = exports.ExportRunner(app)
    app.extensions[exports.EXTENSION] = runner
    export_id = _export_id(_ask(login_as, manager))
    runner.executor.shutdown(wait=True)  # the thread finishes the export
    db.session.expire_all()
    assert db.session.get(ReportExport, export_id).status is ExportStatus.DONE
    page = client.get(f"/reports/exports/{export_id}").get_data(as_text=True)
    assert "Your board pack is ready" in page


def test_an_export_runs_once_even_if_started_twice(inline, login_as, manager, monkeypatch):
    export_id = _export_id(_ask(login_as, manager))
    calls = []
    monkeypatch.setattr(exports, "file_for", lambda *a, **k: calls.append(a) or ("x.pdf", b"x"))
    exports.run_export(export_id)
    assert calls == []


def test_old_exports_are_deleted_by_the_job(app, manager):
    old = _row(manager, status=ExportStatus.DONE, content=b"%PDF", filename="a.pdf")
    old.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    new = _row(manager, status=ExportStatus.DONE, content=b"%PDF", filename="b.pdf")
    old_id, new_id = old.id, new.id
    assert "reports.expire_exports" in {job.name for job in jobs.registered()}
    outcomes = jobs.run_due(app, only=["reports.expire_exports"], force=True)
    assert outcomes[0].ok and outcomes[0].summary == "1 deleted"
    db.session.expire_all()
    assert db.session.get(ReportExport, old_id) is None
    assert db.session.get(ReportExport, new_id) is not None


def test_file_for_names_the_file_by_period_and_agency(app):
    agency = factories.agency(code="VS", name="Victim Support")
    query = ReportQuery(periods.parse("2026-Q3"), agency_id=agency.id)
    name, content = exports.file_for(ExportFormat.PDF, query, "Amira Khan")
    assert name == "board-pack-2026-Q3-VS.pdf" and content.startswith(b"%PDF")
