"""JSON API v1 for partner systems: bearer tokens per agency client; OpenAPI 3.1 document."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    from .. import jobs
    from ..extensions import csrf
    from ..security.guard import token_authenticated
    from . import cli, idempotency, models, views  # noqa: F401  (the tables)

    csrf.exempt(views.bp)  # no cookies here: each request carries its bearer token
    token_authenticated(views.bp)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.api_clients)
    jobs.register("api.expire_idempotency_records", idempotency.expire, every=timedelta(hours=6))
