"""Server-side session records behind Flask-Login.

The signed cookie carries a random token; the database keeps only its SHA-256. Each request checks
the record's idle and absolute timeouts and the account's state, so signing out, a password change
or an admin disabling the account ends the session everywhere.

Each loaded session's ``Deadline`` is kept for the request (``current_deadline()``), so pages can
warn before it ends (the timeout dialog, session_views.py).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request

from .. import audit
from ..extensions import db, utcnow
from .models import User, UserSession

# Don't write last_seen on every request: once a minute is plenty for a 15-minute idle timeout.
TOUCH_INTERVAL = timedelta(seconds=60)

# Endpoints that read the session without counting as activity: the timeout dialog asks how long
# is left, and asking must not itself keep the session alive.
PASSIVE_ENDPOINTS: set[str] = set()


@dataclass(frozen=True)
class Deadline:
    """When a session ends: idle expiry or the absolute limit, whichever comes first."""

    idle_at: datetime
    absolute_at: datetime

    @property
    def at(self) -> datetime:
        return min(self.idle_at, self.absolute_at)

    @property
    def at_limit(self) -> bool:
        """True when activity can no longer extend the session (the absolute limit comes first)."""
        return self.absolute_at <= self.idle_at

    def seconds_left(self) -> int:
        return max(0, int((self.at - utcnow()).total_seconds()))


def _deadline(record: UserSession) -> Deadline:
    config = current_app.config
    return Deadline(
        idle_at=record.last_seen_at + config["SESSION_IDLE_TIMEOUT"],
        absolute_at=record.created_at + config["SESSION_ABSOLUTE_TIMEOUT"],
    )


def current_deadline() -> Deadline | None:
    """The deadline of the session this request signed in with, once the user has been loaded."""
    return g.get("daservice_session_deadline")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User) -> str:
    """Create a session record for ``user``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=_digest(token), user_id=user.id))
    user.session_id = token
    return token


def load(token: str) -> User | None:
    """The user for a cookie token; None if the session ended or expired, or the account is off."""
    if not token or len(token) > 100:
        return None
    record = db.session.get(UserSession, _digest(token))
    if record is None:
        return None
    now = utcnow()
    config = current_app.config
    expired = (
        now - record.last_seen_at > config["SESSION_IDLE_TIMEOUT"]
        or now - record.created_at > config["SESSION_ABSOLUTE_TIMEOUT"]
    )
    if expired or record.user.disabled:
        db.session.delete(record)
        db.session.commit()
        return None
    passive = has_request_context() and request.endpoint in PASSIVE_ENDPOINTS
    if not passive and now - record.last_seen_at > TOUCH_INTERVAL:
        record.last_seen_at = now
        db.session.commit()
    g.daservice_session_deadline = _deadline(record)
    user = record.user
    user.session_id = token
    return user


def keep_alive(token: str) -> Deadline | None:
    """Count now as activity, whatever the write throttle says ("Stay signed in" was pressed).
    None if the session has already ended. The absolute limit still stands."""
    record = db.session.get(UserSession, _digest(token))
    if record is None:
        return None
    record.last_seen_at = utcnow()
    db.session.commit()
    deadline = _deadline(record)
    g.daservice_session_deadline = deadline
    return deadline


def end_timed_out(user: User) -> None:
    """End ``user``'s current session because the timeout warning ran out (or they chose to)."""
    end(user.session_id)
    audit.record("logout.timed_out", actor=user)
    db.session.commit()


def end(token: str | None) -> None:
    if token:
        db.session.execute(sa.delete(UserSession).where(UserSession.id == _digest(token)))


def end_all(user_id: uuid.UUID, *, keep: str | None = None) -> None:
    """End every session of a user, except ``keep`` (the caller's own, after a password change)."""
    statement = sa.delete(UserSession).where(UserSession.user_id == user_id)
    if keep:
        statement = statement.where(UserSession.id != _digest(keep))
    db.session.execute(statement)
