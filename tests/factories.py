"""Plain typed factories for test data. All synthetic."""

from __future__ import annotations

import itertools
import time

import sqlalchemy as sa

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


def directory() -> dict:
    """The demo partnership's agencies' services, one per kind."""
    from daservice.accounts.models import Agency
    from daservice.demo import AGENCIES
    from daservice.directory import demo

    for code, name in AGENCIES:
        if db.session.scalar(sa.select(Agency).where(Agency.code == code)) is None:
            db.session.add(Agency(code=code, name=name))
    db.session.commit()
    return demo.load()


def referral_payload(**changes: object) -> dict:
    """A complete, valid API referral body (synthetic)."""
    body: dict = {
        "victim": {
            "first_name": "Amira",
            "last_name": "Okafor",
            "date_of_birth": "1991-06-14",
            "postcode": "IG1 1DD",
            "phone": "07700 900123",
            "address": "12 Example Road, Ilford",
        },
        "safe_contact": {
            "safe_to_contact": True,
            "phone": "07700 900123",
            "safe_times": "Weekdays 10:00 to 14:00",
            "voicemail_ok": False,
            "text_ok": True,
            "letters_ok": False,
            "code_word": "bluebell",
        },
        "risk": {"tool": "dash", "answers": {str(n): "no" for n in range(1, 25)}},
        "consent": {"status": "given"},
        "narrative": "Synthetic narrative for a test referral.",
    }
    for path, value in changes.items():
        target = body
        keys = path.split("__")
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        if value is _DELETE:
            target.pop(keys[-1], None)
        else:
            target[keys[-1]] = value
    return body


_DELETE = object()
DELETE = _DELETE


def high_risk_answers(yes: int = 15) -> dict:
    return {str(n): "yes" if n <= yes else "no" for n in range(1, 25)}


def refer(referrer: User, payload: dict):
    """A referral made as the web journey makes one: a draft of these answers, saved and sent."""
    from daservice.referrals import drafts, services

    draft = drafts.start(referrer)
    drafts.save(referrer, draft.id, payload)
    return services.submit_draft(referrer, draft.id)


def deliver() -> list:
    """Run the outbox delivery job now and give back what it sent (the log backend keeps it)."""
    from daservice import notify

    sent = notify.backend().sent  # type: ignore[attr-defined]
    before = len(sent)
    notify.deliver_due()
    return list(sent)[before:]
