"""Report exports: the board pack (PDF), every table (CSV in a ZIP) and the Marac return.

A board pack over a year of referrals takes seconds, and a web worker must never spend them: the
page asks for an export (``request_export``: the row and its audit event, one transaction), a
background thread prepares it (``run_export``), and the status page the manager is sent to shows
its progress ("section 3 of 6") until it becomes a download. The file is kept in the database
(any app server can serve it) and deleted after ``REPORT_EXPORTS_KEPT_FOR`` by the job
``reports.expire_exports``.

The background threads belong to each web process (``ExportRunner``, a small thread pool in
``app.extensions``): nothing else to deploy. A process that is restarted loses the exports it was
preparing; their rows stop being touched (``heartbeat_at``) and after
``REPORT_EXPORTS_STALE_AFTER`` are shown as failed, so the manager is told to try again rather
than watching a page that never changes. ``REPORT_EXPORTS_INLINE`` runs each export in the
request instead (tests).

``file_for`` makes the same files for ``flask reports export`` (``reports/cli.py``).
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from .. import audit, jobs
from ..accounts.models import User
from ..audit import AuditAction
from ..exceptions import NotFound
from ..extensions import db, utcnow
from ..pdf import RenderBusy
from ..uk_time import uk_today
from . import periods
from .models import ExportFormat, ExportStatus, ReportExport
from .periods import Period
from .sections import ReportQuery, build_pack, registered

logger = logging.getLogger("daservice.reports.exports")

EXTENSION = "daservice.report_exports"
TARGET_TYPE = "report_export"
STOPPED = "It stopped before it finished. Try again."
BUSY = "The service was too busy to prepare it. Try again in a few minutes."
BROKEN = "Something went wrong preparing it. Try again, and if it happens again tell support."

MIMETYPES = {
    ExportFormat.PDF: "application/pdf",
    ExportFormat.CSV: "application/zip",
    ExportFormat.MARAC_RETURN: "text/csv",
}
WHAT = {
    ExportFormat.PDF: "board pack",
    ExportFormat.CSV: "CSV tables",
    ExportFormat.MARAC_RETURN: "Marac return",
}


def plan_years() -> list[Period]:
    """The training plan's years as periods (``PY2024``), for ``periods.parse``."""
    from ..training.planning import current_plan

    plan = current_plan()
    if plan is None:
        return []
    return [periods.plan_year(y.starts_on, y.ends_on, y.number) for y in plan.years]


def parse_period(key: str) -> Period:
    """The period ``key`` names (a month, quarter or plan year) if it has started; ``BadPeriod``
    otherwise (a period still to come would be a file of zeros, as the dashboard refuses too)."""
    period = periods.parse(key, plan_years())
    if period.start > uk_today():
        raise periods.BadPeriod("Choose a period that has started")
    return period


def parse_format(value: str) -> ExportFormat:
    """``pdf``, ``csv`` or ``marac-return``; ``ValueError`` otherwise."""
    return ExportFormat(value)


def choices_for(actor: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The agencies and services ``actor`` may ask for, as (id, name): only her own agency (and
    its services) when she is limited to it."""
    from ..accounts.models import Agency
    from ..directory.models import Service
    from .scope import limited_to

    own = limited_to(actor)
    agencies = db.session.execute(
        sa.select(Agency.id, Agency.name)
        .where(Agency.id == own if own else Agency.active.is_(True))
        .order_by(Agency.name)
    ).all()
    services = db.session.execute(
        sa.select(Service.id, Service.name)
        .where(Service.agency_id == own if own else sa.true())
        .order_by(Service.name)
    ).all()
    return [(str(i), n) for i, n in agencies], [(str(i), n) for i, n in services]


# --- The files ---------------------------------------------------------------------------------


def filename_for(fmt: ExportFormat, query: ReportQuery, agency_code: str | None = None) -> str:
    """``board-pack-2026-Q3.pdf``, ``report-tables-2026-Q3-MPS.zip``, ``marac-return-2026-Q3.csv``
    (an agency's code when limited to one; never anything about a person)."""
    stem = {
        ExportFormat.PDF: "board-pack",
        ExportFormat.CSV: "report-tables",
        ExportFormat.MARAC_RETURN: "marac-return",
    }[fmt]
    suffix = {ExportFormat.PDF: "pdf", ExportFormat.CSV: "zip", ExportFormat.MARAC_RETURN: "csv"}
    scope = f"-{agency_code}" if agency_code else ""
    return f"{stem}-{query.period.key}{scope}.{suffix[fmt]}"


def _agency_code(agency_id: uuid.UUID | None) -> str | None:
    from ..accounts.models import Agency

    if agency_id is None:
        return None
    return db.session.scalar(sa.select(Agency.code).where(Agency.id == agency_id))


def file_for(
    fmt: ExportFormat,
    query: ReportQuery,
    generated_by: str | None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, bytes]:
    """The file name and bytes of ``fmt`` for ``query``: what a download and the CLI give.

    ``progress(done, total)`` is called as the pack's sections are built (PDF and CSV).
    """
    name = filename_for(fmt, query, _agency_code(query.agency_id))
    if fmt is ExportFormat.MARAC_RETURN:
        from .marac_return import csv_bytes  # the referral-measures part (issue 12)

        return name, csv_bytes(query)
    pack = build_pack(query, progress=progress)
    if fmt is ExportFormat.CSV:
        from .csv_export import tables_zip  # the dashboard part (issue 12)

        return name, tables_zip(pack)
    from .board_pack import render

    return name, render(pack, generated_by)


# --- Asking for an export, and preparing it -----------------------------------------------------


def request_export(actor: User, fmt: ExportFormat, query: ReportQuery) -> ReportExport:
    """Queue an export of ``fmt`` for ``query`` (already scoped to what ``actor`` may see)."""
    row = ReportExport(
        requested_by_id=actor.id,
        format=fmt,
        period_key=query.period.key,
        agency_id=query.agency_id,
        service_id=query.service_id,
        status=ExportStatus.QUEUED,
        steps_total=0 if fmt is ExportFormat.MARAC_RETURN else len(registered()),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        AuditAction.REPORT_EXPORT_REQUESTED,
        actor=actor,
        target_type=TARGET_TYPE,
        target_id=row.id,
        purpose=f"{fmt.value} {query.period.key}",
    )
    db.session.commit()
    return row


def start(export_id: uuid.UUID) -> None:
    """Prepare the export in the background (or now, with ``REPORT_EXPORTS_INLINE``)."""
    runner: ExportRunner = current_app.extensions[EXTENSION]
    runner.submit(export_id)


def _touch(export_id: uuid.UUID, **values: object) -> None:
    """Update the export's row in a transaction of its own (the status page reads it)."""
    db.session.execute(sa.update(ReportExport).where(ReportExport.id == export_id).values(**values))
    db.session.commit()


def run_export(export_id: uuid.UUID) -> None:
    """Prepare a queued export: build, render, store; on failure say so in safe words.

    Claimed with a conditional update, so an export runs once even if started twice.
    """
    now = utcnow()
    claimed = db.session.execute(
        sa.update(ReportExport)
        .where(ReportExport.id == export_id, ReportExport.status == ExportStatus.QUEUED)
        .values(status=ExportStatus.RUNNING, heartbeat_at=now)
    )
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return
    try:
        row = db.session.get(ReportExport, export_id)
        if row is None:  # deleted between the claim and now (the expiry job): nothing to do
            return
        requester = db.session.get(User, row.requested_by_id)
        fmt, agency_id, service_id = row.format, row.agency_id, row.service_id
        query = ReportQuery(parse_period(row.period_key), agency_id, service_id)
        db.session.commit()  # end the read: each step below is its own short transaction

        def progress(done: int, total: int) -> None:
            _touch(export_id, steps_done=done, steps_total=total, heartbeat_at=utcnow())

        name, content = file_for(
            fmt, query, requester.display_name if requester else None, progress=progress
        )
        _touch(
            export_id,
            status=ExportStatus.DONE,
            filename=name,
            content=content,
            size_bytes=len(content),
            finished_at=utcnow(),
            heartbeat_at=utcnow(),
        )
    except Exception as exc:  # noqa: BLE001 - whatever it was, the manager must be told
        db.session.rollback()
        # Where it failed, without what it said: an exception's message can quote a value (a
        # database error quotes the row). The page gets safe words.
        logger.error(
            "report export %s failed: %s\n%s",
            export_id,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        _touch(
            export_id,
            status=ExportStatus.FAILED,
            failure=BUSY if isinstance(exc, RenderBusy) else BROKEN,
            finished_at=utcnow(),
        )


class ExportRunner:
    """Runs exports on a few background threads of this process, each in its own app context."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.inline = bool(app.config["REPORT_EXPORTS_INLINE"])
        self.executor = ThreadPoolExecutor(
            max_workers=int(app.config["REPORT_EXPORTS_WORKERS"]),
            thread_name_prefix="report-export",
        )

    def submit(self, export_id: uuid.UUID) -> Future[None] | None:
        if self.inline:
            run_export(export_id)
            return None
        return self.executor.submit(self._run, export_id)

    def _run(self, export_id: uuid.UUID) -> None:
        with self.app.app_context():  # its own session, closed when the export is done
            try:
                run_export(export_id)
            finally:
                db.session.remove()


# --- What the status page and the list show ------------------------------------------------------


@dataclass(frozen=True)
class ExportView:
    """An export as its requester sees it: its status after the heartbeat rule."""

    id: uuid.UUID
    format: ExportFormat
    what: str  # "board pack"
    period_label: str
    created_at: datetime
    status: ExportStatus
    steps_done: int
    steps_total: int
    failure: str | None
    filename: str | None
    size_bytes: int | None

    @property
    def running(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)


def is_stale(row: ReportExport, now: datetime | None = None) -> bool:
    """Queued or running, but not heard from for ``REPORT_EXPORTS_STALE_AFTER``: its worker is
    gone (a restarted server) and it will never finish."""
    if row.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return False
    limit: timedelta = current_app.config["REPORT_EXPORTS_STALE_AFTER"]
    last = _aware(row.heartbeat_at or row.created_at)
    return (now or utcnow()) - last > limit


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def _label(key: str, years: list[Period]) -> str:
    try:
        return periods.parse(key, years).label
    except periods.BadPeriod:
        return key  # a plan year since removed from the plan: its key still says what it was


def _view(row: ReportExport, now: datetime, years: list[Period]) -> ExportView:
    stale = is_stale(row, now)
    return ExportView(
        id=row.id,
        format=row.format,
        what=WHAT[row.format],
        period_label=_label(row.period_key, years),
        created_at=row.created_at,
        status=ExportStatus.FAILED if stale else row.status,
        steps_done=row.steps_done,
        steps_total=row.steps_total,
        failure=STOPPED if stale else row.failure,
        filename=row.filename,
        size_bytes=row.size_bytes,
    )


def _own(actor: User, export_id: uuid.UUID) -> ReportExport:
    row = db.session.get(ReportExport, export_id)
    if row is None or row.requested_by_id != actor.id:
        raise NotFound("report export")  # anyone else's export does not exist for her
    return row


def status_of(actor: User, export_id: uuid.UUID) -> ExportView:
    """One of ``actor``'s own exports; ``NotFound`` for anyone else's."""
    return _view(_own(actor, export_id), utcnow(), plan_years())


def recent_for(actor: User, limit: int = 20) -> list[ExportView]:
    """``actor``'s exports still kept, newest first."""
    rows = db.session.scalars(
        sa.select(ReportExport)
        .where(ReportExport.requested_by_id == actor.id)
        .order_by(ReportExport.created_at.desc())
        .limit(limit)
    )
    now, years = utcnow(), plan_years()
    return [_view(row, now, years) for row in rows]


@dataclass(frozen=True)
class Download:
    filename: str
    content: bytes
    format: ExportFormat

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.format]


def ready_file(actor: User, export_id: uuid.UUID) -> Download | None:
    """The finished file of one of ``actor``'s exports; None while it is not ready;
    ``NotFound`` for anyone else's. Not audited: the download is (``record_download``, or
    ``pdf_response`` for the board pack)."""
    row = _own(actor, export_id)
    if row.status is not ExportStatus.DONE or row.content is None or row.filename is None:
        return None
    return Download(row.filename, row.content, row.format)


def record_download(actor: User, export_id: uuid.UUID, fmt: ExportFormat) -> None:
    """Audit a CSV or Marac-return download (one transaction)."""
    audit.record(
        AuditAction.REPORT_EXPORT_DOWNLOADED,
        actor=actor,
        target_type=TARGET_TYPE,
        target_id=export_id,
        purpose=WHAT[fmt],
    )
    db.session.commit()


# --- Housekeeping --------------------------------------------------------------------------------


def kept_for_words() -> str:
    """How long a finished export is kept, as the pages say it: "24 hours"."""
    from ..errors import wait_in_words

    return wait_in_words(int(current_app.config["REPORT_EXPORTS_KEPT_FOR"].total_seconds()))


def expire_exports(now: datetime | None = None) -> str:
    """Delete exports older than ``REPORT_EXPORTS_KEPT_FOR`` (job ``reports.expire_exports``)."""
    kept_for: timedelta = current_app.config["REPORT_EXPORTS_KEPT_FOR"]
    cutoff = (now or utcnow()) - kept_for
    deleted = db.session.execute(sa.delete(ReportExport).where(ReportExport.created_at < cutoff))
    db.session.commit()
    return f"{deleted.rowcount} deleted"  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """The background runner of this process, and the job that deletes old exports."""
    app.extensions[EXTENSION] = ExportRunner(app)
    jobs.register("reports.expire_exports", expire_exports, every=timedelta(hours=1))
