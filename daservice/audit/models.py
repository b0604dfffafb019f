"""Append-only, hash-chained audit events. No personal data: ids, codes and times only."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db, utcnow


class AuditEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    agency_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    action: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str | None] = mapped_column(sa.String(64))
    target_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    purpose: Mapped[str | None] = mapped_column(sa.String(120))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    key_id: Mapped[str] = mapped_column(sa.String(8))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.seq} {self.action}>"


class AuditChainHead(db.Model):  # type: ignore[name-defined]
    """One row: the last sequence number and hash. Updating it first serialises appenders."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    # HMAC over (last_seq, last_hash), so truncating the trail and rewinding the head is detected.
    mac: Mapped[str | None] = mapped_column(sa.String(64))
