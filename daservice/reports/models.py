"""Exports being prepared in the background, and the files they became.

A board pack takes seconds; the web worker that was asked for it hands it to a background thread
and answers at once with a status page, which becomes a download when the file is ready. The
file is kept in the database (not on one server's disk) so any app server can serve the status
page and the download, and it is deleted after ``REPORT_EXPORTS_KEPT_FOR``. It holds aggregates
only, like every report.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import UUIDModel, db, str_enum, utcnow


class ExportFormat(enum.StrEnum):
    PDF = "pdf"  # the board pack
    CSV = "csv"  # every table, one CSV each, in a ZIP
    MARAC_RETURN = "marac-return"  # the SafeLives Marac quarterly data return (CSV)


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportExport(db.Model, UUIDModel):  # type: ignore[name-defined]
    __tablename__ = "report_exports"
    __table_args__ = (sa.Index("ix_report_exports_requester", "requested_by_id", "created_at"),)

    requested_by_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    format: Mapped[ExportFormat] = mapped_column(str_enum(ExportFormat, 16))
    period_key: Mapped[str] = mapped_column(sa.String(16))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("agencies.id"))
    service_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("services.id"))
    status: Mapped[ExportStatus] = mapped_column(
        str_enum(ExportStatus, 16), default=ExportStatus.QUEUED
    )
    steps_done: Mapped[int] = mapped_column(default=0)
    steps_total: Mapped[int] = mapped_column(default=0)
    # Set by the thread doing the work while it works: a row still "running" long after this
    # was last touched lost its worker (a restarted server) and is shown as failed.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    filename: Mapped[str | None] = mapped_column(sa.String(120))
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    size_bytes: Mapped[int | None]
    failure: Mapped[str | None] = mapped_column(sa.String(200))  # what went wrong, no data

    def __repr__(self) -> str:
        return f"<ReportExport {self.id} {self.format} {self.status}>"
