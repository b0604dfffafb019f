"""Notifications to staff. Messages never carry case detail: they say something is waiting and
where to sign in, nothing about who or what. The default backend writes to the log."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app

logger = logging.getLogger("daservice.notify")


@dataclass(frozen=True)
class Message:
    to: str  # an email address of a member of staff
    subject: str
    body: str


def send(message: Message) -> None:
    backend = current_app.config.get("NOTIFY_BACKEND", "log")
    if backend == "log":
        logger.info("notification to %s: %s", message.to, message.subject)
        outbox = current_app.extensions.setdefault("daservice.outbox", [])
        outbox.append(message)
        del outbox[:-100]  # keep the last few for tests and the demo
    else:
        raise RuntimeError(f"notification backend {backend!r} is not available")


def init_app(app: Flask) -> None:
    app.extensions["daservice.outbox"] = []
