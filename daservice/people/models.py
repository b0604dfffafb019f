"""People (victims and perpetrators) and their blind-index rows."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UUIDModel, db, str_enum, utcnow
from ..security.fields import Encrypted


class PersonKind(enum.StrEnum):
    VICTIM = "victim"
    PERPETRATOR = "perpetrator"


class Person(db.Model, UUIDModel):  # type: ignore[name-defined]
    """Someone a referral is about. Identity and contact details are protected fields."""

    __tablename__ = "people"

    kind: Mapped[PersonKind] = mapped_column(str_enum(PersonKind, 16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by `flask retention run` when the protected fields have been erased.
    erased_at: Mapped[datetime | None]

    first_name = Encrypted()
    last_name = Encrypted()
    other_names = Encrypted()
    date_of_birth = Encrypted(date)
    gender = Encrypted()
    address = Encrypted()
    postcode = Encrypted()
    phone = Encrypted()
    email = Encrypted()

    index_rows: Mapped[list[PersonIndex]] = relationship(
        cascade="all, delete-orphan", back_populates="person"
    )

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.kind}>"


class PersonIndex(db.Model):  # type: ignore[name-defined]
    """One blind-index value of a person (truncated keyed HMAC; see security/blind_index.py)."""

    __tablename__ = "person_index"
    __table_args__ = (sa.Index("ix_person_index_lookup", "name", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(32))
    key_id: Mapped[str] = mapped_column(sa.String(8))
    value: Mapped[str] = mapped_column(sa.String(16))

    person: Mapped[Person] = relationship(back_populates="index_rows")

    def __repr__(self) -> str:
        return f"<PersonIndex {self.name}>"
