"""The partnership's directory as intake reads it, kept per process.

Every referral asks which active service each kind routes to and, after its commit, who works each
receiving service; every API request asks which partner system its token belongs to. All of it
changes rarely (an administrator's edit, a new or revoked token). Each process keeps one copy,
tagged with the directory's version (``models.DirectoryVersion``, which database triggers renew
with any change to services, their members, a member's email or disabled flag, or API clients). A
request reads the version once, one single-row read instead of three queries, and reloads the copy
when it has changed: an edit made anywhere, a revocation included, is seen by every process on its
next request.

The copy holds no personal data of victims: service records, the work email addresses of service
members (which every notification uses anyway), and the SHA-256 hashes of partner systems' tokens
(as stored; a hash does not give the token back).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import make_transient_to_detached

from ..accounts.models import User
from ..extensions import db
from ..referrals.models import ApiClient, PartnerSystem
from .models import DirectoryVersion, Service, ServiceKind, ServiceMember, ServiceStatus

_VERSION = sa.select(DirectoryVersion.__table__.c.version).where(
    DirectoryVersion.__table__.c.id == 1
)
_SERVICES = Service.__table__
_ACTIVE = (
    sa.select(_SERVICES)
    .where(_SERVICES.c.status == ServiceStatus.ACTIVE)
    .order_by(_SERVICES.c.name, _SERVICES.c.id)
)
_MEMBERSHIPS, _USERS = ServiceMember.__table__, User.__table__
_RECIPIENTS = (
    sa.select(_MEMBERSHIPS.c.service_id, _USERS.c.email)
    .join(_USERS, _MEMBERSHIPS.c.user_id == _USERS.c.id)
    .where(_USERS.c.disabled.is_(False))
    .order_by(_MEMBERSHIPS.c.service_id, _USERS.c.email)
)
_CLIENTS = ApiClient.__table__
_USABLE_CLIENTS = sa.select(
    _CLIENTS.c.token_hash, _CLIENTS.c.id, _CLIENTS.c.agency_id, _CLIENTS.c.name
).where(_CLIENTS.c.revoked_at.is_(None))


@dataclass(frozen=True)
class Directory:
    """One consistent reading of the directory. ``version`` is None when the database has no
    version row (then nothing is cached: every request reads afresh)."""

    version: str | None
    # The service each kind routes to: the first active one by name. Detached copies that no
    # session owns; ``service_for`` gives the request its own.
    routing: dict[ServiceKind, Service]
    # Service id -> work email addresses of its enabled members.
    recipients: dict[uuid.UUID, tuple[str, ...]]
    # SHA-256 of a usable (not revoked) token -> its partner system.
    clients: dict[str, PartnerSystem]

    def service_for(self, kind: ServiceKind) -> Service | None:
        """This request's own copy of the service ``kind`` routes to, joined to its session
        without a query (``merge(load=False)`` copies the cached state)."""
        cached = self.routing.get(kind)
        if cached is None:
            return None
        session = db.session()
        # The request's own copy if it already has one (merging would overwrite its changes).
        own = session.identity_map.get(sa.inspect(cached).key)
        return own if own is not None else session.merge(cached, load=False)


def current() -> Directory:
    """The directory for this request: read once per request, from the process's copy when its
    version is still the database's. Outside a request (a CLI, a job) every call reads the
    version again."""
    in_request = has_request_context()
    if in_request:
        memo = g.get("_daservice_directory")  # (the request it was read for, the reading)
        if memo is not None and memo[0] is request._get_current_object():  # type: ignore[attr-defined]
            return memo[1]
    connection = db.session.connection()
    version = connection.execute(_VERSION).scalar_one_or_none()
    # The process's copy, per app: replaced whole, never changed in place (threads share it).
    directory: Directory | None = current_app.extensions["daservice.directory"]
    if version is None or directory is None or directory.version != version:
        directory = _load(connection, version)
        if version is not None:
            current_app.extensions["daservice.directory"] = directory
    if in_request:
        g._daservice_directory = (request._get_current_object(), directory)  # type: ignore[attr-defined]
    return directory


def _load(connection: sa.Connection, version: str | None) -> Directory:
    routing: dict[ServiceKind, Service] = {}
    for row in connection.execute(_ACTIVE).mappings():
        kind = ServiceKind(row["kind"])
        if kind in routing:
            continue
        service = Service(**{column.key: row[column.name] for column in _SERVICES.columns})
        make_transient_to_detached(service)  # as if loaded; never in any session
        routing[kind] = service
    recipients: dict[uuid.UUID, list[str]] = {}
    for service_id, email in connection.execute(_RECIPIENTS):
        recipients.setdefault(service_id, []).append(email)
    clients = {
        token_hash: PartnerSystem(client_id, agency_id, name)
        for token_hash, client_id, agency_id, name in connection.execute(_USABLE_CLIENTS)
    }
    return Directory(version, routing, {k: tuple(v) for k, v in recipients.items()}, clients)


def init_app(app: Flask) -> None:
    app.extensions["daservice.directory"] = None  # read on first use
