"""Pure permission rules for accounts (what each role may do is ``security.permissions``)."""

from __future__ import annotations

from ..security.permissions import Permission, allows, require
from .models import User


def can_manage_users(actor: User) -> bool:
    return allows(actor, Permission.MANAGE_USERS)


def require_admin(actor: User) -> None:
    """For administrative use cases: refuse anyone else."""
    require(actor, Permission.MANAGE_USERS)


def can_change_own_admin_rights(actor: User, target: User) -> bool:
    """An admin may not remove their own admin role or disable themselves (no self-lockout)."""
    return actor.id != target.id
