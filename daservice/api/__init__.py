"""JSON API v1 for partner systems: bearer tokens per agency client; OpenAPI 3.1 document."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..extensions import csrf
    from ..security.guard import token_authenticated
    from . import cli, views

    csrf.exempt(views.bp)  # no cookies here: each request carries its bearer token
    token_authenticated(views.bp)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.api_clients)
