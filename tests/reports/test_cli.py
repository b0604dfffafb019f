"""``flask reports export``: the same files as the pages, written for scheduled distribution,
audited, with clear errors and exit codes.

The csv and marac-return tests need ``reports.csv_export`` and ``reports.marac_return`` (other
parts of issue 12): they fail until those are merged, by design."""

from __future__ import annotations

import csv
import io
import os
import stat
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import sqlalchemy as sa

from daservice.audit.models import AuditEvent
from daservice.extensions import db

from .. import factories


def _events() -> list[tuple[str, str | None, object]]:
    return [
        (e.action, e.purpose, e.actor_id)
        for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq))
    ]


def _export(runner, *args: str):
    return runner.invoke(args=["reports", "export", *args])


def test_writes_the_board_pack_and_audits_it(runner, tmp_path: Path):
    output = tmp_path / "pack.pdf"
    result = _export(runner, "--period", "2026-Q3", "--format", "pdf", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert f"Wrote {output}" in result.output
    document = pdfium.PdfDocument(output.read_bytes())
    try:
        cover = document[0].get_textpage().get_text_range()
        assert "Board pack" in cover and "July to September 2026" in cover
        assert "OFFICIAL-SENSITIVE" in cover
    finally:
        document.close()
    assert stat.S_IMODE(output.stat().st_mode) & 0o077 == 0  # readable by its owner alone
    assert _events() == [("report.exported_command_line", "command line: pdf 2026-Q3", None)]
    assert [p.name for p in tmp_path.iterdir()] == ["pack.pdf"]  # no temporary file left


def test_limited_to_one_agency(runner, tmp_path: Path):
    factories.agency(code="VS", name="Victim Support")
    output = tmp_path / "vs.pdf"
    result = _export(
        runner, "--period", "2026-07", "--format", "pdf", "--output", str(output), "--agency", "VS"
    )
    assert result.exit_code == 0, result.output
    cover = pdfium.PdfDocument(output.read_bytes())[0].get_textpage().get_text_range()
    assert "Agency Victim Support" in cover and "July 2026" in cover
    assert _events()[-1][1] == "command line: pdf 2026-07 VS"


def test_bad_period_format_or_agency_are_refused_with_a_reason(runner, tmp_path: Path):
    output = str(tmp_path / "x.pdf")
    cases = [
        (["--period", "2026-Q5", "--format", "pdf"], "Enter a period like 2026-07"),
        (["--period", "PY1999", "--format", "pdf"], "no plan year starting in 1999"),
        (["--period", "2026-Q3", "--format", "docx"], "'docx' is not one of"),
        (["--period", "2026-Q3", "--format", "pdf", "--agency", "NOPE"], "no agency 'NOPE'"),
    ]
    for args, words in cases:
        result = _export(runner, *args, "--output", output)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output, (args, result.output)
    assert not Path(output).exists() and _events() == []


def test_an_unwritable_path_is_refused_before_any_work(runner, tmp_path: Path):
    missing = tmp_path / "no-such-folder" / "pack.pdf"
    result = _export(runner, "--period", "2026-Q3", "--format", "pdf", "--output", str(missing))
    assert result.exit_code == 2 and "there is no folder" in result.output
    result = _export(runner, "--period", "2026-Q3", "--format", "pdf", "--output", str(tmp_path))
    assert result.exit_code == 2 and "is a folder" in result.output
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores folder permissions: use /proc instead
            target = "/proc/pack.pdf"
        else:
            target = str(locked / "pack.pdf")
        result = _export(runner, "--period", "2026-Q3", "--format", "pdf", "--output", target)
        assert result.exit_code in (1, 2), result.output
        assert "cannot write" in result.output or "could not write" in result.output
    finally:
        locked.chmod(0o700)
    assert _events() == []


def test_writes_every_table_as_csv_in_a_zip(runner, tmp_path: Path):
    output = tmp_path / "tables.zip"
    result = _export(runner, "--period", "2026-Q3", "--format", "csv", "--output", str(output))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        assert any(name.endswith("referrals-by-agency.csv") for name in names), names
        assert all(name.endswith(".csv") for name in names if name != "README.txt")
    assert _events()[-1][:2] == ("report.exported_command_line", "command line: csv 2026-Q3")


def test_writes_the_marac_return(runner, tmp_path: Path):
    output = tmp_path / "marac.csv"
    result = _export(
        runner, "--period", "2026-Q3", "--format", "marac-return", "--output", str(output)
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert len(rows) >= 2 and all(rows[0])  # a heading row, then figures
    assert _events()[-1][:2] == (
        "report.exported_command_line",
        "command line: marac-return 2026-Q3",
    )
