"""Services (HSDS ``service`` and ``service_capacity`` fields) and who works their inboxes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Agency, User
from ..extensions import UUIDModel, db, str_enum, utcnow


class ServiceKind(enum.StrEnum):
    IDVA = "idva"
    MARAC = "marac"
    OUTREACH = "outreach"
    CHILDRENS_SAFEGUARDING = "childrens_safeguarding"
    HOUSING = "housing"
    PERPETRATOR_PROGRAMME = "perpetrator_programme"
    REFUGE = "refuge"
    OTHER = "other"


class ServiceStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily_closed"


class Service(db.Model, UUIDModel):  # type: ignore[name-defined]
    __tablename__ = "services"

    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[ServiceKind] = mapped_column(str_enum(ServiceKind), index=True)
    status: Mapped[ServiceStatus] = mapped_column(
        str_enum(ServiceStatus), default=ServiceStatus.ACTIVE
    )
    description: Mapped[str] = mapped_column(sa.Text, default="")
    eligibility_description: Mapped[str] = mapped_column(sa.Text, default="")
    minimum_age: Mapped[int | None]
    maximum_age: Mapped[int | None]
    languages: Mapped[str] = mapped_column(sa.String(500), default="English")
    capacity_available: Mapped[int | None]
    capacity_maximum: Mapped[int | None]
    capacity_updated_at: Mapped[datetime | None]
    # Lawful to receive a referral without the victim's consent (Marac, IDVA at Marac risk,
    # children's safeguarding); every other route waits for consent.
    receives_without_consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
    members: Mapped[list[ServiceMember]] = relationship(
        cascade="all, delete-orphan", back_populates="service"
    )

    def __repr__(self) -> str:
        return f"<Service {self.kind} {self.id}>"


class ServiceMember(db.Model):  # type: ignore[name-defined]
    """A service worker who works this service's inbox."""

    __tablename__ = "service_members"

    service_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    service: Mapped[Service] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class DirectoryVersion(db.Model):  # type: ignore[name-defined]
    """One row naming the current state of what routing, notifications and API sign-in read:
    services, who works them, a user's email address or disabled flag, and partner systems' API
    clients. Database triggers (migration 0004)
    give it a fresh random value in the same transaction as any such change, whatever makes it
    (the app, a CLI, plain SQL), so a process's cached directory can tell on every use whether it
    is still current (``cache.py``). Random, not a counter: a value written by a transaction that
    rolled back is never written again by one that commits."""

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(32))
