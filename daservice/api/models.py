"""Partner systems (API clients) and the responses kept for idempotent retries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import UUIDModel, db, utcnow


@dataclass(frozen=True)
class PartnerSystem:
    """The API client a request comes from: what the request needs of its ``ApiClient`` row."""

    id: uuid.UUID
    agency_id: uuid.UUID
    name: str


class ApiClient(db.Model, UUIDModel):  # type: ignore[name-defined]
    """A partner system allowed to send referrals for one agency. Only the token's hash is kept."""

    __tablename__ = "api_clients"

    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<ApiClient {self.id}>"


class IdempotencyRecord(db.Model):  # type: ignore[name-defined]
    """A POST's response, kept so a retry with the same key gets the same answer."""

    __tablename__ = "idempotency_records"

    api_client_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("api_clients.id", ondelete="CASCADE"), primary_key=True
    )
    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    response_json: Mapped[str] = mapped_column(sa.Text)  # holds no protected values
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
