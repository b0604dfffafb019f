"""The data protection officer's use cases."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import audit
from ..accounts.models import Agency, User
from ..extensions import db
from ..security.permissions import Permission, require


def access_log(actor: User, target_type: str, target_id: str, limit: int = 500) -> list[Any]:
    """Who did what to one record, newest first; the look itself is audited. Commits."""
    require(actor, Permission.AUDIT_ACCESS)
    events = list(
        db.session.execute(
            sa.select(audit.AuditEvent, User.display_name, Agency.code)
            .outerjoin(User, User.id == audit.AuditEvent.actor_id)
            .outerjoin(Agency, Agency.id == audit.AuditEvent.agency_id)
            .where(
                audit.AuditEvent.target_type == target_type,
                audit.AuditEvent.target_id == target_id,
            )
            .order_by(audit.AuditEvent.seq.desc())
            .limit(limit)
        )
    )
    audit.record(
        "audit.access_log_viewed",
        actor=actor,
        target_type=target_type,
        target_id=target_id,
        purpose="subject access / oversight",
    )
    db.session.commit()
    return events
