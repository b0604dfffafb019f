"""Plain typed factories for test data. All synthetic."""

from __future__ import annotations

import itertools
import time

from daservice.accounts import mfa, passwords
from daservice.accounts.models import Agency, Role, User, UserRole
from daservice.extensions import db

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def agency(code: str | None = None, name: str | None = None) -> Agency:
    n = next(_seq)
    row = Agency(code=code or f"AG{n}", name=name or f"Agency {n}")
    db.session.add(row)
    db.session.commit()
    return row


def user(
    *roles: Role,
    agency_row: Agency | None = None,
    email: str | None = None,
    enrolled: bool = True,
    password: str = PASSWORD,
    **fields: object,
) -> User:
    n = next(_seq)
    row = User(
        email=email or f"user{n}@example.test",
        display_name=f"Test User {n}",
        agency_id=(agency_row or agency()).id,
        password_hash=passwords.hash_password(password),
        **fields,
    )
    row.role_rows = [UserRole(role=r) for r in (roles or (Role.REFERRER,))]
    if enrolled:
        row.totp_secret = mfa.new_secret()
        row.totp_confirmed = True
    db.session.add(row)
    db.session.commit()
    return row


def next_code(row: User) -> str:
    """A valid code for a time step the user has not used yet (so tests never trip replay)."""
    db.session.refresh(row)
    secret = row.totp_secret
    assert secret is not None
    now = time.time()
    step = int(now // mfa.STEP_SECONDS)
    last = row.totp_last_step or -1
    # Within the accepted drift window, pick a step after the last one used; the current step
    # first, so a step boundary passing before the request lands does not push it out of the window.
    for candidate in (step, step + 1):
        if candidate > last:
            return mfa.code_at(secret, candidate * mfa.STEP_SECONDS)
    raise AssertionError("no unused step in the drift window; wait 30 seconds")
