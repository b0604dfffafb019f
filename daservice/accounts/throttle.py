"""Throttling sign-in: per account (lockout) and per source address (sliding window)."""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app

from ..extensions import db, utcnow
from .models import LoginFailure, User


def _source_hash(source: str) -> str:
    # Keyed, so the table does not hold addresses (personal data) in a reversible form.
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"login-source\x00" + source.encode(), hashlib.sha256).hexdigest()


def source_blocked(source: str) -> bool:
    config = current_app.config
    since = utcnow() - config["LOGIN_IP_WINDOW"]
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.source_hash == _source_hash(source), LoginFailure.occurred_at > since)
    )
    return int(count or 0) >= config["LOGIN_MAX_FAILURES_PER_IP"]


def note_source_failure(source: str) -> None:
    db.session.add(LoginFailure(source_hash=_source_hash(source)))


def prune() -> int:
    """Forget failures older than the window (the ``flask jobs run`` job). Commits."""
    since = utcnow() - current_app.config["LOGIN_IP_WINDOW"]
    gone = db.session.execute(sa.delete(LoginFailure).where(LoginFailure.occurred_at <= since))
    db.session.commit()
    return int(gone.rowcount)  # type: ignore[attr-defined]


def account_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def note_account_failure(user: User) -> bool:
    """Count a failure; returns True if this one locked the account."""
    config = current_app.config
    if account_locked(user):
        return False
    user.failed_logins += 1
    if user.failed_logins >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        user.locked_until = utcnow() + config["LOGIN_LOCKOUT"]
        user.failed_logins = 0
        return True
    return False


def clear_account(user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None
