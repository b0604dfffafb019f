"""Who training messages go to, read when each message is sent (``notify.register_audience``)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from ..accounts.models import Role, User, UserRole
from ..extensions import db

# key: an agency id. Her agency's training leads, as they are when the message is sent.
AGENCY_TRAINING_LEADS = "agency_training_leads"


def training_lead_emails(agency_id: str) -> list[str]:
    """The work email addresses of an agency's enabled training leads."""
    return list(
        db.session.scalars(
            sa.select(User.email)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.agency_id == uuid.UUID(agency_id),
                UserRole.role == Role.AGENCY_TRAINING_LEAD,
                User.disabled.is_(False),
            )
            .order_by(User.email)
        )
    )
