"""Changing an enrolment's status: the lifecycle's rule (``Enrolment.move_to``), its history row
and its audit event together, so no part of the programme can change one without the others."""

from __future__ import annotations

from typing import Any

from .. import audit
from ..audit import AuditAction
from ..extensions import db, utcnow
from .models import Enrolment, EnrolmentChange, EnrolmentStatus


def change_status(
    enrolment: Enrolment, status: EnrolmentStatus, *, actor: Any, reason: str = ""
) -> None:
    """Move ``enrolment`` to ``status`` (``InvalidTransition`` if the lifecycle forbids it), in the
    caller's transaction. ``actor`` is the user, or None for the system (a waitlist promotion)."""
    now = utcnow()
    old = enrolment.move_to(status, now)
    if status is EnrolmentStatus.WAITLISTED:
        enrolment.waitlisted_at = now
    record_change(enrolment, old, actor=actor, reason=reason)


def record_change(
    enrolment: Enrolment, old: EnrolmentStatus | None, *, actor: Any, reason: str = ""
) -> None:
    """History and audit for a status already set (``old`` None: a new enrolment)."""
    db.session.add(
        EnrolmentChange(
            enrolment_id=enrolment.id,
            from_status=old,
            to_status=enrolment.status,
            by_id=getattr(actor, "id", None),
            reason=reason[:500],
            at=enrolment.status_changed_at,
        )
    )
    audit.record(
        AuditAction.ENROLMENT_CHANGED,
        actor=actor,
        target_type="training_enrolment",
        target_id=enrolment.id,
        purpose=enrolment.status.value,
    )
