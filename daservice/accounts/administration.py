"""Administration of users, by administrators on the web: each function is one unit of work.

Administrators manage accounts and see no case content. So they never see or choose a password
or an authenticator: a new account, a password reset and an authenticator reset each send the
account's holder a set-up link (``setup_links``), and the admin's page says only that it was sent.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable

import sqlalchemy as sa

from .. import audit, events, notify
from ..exceptions import PermissionDenied
from ..extensions import db
from ..security.permissions import Permission, require
from . import passwords, policy, sessions, setup_links, throttle
from .models import Agency, Role, SetupLink, User, UserRole
from .services import UnknownAgency, UserMovedAgency, check_roles, get_user, new_user


def _unusable_password() -> str:
    """The hash of a password nobody is told: until the holder chooses one, none works."""
    return passwords.hash_password(secrets.token_urlsafe(32))


def list_users(actor: User) -> list[User]:
    policy.require_admin(actor)
    return list(db.session.scalars(sa.select(User).order_by(User.display_name)))


def setup_link_of(actor: User, user_id: uuid.UUID) -> SetupLink | None:
    """The user's unused set-up link, if one was sent (for the admin's page: when it expires)."""
    policy.require_admin(actor)
    return setup_links.pending(user_id)


def invite_user(
    actor: User,
    *,
    email: str,
    display_name: str,
    agency_id: uuid.UUID,
    roles: Iterable[Role],
    reports_own_agency_only: bool = False,
) -> User:
    """Create an account with no usable password and email its holder a link (valid 24 hours)
    to choose one and set up their authenticator."""
    policy.require_admin(actor)
    user = new_user(
        email=email,
        display_name=display_name,
        agency_id=agency_id,
        roles=roles,
        password=secrets.token_urlsafe(32),
    )
    user.reports_own_agency_only = reports_own_agency_only
    audit.record("user.created", actor=actor, target_type="user", target_id=user.id)
    setup_links.send(actor, user, set_password=True, new_account=True)
    db.session.commit()
    return user


def update_user(
    actor: User,
    user_id: uuid.UUID,
    *,
    display_name: str,
    agency_id: uuid.UUID,
    roles: Iterable[Role],
    reports_own_agency_only: bool | None = None,
) -> User:
    """Change an account's name, agency and roles (and, given, whether her reports are limited
    to her agency: only a manager has reports, so it means nothing for other roles)."""
    policy.require_admin(actor)
    user = get_user(user_id)
    wanted = set(roles)
    if not policy.can_change_own_admin_rights(actor, user) and Role.ADMIN not in wanted:
        raise PermissionDenied("You cannot remove your own administrator role")
    check_roles(wanted)
    if db.session.get(Agency, agency_id) is None:
        raise UnknownAgency("Select an agency")
    moved = user.agency_id != agency_id
    user.display_name = display_name.strip()
    user.agency_id = agency_id
    if reports_own_agency_only is not None:
        user.reports_own_agency_only = reports_own_agency_only
    # Every change before the first audit record: the audit chain's head is locked last, after
    # the directory's version row (which a membership change renews), in every transaction.
    if moved:
        sessions.end_all(user.id)  # what they may see changes with the agency
        events.publish(UserMovedAgency(user.id))  # the directory drops her memberships
    if wanted != user.roles:
        user.role_rows = [UserRole(role=r) for r in sorted(wanted)]
        audit.record("user.roles_changed", actor=actor, target_type="user", target_id=user.id)
    audit.record("user.updated", actor=actor, target_type="user", target_id=user.id)
    db.session.commit()
    return user


def set_disabled(actor: User, user_id: uuid.UUID, disabled: bool) -> User:
    policy.require_admin(actor)
    user = get_user(user_id)
    if disabled and not policy.can_change_own_admin_rights(actor, user):
        raise PermissionDenied("You cannot disable your own account")
    user.disabled = disabled
    if disabled:
        sessions.end_all(user.id)
    else:
        throttle.clear_account(user)
    audit.record(
        "user.disabled" if disabled else "user.enabled",
        actor=actor,
        target_type="user",
        target_id=user.id,
    )
    db.session.commit()
    return user


def reset_mfa(actor: User, user_id: uuid.UUID) -> User:
    """Remove the user's authenticator and recovery codes, sign them out, and email them a link
    (valid 2 hours) with which they set up a new one after entering their current password."""
    policy.require_admin(actor)
    user = get_user(user_id)
    user.totp_secret = None
    user.totp_confirmed = False
    user.totp_last_step = None
    user.recovery_codes = []
    sessions.end_all(user.id)
    audit.record("user.mfa_reset", actor=actor, target_type="user", target_id=user.id)
    setup_links.send(actor, user, set_password=False, new_account=False)
    db.session.commit()
    return user


def reset_password(actor: User, user_id: uuid.UUID) -> User:
    """Make the user's password unusable, sign them out, and email them a link (valid 2 hours)
    to choose a new one. Their authenticator stays and is asked for at their next sign-in."""
    policy.require_admin(actor)
    user = get_user(user_id)
    user.password_hash = _unusable_password()
    user.must_change_password = False
    throttle.clear_account(user)
    sessions.end_all(user.id)
    audit.record("user.password_reset", actor=actor, target_type="user", target_id=user.id)
    setup_links.send(actor, user, set_password=True, new_account=False)
    db.session.commit()
    return user


def failed_notifications(actor: User) -> list[tuple[notify.OutboxMessage, str]]:
    """Notifications delivery gave up on, each with its subject (fixed text: no case detail),
    for an administrator."""
    require(actor, Permission.MANAGE_NOTIFICATIONS)
    return [(message, notify.subject_of(message)) for message in notify.failed()]


def retry_notification(actor: User, message_id: uuid.UUID) -> bool:
    """Send a failed notification again. Commits."""
    require(actor, Permission.MANAGE_NOTIFICATIONS)
    return notify.retry(actor, message_id)
