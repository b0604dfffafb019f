"""Who training messages go to, read when each message is sent (``notify.register_audience``)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from ..accounts.models import Role, User, UserRole
from ..extensions import db

# key: an agency id. Her agency's training leads, as they are when the message is sent.
AGENCY_TRAINING_LEADS = "agency_training_leads"
# key: an agency id. Whoever decides its staff's requests for a place: its training leads, or the
# partnership's training coordinators while the agency has no lead (they may approve too), so a
# request is never addressed to nobody.
REQUEST_APPROVERS = "training_request_approvers"


def _emails(role: Role, *where: Any) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(User.email)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role, User.disabled.is_(False), *where)
            .order_by(User.email)
        )
    )


def training_lead_emails(agency_id: str) -> list[str]:
    """The work email addresses of an agency's enabled training leads."""
    return _emails(Role.AGENCY_TRAINING_LEAD, User.agency_id == uuid.UUID(agency_id))


def request_approver_emails(agency_id: str) -> list[str]:
    """The agency's training leads, or the training coordinators if it has none."""
    return training_lead_emails(agency_id) or _emails(Role.TRAINING_COORDINATOR)
