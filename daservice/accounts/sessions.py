"""Server-side session records behind Flask-Login.

The signed cookie carries a random token; the database keeps only its SHA-256. Each request checks
the record's idle and absolute timeouts and the account's state, so signing out, a password change
or an admin disabling the account ends the session everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db, utcnow
from .models import User, UserSession

# Don't write last_seen on every request: once a minute is plenty for a 15-minute idle timeout.
TOUCH_INTERVAL = timedelta(seconds=60)


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
    if now - record.last_seen_at > TOUCH_INTERVAL:
        record.last_seen_at = now
        db.session.commit()
    user = record.user
    user.session_id = token
    return user


def end(token: str | None) -> None:
    if token:
        db.session.execute(sa.delete(UserSession).where(UserSession.id == _digest(token)))


def end_all(user_id: uuid.UUID, *, keep: str | None = None) -> None:
    """End every session of a user, except ``keep`` (the caller's own, after a password change)."""
    statement = sa.delete(UserSession).where(UserSession.user_id == user_id)
    if keep:
        statement = statement.where(UserSession.id != _digest(keep))
    db.session.execute(statement)
