"""Logging: a request id on every record, and no SQL parameters in production logs."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, g, has_request_context
from werkzeug.wrappers import Response

from .security import redaction


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _assign_request_id() -> None:
    g.request_id = uuid.uuid4().hex


def _expose_request_id(response: Response) -> Response:
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def init_app(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    app.logger.handlers[:] = [handler]
    redaction.install(handler)
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.propagate = False
    # SQLAlchemy echoes bound parameters (which can be protected values) when echo is on:
    # hide them everywhere except an explicit development choice.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        "hide_parameters": app.config["ENV"] != "development",
    }
    app.before_request(_assign_request_id)
    app.after_request(_expose_request_id)
