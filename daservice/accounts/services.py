"""Account use cases. Each public function is one unit of work: check, change, audit, commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

import sqlalchemy as sa

from .. import audit
from ..exceptions import DomainError, NotFound, PermissionDenied
from ..extensions import db, utcnow
from ..security import tokens
from ..security.permissions import CASE_PERMISSIONS, ROLE_PERMISSIONS
from ..security.ratelimit import RateLimited
from . import mfa, passwords, sessions, setup_links, throttle
from .models import Agency, RecoveryCode, Role, User, UserRole

RECOVERY_CODES = 10  # each tokens.RECOVERY_CODE: 12 symbols, 59.45 bits


class AccountProblem(DomainError):
    """Something about an account an administrator asked for that cannot be; ``field`` is the
    form field it is about."""

    field = "email"


class RoleConflict(AccountProblem):
    """Roles that must not be held together."""

    field = "roles"


class EmailTaken(AccountProblem):
    field = "email"


class UnknownAgency(AccountProblem):
    field = "agency"


# Roles that see case content (as the permissions table says). Administrators manage accounts and
# must never hold one: otherwise an administrator could give themselves access to what victims told
# us.
CASE_ROLES = frozenset(
    role for role, allowed in ROLE_PERMISSIONS.items() if allowed & CASE_PERMISSIONS
)


def check_roles(roles: set[Role]) -> None:
    if Role.ADMIN in roles and roles & CASE_ROLES:
        raise RoleConflict(
            "An administrator cannot also be a referrer, service worker or programme worker"
        )


@dataclass(frozen=True)
class UserMovedAgency:
    """A domain event: the user now works for another agency (published before the commit)."""

    user_id: uuid.UUID


class SignInFailed(Exception):
    """Deliberately uninformative: unknown email, wrong password, locked and disabled look alike."""


class CodeAlreadyUsed(Exception):
    """A TOTP code that was already accepted once (replay)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def get_user(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return user


# --- Signing in -------------------------------------------------------------------------------


def check_password(email: str, password: str, source: str) -> User:
    """First factor. Returns the user, or raises SignInFailed / RateLimited. Commits the attempt."""
    decision = throttle.charge_source(source)
    if not decision.allowed:
        audit.record("login.throttled")
        db.session.commit()
        raise RateLimited(decision.retry_after)
    # From here the attempt is already counted against ``source``: failures pass no source.
    user = find_user_by_email(email)
    if user is None:
        passwords.burn_time(password)
        record_failure(None, "login.failed")
    if throttle.account_locked(user):
        passwords.burn_time(password)
        record_failure(user, "login.failed_locked", count=False)
    if not passwords.verify_password(user.password_hash, password):
        record_failure(user, "login.failed")
    if user.disabled:
        record_failure(user, "login.failed_disabled", count=False)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    audit.record("login.password_ok", actor=user)
    db.session.commit()
    throttle.forgive_source(source)
    return user


def record_failure(
    user: User | None, action: str, *, source: str | None = None, count: bool = True
) -> NoReturn:
    """Record a failed step and raise SignInFailed. ``source``: the address to count it against
    (after the commit: the limiter writes in its own transaction); ``count``: against the account.
    """
    audit.record(action, actor=user)
    if user is not None and count and throttle.note_account_failure(user):
        audit.record("login.lockout", actor=user, target_type="user", target_id=user.id)
    db.session.commit()
    if source is not None:
        throttle.note_source_failure(source)
    raise SignInFailed()


def check_second_factor(user_id: uuid.UUID, code: str, source: str) -> User:
    """Second factor for an enrolled user: a TOTP code, used once. Commits the attempt."""
    user = get_user(user_id)
    if user.disabled or throttle.account_locked(user) or not user.totp_confirmed:
        record_failure(user, "login.mfa_failed", source=source, count=False)
    secret = user.totp_secret
    step = mfa.matching_step(secret, code) if secret else None
    if step is None:
        record_failure(user, "login.mfa_failed", source=source)
    # Claim the time step in one conditional UPDATE, so two requests racing with the same code
    # cannot both succeed.
    claimed = tokens.conditional_update(
        User,
        User.id == user.id,
        sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        values={"totp_last_step": step},
    )
    if not claimed:
        db.session.rollback()
        user = get_user(user_id)
        throttle.note_account_failure(user)
        audit.record("login.mfa_replayed", actor=user)
        db.session.commit()
        raise CodeAlreadyUsed()
    db.session.refresh(user)
    return finish_sign_in(user, "login.succeeded")


def check_recovery_code(user_id: uuid.UUID, code: str, source: str) -> User:
    """Second factor by a single-use recovery code."""
    user = get_user(user_id)
    if user.disabled or throttle.account_locked(user):
        record_failure(user, "login.recovery_failed", source=source, count=False)
    # Found and used up in one statement: of two requests racing with the same code, one wins.
    wanted = tokens.RECOVERY_CODE.digest(code)
    if wanted is None or not tokens.claim_once(
        RecoveryCode.used_at, RecoveryCode.user_id == user.id, RecoveryCode.code_hash == wanted
    ):
        record_failure(user, "login.recovery_failed", source=source)
    return finish_sign_in(user, "login.succeeded_recovery_code")


def finish_sign_in(user: User, action: str) -> User:
    throttle.clear_account(user)
    user.last_login_at = utcnow()
    sessions.start(user)
    audit.record(action, actor=user)
    db.session.commit()
    return user


def must_use_setup_link(user: User) -> bool:
    """Whether the user's authenticator may be set up only from the link emailed to them (after
    an administrator made the account or reset it), not at sign-in with a password alone."""
    return not user.totp_confirmed and setup_links.pending(user.id) is not None


def refuse_enrolment_at_sign_in(user: User) -> None:
    """Audit a correct password from someone who must set up from the emailed link. Commits."""
    audit.record("login.setup_link_required", actor=user, target_type="user", target_id=user.id)
    db.session.commit()


def enrolment_secret(user_id: uuid.UUID) -> str:
    """The TOTP secret being enrolled at sign-in; created on first call. Only for users not yet
    enrolled who were not sent a set-up link (accounts made on the command line)."""
    user = get_user(user_id)
    if user.totp_confirmed or must_use_setup_link(user):
        raise PermissionDenied("not enrolling at sign-in")
    secret = user.totp_secret
    if secret is None:
        secret = mfa.new_secret()
        user.totp_secret = secret
        db.session.commit()
    return secret


def confirm_enrolment(user_id: uuid.UUID, code: str, source: str) -> tuple[User, list[str]]:
    """Confirm the authenticator with a first code; returns the user and new recovery codes."""
    user = get_user(user_id)
    if (
        user.totp_confirmed
        or user.totp_secret is None
        or throttle.account_locked(user)
        or must_use_setup_link(user)
    ):
        record_failure(user, "mfa.enrol_failed", source=source, count=False)
    step = mfa.matching_step(user.totp_secret or "", code)
    if step is None:
        record_failure(user, "mfa.enrol_failed", source=source)
    user.totp_confirmed = True
    user.totp_last_step = step
    codes = replace_recovery_codes(user)
    audit.record("mfa.enrolled", actor=user, target_type="user", target_id=user.id)
    return finish_sign_in(user, "login.succeeded"), codes


def replace_recovery_codes(user: User) -> list[str]:
    issued: dict[str, str] = {}
    while len(issued) < RECOVERY_CODES:  # distinct, so a typed code is one row's
        code, digest = tokens.RECOVERY_CODE.issue()
        issued[code] = digest
    user.recovery_codes = [RecoveryCode(code_hash=digest) for digest in issued.values()]
    return list(issued)


def unused_recovery_codes(user: User) -> int:
    return sum(1 for r in user.recovery_codes if r.used_at is None)


class WrongPassword(Exception):
    """The signed-in user's password, asked for again, was wrong (the attempt is counted)."""


def new_recovery_codes(user: User, password: str) -> list[str]:
    """Replace a signed-in user's recovery codes; the old ones stop working. Asks for the
    password again, so a session left open (or taken) cannot mint a second factor."""
    if not passwords.verify_password(user.password_hash, password):
        audit.record(
            "mfa.recovery_codes_refused", actor=user, target_type="user", target_id=user.id
        )
        if throttle.note_account_failure(user):
            audit.record("login.lockout", actor=user, target_type="user", target_id=user.id)
        db.session.commit()
        raise WrongPassword()
    codes = replace_recovery_codes(user)
    audit.record("mfa.recovery_codes_replaced", actor=user, target_type="user", target_id=user.id)
    db.session.commit()
    return codes


def sign_out(user: User) -> None:
    sessions.end(user.session_id)
    audit.record("logout", actor=user)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> list[str]:
    """Change one's own password. Returns problems (empty on success); other sessions end."""
    if not passwords.verify_password(user.password_hash, current):
        audit.record("password.change_failed", actor=user)
        db.session.commit()
        return ["Your current password is incorrect"]
    problems = passwords.policy_problems(new, email=user.email)
    if not problems and passwords.verify_password(user.password_hash, new):
        problems = ["Your new password must be different from your current password"]
    if problems:
        return problems
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    sessions.end_all(user.id, keep=user.session_id)
    audit.record("password.changed", actor=user, target_type="user", target_id=user.id)
    db.session.commit()
    return []


# --- Accounts made on the server's command line ------------------------------------------------


def list_agencies() -> list[Agency]:
    return list(db.session.scalars(sa.select(Agency).order_by(Agency.name)))


def new_user(
    *, email: str, display_name: str, agency_id: uuid.UUID, roles: Iterable[Role], password: str
) -> User:
    """An account in the session (not committed), after checking the address and roles."""
    if find_user_by_email(email) is not None:
        raise EmailTaken("An account with this email address already exists")
    if db.session.get(Agency, agency_id) is None:
        raise UnknownAgency("Select an agency")
    wanted = set(roles)
    check_roles(wanted)
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        agency_id=agency_id,
        password_hash=passwords.hash_password(password),
    )
    user.role_rows = [UserRole(role=r) for r in sorted(wanted)]
    db.session.add(user)
    db.session.flush()
    return user


def create_user(
    actor: None,
    *,
    email: str,
    display_name: str,
    agency_id: uuid.UUID,
    roles: Iterable[Role],
    password: str | None = None,
) -> tuple[User, str]:
    """Create an account from the server's command line (``flask users create``, ``demo load``):
    the operator is trusted with the server, so may be shown a password to hand over. Without
    ``password`` a temporary one is made, to be changed at first sign-in. Administrators on the
    web use ``administration.invite_user``, which shows them none. ``actor`` is always None."""
    secret = password or passwords.temporary_password()
    user = new_user(
        email=email, display_name=display_name, agency_id=agency_id, roles=roles, password=secret
    )
    user.must_change_password = password is None
    audit.record("user.created", actor=actor, target_type="user", target_id=user.id)
    db.session.commit()
    return user, secret
