"""``flask reports export --period 2026-Q3 --format pdf|csv|marac-return --output PATH``.

Writes the same files as the web pages' exports (``exports.file_for``), for scheduled
distribution (a cron entry). Audited like every export, with no one as the actor: the event says
it was written on the command line. The file is written to a temporary file beside ``PATH`` and
renamed into place once the export is audited, so a half-written file is never left at ``PATH``
and no file exists that the audit trail does not know of.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from .. import audit
from ..accounts.models import Agency
from ..audit import AuditAction
from ..extensions import db
from . import exports
from .models import ExportFormat
from .periods import BadPeriod
from .sections import ReportQuery


@click.group("reports", help="Managers' reports: the board pack, CSV tables, the Marac return.")
def reports() -> None:
    pass


def _writable(output: Path) -> Path:
    folder = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        raise click.BadParameter(f"{output} is a folder: give a file name", param_hint="--output")
    if not folder.is_dir():
        raise click.BadParameter(f"there is no folder {folder}", param_hint="--output")
    if not os.access(folder, os.W_OK):
        raise click.BadParameter(f"cannot write to the folder {folder}", param_hint="--output")
    return folder


@reports.command("export")
@click.option("--period", "period_key", required=True, help="2026-07, 2026-Q3 or PY2024.")
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice([f.value for f in ExportFormat]),
    help="pdf: the board pack; csv: every table in a ZIP; marac-return: the SafeLives return.",
)
@click.option("--output", required=True, type=click.Path(path_type=Path), help="File to write.")
@click.option("--agency", "agency_code", default=None, help="Only this agency (its code: MPS).")
@with_appcontext
def export_command(period_key: str, fmt: str, output: Path, agency_code: str | None) -> None:
    """Write a report export to a file (the whole partnership unless --agency)."""
    try:
        period = exports.parse_period(period_key)
    except BadPeriod as error:
        raise click.BadParameter(str(error), param_hint="--period") from None
    agency_id = None
    if agency_code:
        agency_id = db.session.scalar(sa.select(Agency.id).where(Agency.code == agency_code))
        if agency_id is None:
            raise click.BadParameter(f"there is no agency {agency_code!r}", param_hint="--agency")
    folder = _writable(output)
    export_format = ExportFormat(fmt)
    query = ReportQuery(period, agency_id=agency_id)
    _, content = exports.file_for(export_format, query, None)
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".report-export-")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
    except OSError as error:
        raise click.ClickException(f"could not write {output}: {error.strerror}") from None
    try:
        audit.record(
            AuditAction.REPORT_EXPORTED_COMMAND_LINE,
            actor=None,
            target_type=exports.TARGET_TYPE,
            target_id=None,
            purpose=f"command line: {export_format.value} {period.key}"
            + (f" {agency_code}" if agency_code else ""),
        )
        db.session.commit()
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    click.echo(
        f"Wrote {output} ({len(content):,} bytes): {exports.WHAT[export_format]}, {period.label}"
    )
