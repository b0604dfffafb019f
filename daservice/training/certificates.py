"""Certificates: issued on completion, found by code, revoked with a reason, reissued with the
same code."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from .. import audit
from ..audit import AuditAction
from ..extensions import db
from ..security.tokens import CERTIFICATE_CODE
from ..uk_time import uk_today
from .models import Certificate, Course, Enrolment


def expiry_for(course: Course, completed_on: date) -> date | None:
    """Expiry = completion + the course's validity (None: it never expires)."""
    if course.validity_months is None:
        return None
    return completed_on + relativedelta(months=course.validity_months)


def issue(enrolment: Enrolment, *, actor: Any) -> Certificate:
    """The certificate for a completed enrolment, in the caller's transaction (one per
    enrolment: asking again returns the one already issued)."""
    existing = db.session.scalar(
        sa.select(Certificate).where(Certificate.enrolment_id == enrolment.id)
    )
    if existing is not None:
        return existing
    if enrolment.completed_on is None:
        raise ValueError("a certificate is issued only for a completed enrolment")
    course = enrolment.run.course
    code, code_hash = CERTIFICATE_CODE.issue()
    certificate = Certificate(
        enrolment_id=enrolment.id,
        trainee_id=enrolment.trainee_id,
        course_id=course.id,
        agency_id=enrolment.agency_id,
        code_hash=code_hash,
        holder_name=enrolment.trainee.name,
        course_title=course.title,
        level=course.level,
        completed_on=enrolment.completed_on,
        issued_on=uk_today(),
        expires_on=expiry_for(course, enrolment.completed_on),
    )
    certificate.code = code
    db.session.add(certificate)
    audit.record(
        AuditAction.CERTIFICATE_ISSUED,
        actor=actor,
        target_type="training_certificate",
        target_id=certificate.id,
    )
    return certificate


def find_by_code(typed: str) -> Certificate | None:
    """The certificate a typed code names, however it was spelled; None if none (or not a code)."""
    digest = CERTIFICATE_CODE.digest(typed)
    if digest is None:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code_hash == digest))
