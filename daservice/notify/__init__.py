"""Notifications to staff, through an outbox.

A feature registers its templates (fixed text; no case detail) and its audiences (who "a service's
workers" are, read when a message is sent), writes messages with ``enqueue`` in the same
transaction as the change, and ``flask jobs run`` delivers them with retries and backoff. The
backend is the log (default), an SMTP relay or GOV.UK Notify, chosen and checked at start-up.
"""

from __future__ import annotations

from flask import Flask, current_app

from .backends import Backend, BackendConfigError, Email, LogBackend
from .models import MessageStatus, OutboxMessage
from .outbox import (
    Delivery,
    enqueue,
    failed,
    failed_count,
    new_message,
    register_audience,
    retry,
)
from .outbox import deliver_due as _deliver_due
from .templates import Template
from .templates import register as register_template

__all__ = [
    "Backend",
    "BackendConfigError",
    "Delivery",
    "Email",
    "LogBackend",
    "MessageStatus",
    "OutboxMessage",
    "Template",
    "backend",
    "deliver_due",
    "enqueue",
    "failed",
    "failed_count",
    "init_app",
    "new_message",
    "register_audience",
    "register_template",
    "retry",
    "subject_of",
]


def backend() -> Backend:
    found: Backend = current_app.extensions["daservice.notify"]
    return found


def subject_of(message: OutboxMessage) -> str:
    """What a message is about, as its template's subject says (for the admin's page)."""
    from . import templates

    try:
        return templates.get(message.template).subject.format(**(message.params or {}))
    except (templates.UnknownTemplate, KeyError):
        return message.template


def deliver_due(limit: int = 500) -> Delivery:
    """Deliver what is due through this app's backend (the outbox job). Commits."""
    return _deliver_due(backend(), limit=limit)


def init_app(app: Flask) -> None:
    """Choose and check the backend. Called after the features have registered their templates,
    so a GOV.UK Notify set-up missing a template id refuses to start."""
    from . import backends, templates

    app.extensions["daservice.notify"] = backends.from_config(app.config, templates.registered())

    from .. import jobs

    jobs.register("notify.deliver", deliver_due, every=app.config["NOTIFY_DELIVERY_EVERY"])
