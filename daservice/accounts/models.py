"""Agencies, users, roles, MFA and sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UUIDModel, db, str_enum, utcnow
from ..security.fields import Encrypted
from ..security.permissions import ROLE_LABELS, Role

__all__ = [
    "ROLE_LABELS",
    "Agency",
    "RecoveryCode",
    "SetupLink",
    "Role",
    "User",
    "UserRole",
    "UserSession",
]


class Agency(db.Model, UUIDModel):  # type: ignore[name-defined]
    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)

    users: Mapped[list[User]] = relationship(back_populates="agency")

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class User(db.Model, UUIDModel):  # type: ignore[name-defined]
    __tablename__ = "users"

    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-cased
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # A manager who sees only her own agency's figures in reports (reports/scope.py).
    reports_own_agency_only: Mapped[bool] = mapped_column(default=False)

    # MFA: the TOTP secret is protected; the last accepted time step stops replay.
    totp_secret = Encrypted()
    totp_confirmed: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]

    agency: Mapped[Agency] = relationship(back_populates="users", lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        cascade="all, delete-orphan", back_populates="user"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    # Flask-Login protocol. get_id returns the session id (an "alternative token"), so revoking the
    # session row signs the user out everywhere that cookie is used.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def session_id(self) -> str | None:
        """The server-side session this user came in on (set per request by accounts.sessions)."""
        return self.__dict__.get("_session_token")

    @session_id.setter
    def session_id(self, token: str | None) -> None:
        self.__dict__["_session_token"] = token

    def get_id(self) -> str | None:
        return self.session_id

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(db.Model):  # type: ignore[name-defined]
    __tablename__ = "user_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class RecoveryCode(db.Model, UUIDModel):  # type: ignore[name-defined]
    """Single-use MFA recovery codes (``security.tokens.RECOVERY_CODE``), stored as its digest."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class UserSession(db.Model):  # type: ignore[name-defined]
    """A signed-in browser session. The cookie holds only a random id; this row is the truth."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # SHA-256 of the cookie token
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class SetupLink(db.Model, UUIDModel):  # type: ignore[name-defined]
    """A single-use, expiring link, emailed to an account's holder, with which they choose their
    password and set up their authenticator themselves (accounts/setup_links.py). Only its digest
    is stored. One per user: sending another replaces it. While a user has one that is unused
    (expired or not), their authenticator can be set up only through a link, never at sign-in."""

    __tablename__ = "account_setup_links"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # True for a new account or a password reset: the holder chooses a password. False for an
    # authenticator reset: the holder proves they know their current password instead.
    set_password: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<SetupLink {self.id}>"
