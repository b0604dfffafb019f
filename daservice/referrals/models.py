"""Referrals, their routes to services, contact attempts, drafts and reference counters."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..directory.models import Service
from ..extensions import UUIDModel, db, str_enum, utcnow
from ..people.models import Person
from ..security.fields import Encrypted


class ConsentStatus(enum.StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    NOT_SOUGHT = "not_sought"


class RouteStatus(enum.StrEnum):
    HELD_FOR_CONSENT = "held_for_consent"
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CONTACT_ATTEMPTED = "contact_attempted"
    IN_SUPPORT = "in_support"
    CLOSED = "closed"


# The plain columns a manager's report counts referrals by, in its index after created_at.
REPORTING_DIMENSIONS = (
    "agency_id",
    "risk_level",
    "marac",
    "serial_perpetrator",
    "repeat_victim",
    "override_legal_basis",
    "visible_high_risk",
    "professional_judgement",
    "potential_escalation",
    "repeat",
)


class Referral(db.Model, UUIDModel):  # type: ignore[name-defined]
    """One referral of a victim. Dimensions for reporting are plain; everything she told us is
    protected."""

    __tablename__ = "referrals"
    # A referrer's own referrals, newest first (queries.referrals_made_by).
    # Reports count a period's referrals by the dimensions below, from this index alone
    # (reports/measures/referral_sql.py): the table's rows are wide with ciphertext, and a look-up
    # of each would cost more than the count.
    __table_args__ = (
        sa.Index("ix_referrals_referrer", "referrer_id", "created_at"),
        sa.Index("ix_referrals_reporting", "created_at", *REPORTING_DIMENSIONS),
    )

    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    referrer_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    api_client_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("api_clients.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"))
    victim_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id"), index=True)
    perpetrator_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Risk: plain, for reporting in SQL.
    risk_tool: Mapped[str] = mapped_column(sa.String(16), default="dash")
    risk_score: Mapped[int]
    risk_level: Mapped[str] = mapped_column(sa.String(16))
    marac: Mapped[bool] = mapped_column(default=False)
    visible_high_risk: Mapped[bool] = mapped_column(default=False)
    professional_judgement: Mapped[bool] = mapped_column(default=False)
    potential_escalation: Mapped[bool] = mapped_column(default=False)
    repeat: Mapped[bool] = mapped_column(default=False)
    incidents_past_12_months: Mapped[int | None]
    serial_perpetrator: Mapped[bool] = mapped_column(default=False)
    # Her victim had an earlier referral, by any agency, in the 12 months before this one (set at
    # intake; people are never merged later, so it stays true). Two referrals of her committed
    # at the same moment do not see each other, so neither is marked: rare, and on the safe side.
    repeat_victim: Mapped[bool] = mapped_column(default=False)
    refer_perpetrator_to_programme: Mapped[bool] = mapped_column(default=False)

    # What the SafeLives Marac data return counts, derived at intake from what she told us (which
    # stays protected): yes/no flags and a count, never the values. None: not known. They identify
    # nobody on their own and let the return be computed in SQL without decrypting a row.
    victim_male: Mapped[bool | None]
    victim_aged_16_17: Mapped[bool | None]
    victim_disabled: Mapped[bool | None]
    perpetrator_under_18: Mapped[bool | None]
    children_count: Mapped[int] = mapped_column(default=0)

    # Consent and, when sharing without it, the recorded lawful basis.
    consent_status: Mapped[ConsentStatus] = mapped_column(str_enum(ConsentStatus, 16))
    consent_recorded_at: Mapped[datetime | None]
    override_legal_basis: Mapped[str | None] = mapped_column(sa.String(40))
    override_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    override_at: Mapped[datetime | None]
    override_reason = Encrypted()

    # What she told us: protected. The identity and contact details are this referral's own copy:
    # the shared Person row is for matching only and is never shown or changed by a referral.
    victim_snapshot = Encrypted(dict)
    perpetrator_snapshot = Encrypted(dict)
    needs = Encrypted(list)  # special-category hints (mental health, immigration...)
    victim_details = Encrypted(dict)  # language, interpreter, disability
    safe_contact = Encrypted(dict)
    perpetrator_relationship = Encrypted()
    children = Encrypted(list)
    dash_answers = Encrypted(dict)
    judgement_reason = Encrypted()
    narrative = Encrypted()

    victim: Mapped[Person] = relationship(foreign_keys=[victim_id], lazy="joined")
    perpetrator: Mapped[Person | None] = relationship(foreign_keys=[perpetrator_id])
    routes: Mapped[list[Route]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="Route.created_at"
    )

    @property
    def criteria(self) -> list[str]:
        flags = ("visible_high_risk", "professional_judgement", "potential_escalation", "repeat")
        return [name for name in flags if getattr(self, name)]

    def __repr__(self) -> str:
        return f"<Referral {self.reference}>"


# Routes waiting for consent, as ix_routes_held's condition: spelled out, not bound, so that the
# database can tell a query asking for them may read that index.
HELD_NOW = sa.text(f"status = '{RouteStatus.HELD_FOR_CONSENT.value}'")


class Route(db.Model, UUIDModel):  # type: ignore[name-defined]
    """A referral routed to one service, and where it has got to."""

    __tablename__ = "routes"
    # The unique constraint also finds a referral's routes. A service's inbox reads service_id's
    # own index: status and due time are sorted from its rows (an index over all three was
    # measured slower, with a table lookup per row; docs/performance.md).
    # Reports count a period's released routes from one index alone, and the routes held for
    # consent now from ix_routes_held (reports/measures/referral_sql.py). The released routes'
    # index differs by database. PostgreSQL reads the period's range (released_at first) and
    # groups it by hashing. SQLite groups by sorting, so its index is in grouping order: with
    # the statistics ANALYZE keeps, it skips from group to group, reading each group's range of
    # released_at, and sorts nothing (a plan year's statement in half the time;
    # docs/performance.md). PostgreSQL before 18 cannot skip so, and would read every route.
    __table_args__ = (
        sa.UniqueConstraint("referral_id", "service_id"),
        sa.Index(
            "ix_routes_reporting",
            "released_at",
            "service_id",
            "referral_agency_id",
            "referral_risk_level",
            "due_at",
            "first_contact_at",
            "first_contact_working_days",
            "created_at",
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            "ix_routes_reporting_grouped",
            "service_id",
            "referral_risk_level",
            "first_contact_working_days",
            "released_at",
            "referral_agency_id",
            "due_at",
            "first_contact_at",
            "created_at",
        ).ddl_if(dialect="sqlite"),
        sa.Index(
            "ix_routes_held",
            "service_id",
            "referral_agency_id",
            sqlite_where=HELD_NOW,
            postgresql_where=HELD_NOW,
        ),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE")
    )
    service_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("services.id"), index=True)
    status: Mapped[RouteStatus] = mapped_column(str_enum(RouteStatus))
    # The referral's agency and risk level, copied at intake (neither ever changes), so a report
    # counts routes by them without a look-up of each route's referral.
    referral_agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"))
    referral_risk_level: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]  # when it left held_for_consent (or was created pending)
    due_at: Mapped[datetime | None]  # first contact attempt due
    first_contact_at: Mapped[datetime | None]
    # Working days from the UK day of release to that of the first attempt (referrals/sla.py),
    # counted when the attempt is logged: no database knows England's bank holidays.
    first_contact_working_days: Mapped[int | None]
    # Set by `flask jobs run` when the first contact attempt became overdue (for reporting).
    sla_breached_at: Mapped[datetime | None]
    outcome_code: Mapped[str | None] = mapped_column(sa.String(40))
    decline_reason = Encrypted()
    outcome_notes = Encrypted()

    referral: Mapped[Referral] = relationship(back_populates="routes")
    service: Mapped[Service] = relationship(lazy="joined")
    attempts: Mapped[list[ContactAttempt]] = relationship(
        back_populates="route", cascade="all, delete-orphan", order_by="ContactAttempt.at"
    )

    def __repr__(self) -> str:
        return f"<Route {self.id} {self.status}>"


class ContactAttempt(db.Model, UUIDModel):  # type: ignore[name-defined]
    """One attempt to reach her: when it was made (the worker may say), how, what happened."""

    __tablename__ = "contact_attempts"

    route_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("routes.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(sa.String(16))
    outcome: Mapped[str] = mapped_column(sa.String(32))
    notes = Encrypted()
    # Why the worker went against her safe-contact instructions (route_actions.unsafe_because):
    # empty unless they confirmed they had to. Which instruction it broke is not stored: it follows
    # from the channel, the outcome and her (protected) instructions.
    override_reason = Encrypted()

    route: Mapped[Route] = relationship(back_populates="attempts")


class ReferenceCounter(db.Model):  # type: ignore[name-defined]
    """Per-year sequence behind references like DA-2026-000123 (updated first, so it serialises)."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class ReferralDraft(db.Model, UUIDModel):  # type: ignore[name-defined]
    """A referral being written on the web; saved as the author goes, encrypted like the rest."""

    __tablename__ = "referral_drafts"

    author_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_referral_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("referrals.id"))
    answers = Encrypted(dict)
