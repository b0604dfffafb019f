"""Read-only questions about the directory, for an administrator's home page."""

from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import Role, User, UserRole
from ..extensions import db
from ..security.permissions import ROLE_PERMISSIONS, Permission
from .models import Service, ServiceMember, ServiceStatus

# Roles whose holders can work an inbox, read from the permissions table (not repeated here).
_WORKER_ROLES = [role for role in Role if Permission.WORK_ROUTES in ROLE_PERMISSIONS[role]]


def unstaffed_services() -> list[Service]:
    """Active services nobody can work: no member whose account is enabled and still holds a
    role that works inboxes. Referrals routed to them wait unseen, so an administrator is told."""
    working = (
        sa.select(ServiceMember.service_id)
        .join(User, User.id == ServiceMember.user_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            ServiceMember.service_id == Service.id,
            User.disabled.is_(False),
            UserRole.role.in_(_WORKER_ROLES),
        )
        .exists()
    )
    return list(
        db.session.scalars(
            sa.select(Service)
            .where(Service.status == ServiceStatus.ACTIVE, ~working)
            .order_by(Service.name)
        )
    )
