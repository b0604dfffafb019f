"""The routing directory as intake reads it, kept per process.

Every referral asks which active service each kind routes to; that changes rarely (an
administrator's edit). Each process keeps one copy of the active services, tagged with the
directory's version (``models.DirectoryVersion``, a row that database triggers renew with any
insert, update or delete of a service, and TRUNCATE on PostgreSQL). A request reads the version
once, a single-row read instead of the services query, and reloads the copy when it has changed:
an edit made anywhere, by any process or by plain SQL, is seen on the next request.

Only routing is cached: who works a service is read when a message to it is sent (notify's
audience), and partner systems' tokens are looked up by their index (api.auth).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db
from .models import DirectoryVersion, Service, ServiceKind, ServiceStatus

_VERSION = sa.select(DirectoryVersion.__table__.c.version).where(
    DirectoryVersion.__table__.c.id == 1
)
_SERVICES = Service.__table__
_ACTIVE = (
    sa.select(_SERVICES)
    .where(_SERVICES.c.status == ServiceStatus.ACTIVE)
    .order_by(_SERVICES.c.name, _SERVICES.c.id)
)


@dataclass(frozen=True)
class Directory:
    """One consistent reading of the directory. ``version`` is None when the database has no
    version row (then nothing is cached: every request reads afresh)."""

    version: str | None
    # The service each kind routes to: the first active one by name. Detached copies that no
    # session owns; ``service_for`` gives the request its own.
    routing: dict[ServiceKind, Service]

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
    return Directory(version, routing)


def init_app(app: Flask) -> None:
    app.extensions["daservice.directory"] = None  # read on first use
