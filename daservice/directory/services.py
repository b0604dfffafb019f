"""Directory use cases (administrators only)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..accounts import policy as account_policy
from ..accounts.models import Role, User
from ..errors_domain import NotFound
from ..extensions import db, utcnow
from .models import Service, ServiceKind, ServiceMember, ServiceStatus


def list_services() -> list[Service]:
    return list(db.session.scalars(sa.select(Service).order_by(Service.kind, Service.name)))


def get_service(service_id: uuid.UUID) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound("service")
    return service


def save_service(actor: User, service: Service | None, data: dict[str, Any]) -> Service:
    account_policy.require_admin(actor)
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
    return user.has_role(Role.SERVICE_WORKER, Role.PROGRAMME_WORKER) and not user.has_role(
        Role.ADMIN
    )


def add_member(actor: User, service: Service, user_id: uuid.UUID) -> None:
    account_policy.require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None or not _may_work_inbox(user) or user.agency_id != service.agency_id:
        raise ValueError("Select a service worker or programme worker from the service's agency")
    if db.session.get(ServiceMember, (service.id, user.id)) is None:
        db.session.add(ServiceMember(service_id=service.id, user_id=user.id))
        audit.record(
            "service.member_added", actor=actor, target_type="service", target_id=service.id
        )
        db.session.commit()


def remove_member(actor: User, service: Service, user_id: uuid.UUID) -> None:
    account_policy.require_admin(actor)
    member = db.session.get(ServiceMember, (service.id, user_id))
    if member is not None:
        db.session.delete(member)
        audit.record(
            "service.member_removed", actor=actor, target_type="service", target_id=service.id
        )
        db.session.commit()
