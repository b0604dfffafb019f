"""Set-up links: how a new account, a password reset or an authenticator reset reaches the
account's holder, and only them.

An administrator never sees or sets a password and never sees an authenticator's secret: that is
what let an administrator take over a case worker's account and read case content (security
probe F2). Instead the holder is emailed a single-use, expiring link (through the outbox, to the
address that is the account's identity, which administrators cannot change). With it the holder
chooses a password and sets up their authenticator themselves:

- **new account**: choose a password, set up the authenticator (valid 24 hours);
- **password reset**: choose a new password; an enrolled authenticator stays, and is asked for at
  the next sign-in as usual (valid 2 hours);
- **authenticator reset**: enter the current password, set up a new authenticator (2 hours).

While a user has an unused link (expired or not) their authenticator can be set up only through
a link, never at sign-in: someone who knows the password (phished, or shared) cannot enrol their
own authenticator after a reset. An expired link is replaced by the administrator sending a new
one. The token is stored as its SHA-256 digest (``security.tokens``); the outbox forgets it once
the message is sent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

import sqlalchemy as sa
from flask import current_app

from .. import audit, notify
from ..extensions import db, utcnow
from ..security import tokens
from . import mfa, passwords, throttle
from .models import SetupLink, User

NEW_ACCOUNT_VALID_FOR = timedelta(hours=24)
RESET_VALID_FOR = timedelta(hours=2)
SETUP_PATH = "/account/set-up/"

NEW_ACCOUNT = "account.set_up"
RESET = "account.reset"


def register_templates() -> None:
    """The two messages a holder is sent (fixed text; the only parameter is the link)."""
    notify.register_template(
        NEW_ACCOUNT,
        subject="Set up your daservice account",
        body="An administrator has made you a daservice account. Use this link to choose your "
        "password and set up your authenticator app. It works once, within 24 hours:\n\n"
        "{link}\n\n"
        "If you were not expecting this email, tell your agency's administrator.",
        secret=True,
    )
    notify.register_template(
        RESET,
        subject="Your daservice sign-in has been reset",
        body="An administrator has reset your daservice password or authenticator app. Use this "
        "link to set them up again. It works once, within 2 hours:\n\n"
        "{link}\n\n"
        "If you did not ask for this, tell your agency's administrator at once.",
        secret=True,
    )


def send(actor: User | None, user: User, *, set_password: bool, new_account: bool) -> None:
    """Replace the user's set-up link with a new one and email it to them, in the caller's
    transaction (the caller commits). A pending password reset is kept when an authenticator
    reset follows it: the holder still has to choose a password."""
    existing = db.session.scalar(sa.select(SetupLink).where(SetupLink.user_id == user.id))
    if existing is not None:
        set_password = set_password or (existing.used_at is None and existing.set_password)
        db.session.delete(existing)
        db.session.flush()
    token = tokens.new_token()
    valid_for = NEW_ACCOUNT_VALID_FOR if new_account else RESET_VALID_FOR
    db.session.add(
        SetupLink(
            user_id=user.id,
            token_hash=tokens.hash_token(token),
            set_password=set_password,
            expires_at=utcnow() + valid_for,
        )
    )
    notify.enqueue(
        NEW_ACCOUNT if new_account else RESET, to=user.email, params={"link": _link(token)}
    )
    audit.record("account.setup_link_sent", actor=actor, target_type="user", target_id=user.id)


def _link(token: str) -> str:
    """The address to open: SERVICE_URL from configuration (never the request's Host), or just
    the path where none is set (the local demo, which says so in the README)."""
    base = str(current_app.config.get("SERVICE_URL") or "").rstrip("/")
    return base + SETUP_PATH + token


def pending(user_id: uuid.UUID) -> SetupLink | None:
    """The user's unused set-up link, expired or not (for the administrator's page, and to stop
    enrolment at sign-in)."""
    return db.session.scalar(
        sa.select(SetupLink).where(SetupLink.user_id == user_id, SetupLink.used_at.is_(None))
    )


class LinkNotUsable(Exception):
    """Unknown, expired or already used: the holder is told the same for each."""


@dataclass(frozen=True)
class OpenLink:
    """What the set-up page needs to know about a usable link."""

    user: User
    set_password: bool  # choose a password (else: confirm the current one)
    enrol: bool  # set up an authenticator (else: the enrolled one stays)
    expires_at: datetime


def _usable(token: str) -> SetupLink:
    link = db.session.scalar(
        sa.select(SetupLink).where(SetupLink.token_hash == tokens.hash_token(token))
    )
    if link is None:
        raise LinkNotUsable()
    if link.used_at is not None or link.expires_at <= utcnow() or link.user.disabled:
        audit.record(
            "account.setup_link_refused",
            actor=link.user,
            target_type="user",
            target_id=link.user.id,
        )
        db.session.commit()
        raise LinkNotUsable()
    return link


def _describe(link: SetupLink) -> OpenLink:
    user = link.user
    return OpenLink(user, link.set_password, not user.totp_confirmed, link.expires_at)


def open_link(token: str, *, first_visit: bool = False) -> OpenLink:
    """Check a link (raises LinkNotUsable). For a holder not yet enrolled, makes the secret the
    page shows for their authenticator. Commits."""
    link = _usable(token)
    user = link.user
    if not user.totp_confirmed and user.totp_secret is None:
        user.totp_secret = mfa.new_secret()
    if first_visit:
        audit.record("account.setup_link_opened", actor=user, target_type="user", target_id=user.id)
    db.session.commit()
    return _describe(link)


class SetupFailed(Exception):
    """Something the holder typed is wrong; ``field`` names the form field, ``message`` says
    what to do (GOV.UK wording)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Completed:
    user: User
    signed_in: bool  # the holder set up an authenticator here, so they are signed in
    recovery_codes: list[str]


def complete(
    token: str,
    *,
    source: str,
    new_password: str | None = None,
    current_password: str | None = None,
    code: str | None = None,
) -> Completed:
    """Use a link: set the password the holder chose (or check their current one) and confirm
    their authenticator with a first code; the link is used up in the same statement that checks
    it. Raises LinkNotUsable or SetupFailed. Commits.

    Wrong current passwords and codes count against the account like failed sign-ins."""
    # Signing in is services' (which imports this module to send links): imported here, late.
    from . import services

    link = _usable(token)
    user, open_ = link.user, _describe(link)
    if throttle.account_locked(user):
        field = (
            "code" if open_.enrol else "new_password" if open_.set_password else "current_password"
        )
        raise SetupFailed(field, "There have been too many attempts. Try again later")
    if open_.set_password:
        problems = passwords.policy_problems(new_password or "", email=user.email)
        if problems:
            raise SetupFailed("new_password", problems[0])
    elif not passwords.verify_password(user.password_hash, current_password or ""):
        _failed(user, source, "current_password", "Your current password is incorrect")
    step = None
    if open_.enrol:
        step = mfa.matching_step(user.totp_secret or "", code or "")
        if step is None:
            _failed(user, source, "code", "The security code is incorrect or has expired")
    # Used up in the statement that checks it: of two requests racing with one link, one wins.
    if not tokens.claim_once(
        SetupLink.used_at, SetupLink.id == link.id, SetupLink.expires_at > utcnow()
    ):
        db.session.rollback()
        raise LinkNotUsable()
    if open_.set_password:
        user.password_hash = passwords.hash_password(new_password or "")
        user.password_changed_at = utcnow()
        user.must_change_password = False
    codes: list[str] = []
    if step is not None:
        user.totp_confirmed = True
        user.totp_last_step = step
        codes = services.replace_recovery_codes(user)
        audit.record("mfa.enrolled", actor=user, target_type="user", target_id=user.id)
    audit.record("account.setup_completed", actor=user, target_type="user", target_id=user.id)
    if step is None:  # a password reset: the authenticator is asked for at sign-in, as always
        throttle.clear_account(user)
        db.session.commit()
        return Completed(user, False, [])
    return Completed(services.finish_sign_in(user, "login.succeeded"), True, codes)


def _failed(user: User, source: str, field: str, message: str) -> NoReturn:
    from . import services

    try:
        services.record_failure(user, "account.setup_failed", source=source)
    except services.SignInFailed:
        raise SetupFailed(field, message) from None
