"""When each scheduled job last ran and is next due, and which server holds it now."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class JobRun(db.Model):  # type: ignore[name-defined]
    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    next_run_at: Mapped[datetime]
    # Set while a server runs the job: no other server starts it until this has passed.
    lease_until: Mapped[datetime | None]
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(sa.String(200))
    last_failed: Mapped[bool] = mapped_column(default=False)
