"""Throttling sign-in: per source address (the shared ``sign_in`` rate limit) and per account
(lockout)."""

from __future__ import annotations

from flask import current_app

from ..extensions import utcnow
from ..security import ratelimit
from .models import User

SIGN_IN = "sign_in"  # RATE_LIMITS["sign_in"]


def charge_source(source: str) -> ratelimit.Decision:
    """Count a password attempt against its address before checking it, so a burst of parallel
    guesses cannot all get in before the first failure is recorded. Refused over the limit."""
    return ratelimit.hit(SIGN_IN, source)


def forgive_source(source: str) -> None:
    """A sign-in that succeeded is not held against its address: only failures count, so an
    office whose staff all sign in from one address is not throttled by its own users."""
    ratelimit.refund(SIGN_IN, source)


def note_source_failure(source: str) -> None:
    """A failed second factor counts against its address like a failed password."""
    ratelimit.hit(SIGN_IN, source)


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
