"""Certificates: issued on completion, found by code, revoked with a reason, reissued with the
same code."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app

from .. import audit
from ..accounts.models import Agency, User
from ..audit import AuditAction
from ..extensions import db, utcnow
from ..security.permissions import Permission, require
from ..security.tokens import CERTIFICATE_CODE
from ..uk_time import uk_today
from .models import (
    Certificate,
    CertificateStatus,
    Course,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Trainee,
)
from .queries import agency_condition


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


# --- Status, lookups and lists ------------------------------------------------------------------


def status(certificate: Certificate, today: date | None = None) -> CertificateStatus:
    """valid / expired / revoked, today in the UK unless told otherwise."""
    return certificate.status_on(today or uk_today())


def public_record(certificate: Certificate) -> dict[str, Any]:
    """What anyone holding the code may know (DESIGN.md §5): nothing about agency, email or why
    a certificate was revoked."""
    return {
        "code": certificate.code,
        "status": status(certificate).value,
        "holder": certificate.holder_name,
        "course": certificate.course_title,
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat() if certificate.expires_on else None,
    }


def verify(typed: str) -> dict[str, Any] | None:
    """The public record for a typed code, or None for an unknown or malformed one (the two are
    answered alike, so a caller learns nothing about how close a guess was)."""
    certificate = find_by_code(typed)
    return None if certificate is None else public_record(certificate)


@dataclass(frozen=True)
class Filters:
    """The coordinator's list filters; ``None`` or empty means "any"."""

    name: str = ""  # part of the holder's name, any case
    course_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    status: CertificateStatus | None = None
    expiring_soon: bool = False  # valid and expiring within CERTIFICATES_EXPIRING_WITHIN


def _status_condition(wanted: CertificateStatus, today: date) -> Any:
    # The same rule as Certificate.status_on, in SQL.
    if wanted is CertificateStatus.REVOKED:
        return Certificate.revoked_at.is_not(None)
    not_expired = sa.or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today)
    if wanted is CertificateStatus.EXPIRED:
        return sa.and_(Certificate.revoked_at.is_(None), sa.not_(not_expired))
    return sa.and_(Certificate.revoked_at.is_(None), not_expired)


def _expiring_condition(today: date, within: timedelta) -> Any:
    return sa.and_(
        _status_condition(CertificateStatus.VALID, today),
        Certificate.expires_on.is_not(None),
        Certificate.expires_on <= today + within,
    )


def _filtered(user: User, filters: Filters) -> Any:
    """The select of the certificates this user manages that match the filters (unordered)."""
    today = uk_today()
    statement = sa.select(Certificate).where(agency_condition(user, Certificate.agency_id))
    if filters.name:
        # holder_name is a plain column (the certificate's printed name), so it can be searched.
        statement = statement.where(
            sa.func.lower(Certificate.holder_name).contains(filters.name.lower(), autoescape=True)
        )
    if filters.course_id is not None:
        statement = statement.where(Certificate.course_id == filters.course_id)
    if filters.agency_id is not None:
        statement = statement.where(Certificate.agency_id == filters.agency_id)
    if filters.status is not None:
        statement = statement.where(_status_condition(filters.status, today))
    if filters.expiring_soon:
        within = current_app.config["CERTIFICATES_EXPIRING_WITHIN"]
        statement = statement.where(_expiring_condition(today, within))
    return statement


def listing(
    user: User, filters: Filters = Filters(), *, limit: int = 500, offset: int = 0
) -> list[Certificate]:
    """The certificates this user manages (a coordinator: all; a lead: her agency's), filtered,
    by holder's name (soonest expiry first when only those expiring soon are asked for); one
    page of ``limit`` from ``offset``."""
    statement = _filtered(user, filters)
    if filters.expiring_soon:
        statement = statement.order_by(Certificate.expires_on)
    statement = statement.order_by(
        Certificate.holder_name, Certificate.issued_on.desc(), Certificate.id
    )
    return list(db.session.scalars(statement.limit(limit).offset(offset)))


def count(user: User, filters: Filters = Filters()) -> int:
    """How many certificates ``listing`` would find without its page limit."""
    subquery = _filtered(user, filters).with_only_columns(Certificate.id).subquery()
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(subquery)) or 0)


def expiring_within(user: User, days: int | None = None) -> int:
    """How many valid certificates this user manages expire in the next ``days`` days (default
    ``CERTIFICATES_EXPIRING_WITHIN``): for the dashboard and home page."""
    within = (
        timedelta(days=days)
        if days is not None
        else current_app.config["CERTIFICATES_EXPIRING_WITHIN"]
    )
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Certificate)
            .where(
                agency_condition(user, Certificate.agency_id),
                _expiring_condition(uk_today(), within),
            )
        )
        or 0
    )


def mine(user: User) -> list[Certificate]:
    """The certificates of the trainee records linked to this user's account, newest first."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .join(Trainee, Trainee.id == Certificate.trainee_id)
            .where(Trainee.user_id == user.id)
            .order_by(Certificate.issued_on.desc(), Certificate.course_title)
        )
    )


def for_run(run: CourseRun) -> list[Certificate]:
    """Every certificate of the run's completed enrolments still standing, by holder's name: one
    PDF page each. A revoked certificate is left out: it must never be printed clean again."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .where(
                Enrolment.run_id == run.id,
                Enrolment.status == EnrolmentStatus.COMPLETED,
                Certificate.revoked_at.is_(None),
            )
            .order_by(Certificate.holder_name, Certificate.id)
        )
    )


def run_id_of(certificate: Certificate) -> uuid.UUID:
    """The course run the certificate was earned on (for a link to the run's page)."""
    return db.session.get_one(Enrolment, certificate.enrolment_id).run_id


def revoked_at_for(enrolment_id: uuid.UUID) -> datetime | None:
    """When the certificate of this enrolment was revoked, or None (not revoked, or none issued):
    the run page says "Certificate revoked" beside a completed person."""
    return db.session.scalar(
        sa.select(Certificate.revoked_at).where(Certificate.enrolment_id == enrolment_id)
    )


def courses() -> list[Course]:
    """Courses to filter the list by."""
    return list(db.session.scalars(sa.select(Course).order_by(Course.title)))


def agencies(user: User) -> list[Agency]:
    """Agencies to filter the list by: those this user manages."""
    return list(
        db.session.scalars(
            sa.select(Agency).where(agency_condition(user, Agency.id)).order_by(Agency.name)
        )
    )


def viewed(actor: User, certificate: Certificate) -> None:
    """Record that a signed-in user was shown a certificate with its code (a protected field)."""
    audit.record(
        AuditAction.CERTIFICATE_VIEWED,
        actor=actor,
        target_type="training_certificate",
        target_id=certificate.id,
    )
    db.session.commit()


# --- Revoke and reissue (the coordinator's; one transaction each) --------------------------------


class ReasonRequired(ValueError):
    """A revocation without a reason."""


class RevokedCertificate(ValueError):
    """A revoked certificate cannot be reissued: a fresh copy would look valid."""


REASON_LIMIT = 500  # the column's size


def revoke(actor: User, certificate: Certificate, reason: str) -> None:
    """Revoke a certificate, keeping why (shown to staff, never on the public page)."""
    require(actor, Permission.RUN_TRAINING)
    reason = reason.strip()
    if not reason:
        raise ReasonRequired("a certificate is revoked only with a reason")
    if certificate.revoked_at is not None:
        return  # already revoked: the first reason stands
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason[:REASON_LIMIT]
    certificate.revoked_by_id = actor.id
    audit.record(
        AuditAction.CERTIFICATE_REVOKED,
        actor=actor,
        target_type="training_certificate",
        target_id=certificate.id,
    )
    db.session.commit()


def reissue(actor: User, certificate: Certificate) -> None:
    """Print it again with the holder's and course's names as they are now (a corrected
    spelling), keeping the code, so every copy already handed out still verifies."""
    require(actor, Permission.RUN_TRAINING)
    if certificate.revoked_at is not None:
        raise RevokedCertificate("a revoked certificate is not reissued")
    course = db.session.get_one(Course, certificate.course_id)
    certificate.holder_name = certificate.trainee.name
    certificate.course_title = course.title
    certificate.level = course.level
    certificate.reissued_on = uk_today()
    audit.record(
        AuditAction.CERTIFICATE_REISSUED,
        actor=actor,
        target_type="training_certificate",
        target_id=certificate.id,
    )
    db.session.commit()
