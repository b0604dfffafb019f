"""Directory use cases (administrators only)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..accounts.models import User
from ..accounts.services import UserMovedAgency
from ..exceptions import DomainError, NotFound
from ..extensions import db, utcnow
from ..security.permissions import Permission, allows, require
from .models import Service, ServiceKind, ServiceMember, ServiceStatus

# The notification audience of a service's workers (the key is the service's id).
SERVICE_WORKERS = "service_workers"


def worker_emails(service_id: str) -> list[str]:
    """The work email addresses of a service's enabled members, as they are now."""
    return list(
        db.session.scalars(
            sa.select(User.email)
            .join(ServiceMember, ServiceMember.user_id == User.id)
            .where(ServiceMember.service_id == uuid.UUID(service_id), User.disabled.is_(False))
            .order_by(User.email)
        )
    )


def drop_memberships(event: UserMovedAgency) -> None:
    """A worker who moved agency no longer works its services (in the mover's transaction)."""
    db.session.execute(sa.delete(ServiceMember).where(ServiceMember.user_id == event.user_id))


class NotAWorker(DomainError):
    """Only service and programme workers of a service's own agency may work its inbox."""


def list_services() -> list[Service]:
    return list(db.session.scalars(sa.select(Service).order_by(Service.kind, Service.name)))


def get_service(service_id: uuid.UUID) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound("service")
    return service


def save_service(actor: User, service: Service | None, data: dict[str, Any]) -> Service:
    require(actor, Permission.MANAGE_DIRECTORY)
    creating = service is None
    service = service or Service()
    service.name = data["name"]
    service.kind = ServiceKind(data["kind"])
    service.agency_id = uuid.UUID(data["agency"])
    service.status = ServiceStatus(data["status"])
    service.description = data.get("description") or ""
    service.eligibility_description = data.get("eligibility_description") or ""
    service.minimum_age = data.get("minimum_age")
    service.maximum_age = data.get("maximum_age")
    service.languages = data.get("languages") or ""
    if (service.capacity_available, service.capacity_maximum) != (
        data.get("capacity_available"),
        data.get("capacity_maximum"),
    ):
        service.capacity_updated_at = utcnow()
    service.capacity_available = data.get("capacity_available")
    service.capacity_maximum = data.get("capacity_maximum")
    service.receives_without_consent = data["receives_without_consent"] == "yes"
    if creating:
        db.session.add(service)
        db.session.flush()
    audit.record(
        "service.created" if creating else "service.updated",
        actor=actor,
        target_type="service",
        target_id=service.id,
    )
    db.session.commit()
    return service


def eligible_members(service: Service) -> list[User]:
    """Service workers and programme staff of the service's own agency who are not yet members."""
    current = {m.user_id for m in service.members}
    users = db.session.scalars(
        sa.select(User)
        .where(User.disabled.is_(False), User.agency_id == service.agency_id)
        .order_by(User.display_name)
    )
    return [u for u in users if u.id not in current and _may_work_inbox(u)]


def _may_work_inbox(user: User) -> bool:
    return allows(user, Permission.WORK_ROUTES)


def add_member(actor: User, service: Service, user_id: uuid.UUID) -> None:
    require(actor, Permission.MANAGE_DIRECTORY)
    user = db.session.get(User, user_id)
    if user is None or not _may_work_inbox(user) or user.agency_id != service.agency_id:
        raise NotAWorker("Select a service worker or programme worker from the service's agency")
    if db.session.get(ServiceMember, (service.id, user.id)) is None:
        db.session.add(ServiceMember(service_id=service.id, user_id=user.id))
        audit.record(
            "service.member_added", actor=actor, target_type="service", target_id=service.id
        )
        db.session.commit()


def remove_member(actor: User, service: Service, user_id: uuid.UUID) -> None:
    require(actor, Permission.MANAGE_DIRECTORY)
    member = db.session.get(ServiceMember, (service.id, user_id))
    if member is not None:
        db.session.delete(member)
        audit.record(
            "service.member_removed", actor=actor, target_type="service", target_id=service.id
        )
        db.session.commit()
