"""Report tables as CSV files: one table, or every table of a pack in one ZIP.

A CSV holds exactly what the page prints: the same headings, row labels and cell texts, "<5" and
"[c]" included, read from the same ``ShownTable``, so nothing hidden on the page is in a file.
The first row is the table's row heading and its column headings as printed ("Agency",
"Standard", "Medium", "High", "Total"); every other row is a row label and its cells.

Files open in Excel, which is where a board's papers are put together: UTF-8 with a byte order
mark (without it Excel reads "Barking & Dagenham – Police" as mojibake), Excel's dialect, and
written with ``defusedcsv``, so a cell that starts with = + - @ (an agency someone named
"=HYPERLINK(...)") is prefixed with an apostrophe and read as text, never run as a formula.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from defusedcsv import csv

from .. import audit
from ..accounts.models import Agency, User
from ..audit.actions import AuditAction
from ..directory.models import Service
from ..extensions import db, utcnow
from ..uk_time import uk_datetime
from .disclosure import KEY
from .sections import Pack
from .tables import ShownTable

ENCODING = "utf-8-sig"  # UTF-8 with the byte order mark Excel looks for
MARKING = "OFFICIAL-SENSITIVE"


def table_rows(table: ShownTable) -> list[list[str]]:
    """The table as the CSV's rows of text: headings, then each row (the total row last)."""
    rows = [[table.row_heading, *table.headings]]
    rows.extend([row.label, *(cell.text for cell in row.cells)] for row in table.rows)
    return rows


def table_csv(table: ShownTable) -> bytes:
    """One table as a CSV file's bytes."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table_rows(table))
    return buffer.getvalue().encode(ENCODING)


def zip_name(section_key: str, table: ShownTable) -> str:
    return f"{section_key}/{table.key}.csv"


def tables_zip(pack: Pack, now: datetime | None = None) -> bytes:
    """Every table of ``pack`` as ``<section key>/<table key>.csv``, and a README.txt saying what
    the figures are for and what the symbols mean."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(pack, now).encode(ENCODING))
        for built in pack.sections:
            for table in built.tables:
                archive.writestr(zip_name(built.section.key, table), table_csv(table))
    return buffer.getvalue()


def readme(pack: Pack, now: datetime | None = None) -> str:
    """What the ZIP is: the period, the filters, when it was made (UK time), the symbols, and
    each section's files (or that its figures are not yet recorded)."""
    query = pack.query
    agency = db.session.get(Agency, query.agency_id) if query.agency_id else None
    service = db.session.get(Service, query.service_id) if query.service_id else None
    lines = [
        MARKING,
        "",
        "Domestic abuse: managers' summary tables",
        f"Period: {query.period.label} ({query.period.key})",
        f"Agency: {agency.name if agency else 'All agencies'}",
        f"Service: {service.name if service else 'All services'}",
        f"Generated: {uk_datetime(now or utcnow())} (UK time)",
        "",
        "About the figures",
        KEY,
        "Figures are counts and rates only: no names, free text or identifiers.",
        "",
        "Sections and files",
    ]
    for built in pack.sections:
        lines.append(f"{built.section.title}")
        if not built.recorded:
            lines.append(f"  Not yet recorded. {built.section.not_recorded}".rstrip())
        for table in built.tables:
            lines.append(f"  {zip_name(built.section.key, table)}: {table.title}")
        if built.recorded and not built.tables:
            lines.append("  No tables in this section.")
    lines.append("")
    return "\r\n".join(lines)  # Notepad on an older Windows shows "\n" as one long line


def record_download(actor: User, what: str, period_key: str) -> None:
    """Audit a CSV or ZIP download (what and for which period: never a figure or a name) and
    commit, so that a file is never served without its record."""
    audit.record(
        AuditAction.EXPORT_CSV,
        actor=actor,
        target_type="report",
        target_id=what,
        purpose=f"Report tables for {period_key}",
    )
    db.session.commit()
