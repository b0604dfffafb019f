"""Pure permission rules for accounts."""

from __future__ import annotations

from ..errors_domain import PermissionDenied
from .models import Role, User


def can_manage_users(actor: User) -> bool:
    return actor.is_active and actor.has_role(Role.ADMIN)


def require_admin(actor: User) -> None:
    """For administrative use cases: refuse anyone else."""
    if not can_manage_users(actor):
        raise PermissionDenied("not an administrator")


def can_change_own_admin_rights(actor: User, target: User) -> bool:
    """An admin may not remove their own admin role or disable themselves (no self-lockout)."""
    return actor.id != target.id
