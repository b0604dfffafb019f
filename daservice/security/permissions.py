"""Roles and what each may do: one table, read by views, services, templates and navigation.

A role is held by a user within her agency (``accounts`` stores who holds which). A permission is a
kind of work. ``ROLE_PERMISSIONS`` is the only place that says which role may do which work:

- views declare theirs with ``@permission_required(Permission.X)`` (or ``protect(blueprint, X)``
  for every view of a blueprint), and answer 403 to a signed-in user without it (the guard sends
  anyone not signed in to sign in first);
- services call ``require(user, Permission.X)`` before they change anything;
- templates ask ``can(Permission.X)``; navigation shows an entry when its view's permission allows.

Which rows a permitted user may see is decided separately, in SQL, by each feature's queries
(a referrer sees her own referrals; a service worker what was routed to her services): a row
outside that scope is a 404.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, Protocol, TypeVar

from flask import Blueprint, Flask, abort
from flask_login import current_user

from ..exceptions import PermissionDenied


class Role(enum.StrEnum):
    REFERRER = "referrer"
    SERVICE_WORKER = "service_worker"
    PROGRAMME_WORKER = "programme_worker"
    TRAINING_COORDINATOR = "training_coordinator"
    AGENCY_TRAINING_LEAD = "agency_training_lead"
    MANAGER = "manager"
    DPO = "dpo"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.REFERRER: "Referrer (frontline professional)",
    Role.SERVICE_WORKER: "Service worker",
    Role.PROGRAMME_WORKER: "Perpetrator programme worker",
    Role.TRAINING_COORDINATOR: "Training coordinator",
    Role.AGENCY_TRAINING_LEAD: "Agency training lead",
    Role.MANAGER: "Manager",
    Role.DPO: "Data protection officer",
    Role.ADMIN: "Administrator",
}


class Permission(enum.StrEnum):
    REFER = "refer"  # start, write and send referrals; see and update her own
    WORK_ROUTES = "work_routes"  # the inbox of her services: accept, contact, support, close
    MANAGE_USERS = "manage_users"  # accounts, roles, sign-in resets; no case content
    MANAGE_DIRECTORY = "manage_directory"  # services referrals route to, and who works them
    MANAGE_NOTIFICATIONS = "manage_notifications"  # see and resend failed notifications
    AUDIT_ACCESS = "audit_access"  # who accessed a record (the DPO's access log)
    # The training programme. Which agencies' staff a user sees is decided in training/queries.py:
    # a coordinator (RUN_TRAINING) the whole partnership, a training lead her own agency.
    RUN_TRAINING = "run_training"  # plan, targets, courses, runs, registers, certificates, sites
    LEAD_TRAINING = "lead_training"  # her agency's staff: enrolments, approvals, progress
    REQUEST_TRAINING = "request_training"  # ask for a place on a course; her own certificates
    # Aggregate figures only: the dashboard, the board pack, CSV tables, the Marac return. Whose
    # figures is decided in reports/scope.py (the partnership, or her own agency).
    VIEW_REPORTS = "view_reports"
    # Perpetrator programmes: her provider agency's programmes, placements, sessions and reviews
    # (perpetrators/queries.py scopes the rows). Never the victim's details.
    RUN_PROGRAMMES = "run_programmes"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.REFERRER: frozenset({Permission.REFER, Permission.REQUEST_TRAINING}),
    Role.SERVICE_WORKER: frozenset({Permission.WORK_ROUTES, Permission.REQUEST_TRAINING}),
    Role.PROGRAMME_WORKER: frozenset(
        {Permission.WORK_ROUTES, Permission.RUN_PROGRAMMES, Permission.REQUEST_TRAINING}
    ),
    Role.TRAINING_COORDINATOR: frozenset(
        {Permission.RUN_TRAINING, Permission.LEAD_TRAINING, Permission.REQUEST_TRAINING}
    ),
    Role.AGENCY_TRAINING_LEAD: frozenset({Permission.LEAD_TRAINING, Permission.REQUEST_TRAINING}),
    Role.MANAGER: frozenset({Permission.VIEW_REPORTS}),
    Role.DPO: frozenset({Permission.AUDIT_ACCESS}),
    Role.ADMIN: frozenset(
        {Permission.MANAGE_USERS, Permission.MANAGE_DIRECTORY, Permission.MANAGE_NOTIFICATIONS}
    ),
}


# Permissions that open what victims told us: an administrator's role may hold none of them.
CASE_PERMISSIONS = frozenset({Permission.REFER, Permission.WORK_ROUTES, Permission.RUN_PROGRAMMES})


class Holder(Protocol):
    """Anyone permissions are asked of: an account with roles, active or not."""

    @property
    def roles(self) -> set[Role]: ...

    @property
    def is_active(self) -> bool: ...


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    return frozenset().union(*(ROLE_PERMISSIONS[Role(role)] for role in roles))


def allows(user: Holder | None, permission: Permission) -> bool:
    """True if this user's roles give the permission (never for a disabled account)."""
    if user is None or not getattr(user, "is_active", False):
        return False
    return permission in permissions_of(user.roles)


def require(user: Holder, permission: Permission) -> None:
    """For use cases: refuse anyone whose roles do not give the permission."""
    if not allows(user, permission):
        raise PermissionDenied(f"needs the {permission.value} permission")


F = TypeVar("F", bound=Callable[..., Any])
PERMISSION_ATTRIBUTE = "daservice_permission"


def permission_required(permission: Permission) -> Callable[[F], F]:
    """A view only users with ``permission`` may open (403 for other signed-in users)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if current_user.is_authenticated and not allows(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        setattr(checked, PERMISSION_ATTRIBUTE, permission)
        return checked  # type: ignore[return-value]

    return decorate


def protect(blueprint: Blueprint, permission: Permission) -> None:
    """Every view of ``blueprint`` needs ``permission`` (for blueprints of one kind of work)."""
    blueprint.daservice_permission = permission  # type: ignore[attr-defined]

    @blueprint.before_request
    def _check() -> None:
        if current_user.is_authenticated and not allows(current_user, permission):
            abort(403)


def required_for(app: Flask, endpoint: str) -> frozenset[Permission]:
    """The permissions an endpoint's view needs: its blueprint's and its own (none: any user
    signed in may open it, and the rows it shows are scoped by its queries)."""
    view = app.view_functions.get(endpoint)
    blueprint = app.blueprints.get(endpoint.rpartition(".")[0])
    found = (
        getattr(blueprint, PERMISSION_ATTRIBUTE, None),
        getattr(view, PERMISSION_ATTRIBUTE, None),
    )
    return frozenset(permission for permission in found if permission is not None)


def allows_all(user: Holder | None, permissions: Iterable[Permission]) -> bool:
    return all(allows(user, permission) for permission in permissions)


def can(permission: Permission) -> bool:
    """For templates: may the signed-in user do this?"""
    return bool(current_user.is_authenticated) and allows(current_user, permission)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(can=can, Permission=Permission)
