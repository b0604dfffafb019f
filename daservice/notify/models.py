"""The outbox: messages written in the same transaction as the change that causes them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import UUIDModel, db, str_enum, utcnow


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for delivery (or for its next attempt)
    SENT = "sent"  # handed to the backend (for an audience: expanded into one message each)
    FAILED = "failed"  # gave up after the last attempt: an administrator decides what next


class OutboxMessage(db.Model, UUIDModel):  # type: ignore[name-defined]
    """One message to deliver: a registered template, to an email address or to an audience that
    is resolved to addresses when the message is sent (a service's workers, say). Holds no case
    detail: templates are fixed text and declare the few parameters they take."""

    __tablename__ = "outbox_messages"
    # What `flask jobs run` asks for: pending messages whose next attempt is due.
    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    template: Mapped[str] = mapped_column(sa.String(64))
    audience: Mapped[str] = mapped_column(sa.String(32))  # "email", or a registered audience
    address: Mapped[str] = mapped_column(sa.String(320))  # the email, or the audience's key
    params: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus, 16), default=MessageStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # The kind of failure only (an exception's class name): never a message text, which could
    # echo an address or a server's reply.
    last_error: Mapped[str | None] = mapped_column(sa.String(120))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.template} {self.status}>"
