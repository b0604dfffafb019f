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

from ..extensions import UTCDateTime, UUIDModel, db, str_enum, utcnow


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


# Ended months counted once (``measures/month_counts.py``, migration 0015). Derived rows only: the
# job counts a month again after its referrals or routes change, so they carry no references.


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, nullable=False, default=0)


referral_months = sa.Table(
    "report_referral_months",
    db.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("month", sa.Date, nullable=False),  # the UK month's first day
    sa.Column("agency_id", sa.Uuid, nullable=False),
    sa.Column("override_legal_basis", sa.String(40)),
    *(
        _count(name)
        for name in (
            "n",
            "high",
            "medium",
            "standard",
            "marac",
            "serial_perpetrator",
            "repeat_victim",
            "visible_high_risk",
            "professional_judgement",
            "potential_escalation",
            "repeat",
        )
    ),
    sa.Index("ix_report_referral_months_month", "month"),
)

route_months = sa.Table(
    "report_route_months",
    db.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("month", sa.Date, nullable=False),  # the UK month of release
    sa.Column("service_id", sa.Uuid, nullable=False),
    sa.Column("referral_agency_id", sa.Uuid, nullable=False),
    sa.Column("referral_risk_level", sa.String(16), nullable=False),
    sa.Column("first_contact_working_days", sa.Integer),
    *(_count(name) for name in ("n", "attempted", "in_time", "decided", "after_consent")),
    sa.Index("ix_report_route_months_month", "month"),
)

# Which months are counted (and up to date while no change to their rows is listed below).
counted_months = sa.Table(
    "report_months",
    db.metadata,
    sa.Column("kind", sa.String(16), primary_key=True),  # "referrals", "routes"
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("counted_at", UTCDateTime(), nullable=False),
)

# A change to a row of a month over a day old, written by the triggers on referrals and routes
# since the month was last counted. Only ever inserted by writers (so they never wait for each
# other) and deleted by the count.
month_changes = sa.Table(
    "report_month_changes",
    db.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("month", sa.Date, nullable=False),
    sa.Index("ix_report_month_changes_month", "kind", "month"),
)
