"""Import an agency's staff list from CSV: every row is checked first, and if any is wrong nothing
is imported (the report says which rows and why); otherwise all of them in one transaction.

Columns: ``name``, ``work_email``, ``team``, ``job_role``, and optionally ``site`` (a site's name
as it is here). A row whose work email is already one of the agency's trainees updates her;
any other row adds a trainee. The standard library's ``csv`` does the parsing: a staff list is a
plain export from a spreadsheet or HR system, nothing a library would read better.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa

from .. import audit
from ..accounts.forms import EMAIL_SHAPE
from ..accounts.models import User
from ..audit import AuditAction
from ..extensions import db
from ..security.permissions import Permission, require
from .models import Site, Trainee
from .staff import check_agency

REQUIRED_COLUMNS = ("name", "work_email", "team", "job_role")
OPTIONAL_COLUMNS = ("site",)
MAX_BYTES = 1_000_000  # about 10,000 staff: more than any partner agency has
MAX_ROWS = 10_000
LIMITS = {"name": 120, "work_email": 254, "team": 120, "job_role": 120}


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row (``row`` is its line in the file; 1 is the header), or with the
    whole file (``row`` None)."""

    row: int | None
    problem: str


@dataclass
class StaffRow:
    row: int
    name: str
    work_email: str
    team: str
    job_role: str
    site_id: uuid.UUID | None
    site_given: bool  # False: the file has no site column, and a trainee's site stays as it is


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0  # already on the list exactly as in the file

    @property
    def summary(self) -> str:
        """What the import did, in words: "2 added, 1 updated, 5 unchanged"."""
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"

    @property
    def imported(self) -> bool:
        return not self.errors


def _rows(content: bytes) -> tuple[list[dict[str, str]], list[RowError]]:
    """The file's rows keyed by lower-cased header, or what makes the whole file unreadable."""
    if len(content) > MAX_BYTES:
        return [], [RowError(None, "The file must be smaller than 1 MB")]
    try:
        text = content.decode("utf-8-sig")  # a BOM, as Excel writes "CSV UTF-8"
    except UnicodeDecodeError:
        return [], [RowError(None, "The file must be saved as CSV UTF-8")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        body = list(reader)
    except csv.Error:
        return [], [RowError(None, "The file must be a CSV file")]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        return [], [
            RowError(
                1,
                "The first row must be the column headings name, work_email, team, job_role "
                "and, if you use it, site",
            )
        ]
    if len(body) > MAX_ROWS:
        return [], [RowError(None, f"The file must have {MAX_ROWS:,} rows or fewer")]
    rows = []
    for values in body:
        if not any(v.strip() for v in values):
            values = []  # a blank line: kept in place so row numbers match the spreadsheet
        rows.append(
            {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        )
    return rows, []


def check(agency_id: uuid.UUID, content: bytes) -> tuple[list[StaffRow], list[RowError]]:
    """Every row's problems (all of them, not just the first), or the rows ready to import."""
    rows, errors = _rows(content)
    if errors:
        return [], errors
    sites = {
        name.lower(): site_id for site_id, name in db.session.execute(sa.select(Site.id, Site.name))
    }
    emails = {r["work_email"].lower() for r in rows if r["work_email"]}
    elsewhere = set(
        db.session.scalars(
            sa.select(Trainee.work_email).where(
                Trainee.work_email.in_(emails), Trainee.agency_id != agency_id
            )
        )
    )
    seen: dict[str, int] = {}
    good = []
    for number, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        problems = []
        email = row["work_email"].lower()
        if not row["name"]:
            problems.append("Enter a name")
        if not email:
            problems.append("Enter a work email address")
        elif not EMAIL_SHAPE.fullmatch(email):
            problems.append("Work email is not an email address, like name@example.gov.uk")
        elif email in seen:
            problems.append(f"Work email is also on row {seen[email]}")
        elif email in elsewhere:
            problems.append("Work email belongs to a member of another agency's staff")
        for column, limit in LIMITS.items():
            if len(row[column]) > limit:
                problems.append(f"{column} must be {limit} characters or fewer")
        site_name = row.get("site", "")
        if site_name and site_name.lower() not in sites:
            problems.append(f"There is no site called {site_name[:120]}")
        if email:
            seen.setdefault(email, number)
        if problems:
            errors.append(RowError(number, "; ".join(problems)))
            continue
        good.append(
            StaffRow(
                number,
                row["name"],
                email,
                row["team"],
                row["job_role"],
                sites.get(site_name.lower()) if site_name else None,
                "site" in row,
            )
        )
    if not errors and not good:
        errors.append(RowError(None, "The file has no staff in it"))
    return good, errors


def import_staff(actor: User, agency_id: uuid.UUID, content: bytes) -> ImportResult:
    """Check the file and, only if every row is good, add and update the agency's trainees in one
    transaction."""
    require(actor, Permission.LEAD_TRAINING)
    check_agency(actor, agency_id)
    rows, errors = check(agency_id, content)
    if errors:
        return ImportResult(errors=errors)
    existing = {
        t.work_email: t
        for t in db.session.scalars(
            sa.select(Trainee).where(
                Trainee.agency_id == agency_id,
                Trainee.work_email.in_([r.work_email for r in rows]),
            )
        )
    }
    result = ImportResult()
    for row in rows:
        trainee = existing.get(row.work_email)
        new = trainee is None
        if trainee is None:
            trainee = Trainee(agency_id=agency_id, work_email=row.work_email)
            db.session.add(trainee)
            result.added += 1
        before = (trainee.name, trainee.team, trainee.job_role, trainee.site_id)
        trainee.name, trainee.team, trainee.job_role = row.name, row.team, row.job_role
        if row.site_given:
            trainee.site_id = row.site_id
        if not new:
            # Re-importing the same file should say nothing changed, not "2 updated".
            if before == (trainee.name, trainee.team, trainee.job_role, trainee.site_id):
                result.unchanged += 1
            else:
                result.updated += 1
    audit.record(
        AuditAction.TRAINEES_IMPORTED,
        actor=actor,
        target_type="agency",
        target_id=agency_id,
        purpose=result.summary,
    )
    db.session.commit()
    return result
