"""Where messages go: the log (default), an SMTP relay, or GOV.UK Notify.

The backend is chosen and checked when the app is created (``from_config``): a production server
with a missing SMTP host or Notify key refuses to start rather than failing at 3 a.m.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from ..config import ConfigError
from .templates import Template

logger = logging.getLogger("daservice.notify")


class BackendConfigError(ConfigError):
    """The notification backend is unknown or not fully configured."""


@dataclass(frozen=True)
class Email:
    """One rendered message to one address; ``params`` are what the template was filled with
    (the sign-in address included), for a backend that renders the template itself."""

    to: str
    template: str
    subject: str
    body: str
    params: dict[str, str]


class Backend(Protocol):
    def send(self, email: Email) -> None: ...


class LogBackend:
    """Writes each message's recipient and subject to the log, and keeps the last few in memory
    (for the demo and the tests). Bodies are logged only in development (``log_bodies``), where
    the log is the demo's mailbox: an account set-up link is read there (`make run`)."""

    def __init__(self, log_bodies: bool = False) -> None:
        self.sent: deque[Email] = deque(maxlen=100)
        self.log_bodies = log_bodies

    def send(self, email: Email) -> None:
        logger.info("notification to %s: %s", email.to, email.subject)
        if self.log_bodies:
            logger.info("notification body (development only):\n%s", email.body)
        self.sent.append(email)


class SmtpBackend:
    """An SMTP relay (the council's mail gateway): STARTTLS unless told it is a local relay."""

    def __init__(self, config: dict[str, Any]) -> None:
        host = config.get("NOTIFY_SMTP_HOST")
        if not host:
            raise BackendConfigError("NOTIFY_BACKEND is smtp but NOTIFY_SMTP_HOST is not set")
        self.host: str = host
        self.port = int(config.get("NOTIFY_SMTP_PORT") or 587)
        self.starttls = bool(config.get("NOTIFY_SMTP_STARTTLS", True))
        self.username = config.get("NOTIFY_SMTP_USERNAME")
        self.password = config.get("NOTIFY_SMTP_PASSWORD")
        self.sender = config.get("NOTIFY_FROM")
        if not self.sender:
            raise BackendConfigError("NOTIFY_BACKEND is smtp but NOTIFY_FROM is not set")
        self.timeout = float(config.get("NOTIFY_TIMEOUT_SECONDS") or 10)

    def send(self, email: Email) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


class GovukNotifyBackend:
    """GOV.UK Notify, through its maintained client. Each of our templates has a twin in Notify,
    named in ``NOTIFY_TEMPLATE_IDS``; Notify fills in the parameters ("personalisation")."""

    def __init__(self, config: dict[str, Any], templates: list[Template]) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        key = config.get("NOTIFY_API_KEY")
        if not key:
            raise BackendConfigError("NOTIFY_BACKEND is govuk_notify but NOTIFY_API_KEY is not set")
        self.template_ids: dict[str, str] = dict(config.get("NOTIFY_TEMPLATE_IDS") or {})
        missing = [t.name for t in templates if t.name not in self.template_ids]
        if missing:
            raise BackendConfigError(f"NOTIFY_TEMPLATE_IDS has no Notify template for {missing}")
        base_url = config.get("NOTIFY_BASE_URL") or "https://api.notifications.service.gov.uk"
        timeout = int(config.get("NOTIFY_TIMEOUT_SECONDS") or 10)
        self.client = NotificationsAPIClient(key, base_url=base_url, timeout=timeout)

    def send(self, email: Email) -> None:
        self.client.send_email_notification(
            email_address=email.to,
            template_id=self.template_ids[email.template],
            personalisation=email.params,
        )


BACKENDS = ("log", "smtp", "govuk_notify")


def from_config(config: dict[str, Any], templates: list[Template]) -> Backend:
    name = config.get("NOTIFY_BACKEND", "log")
    if name == "log":
        return LogBackend(log_bodies=config.get("ENV") == "development")
    if name == "smtp":
        return SmtpBackend(config)
    if name == "govuk_notify":
        return GovukNotifyBackend(config, templates)
    raise BackendConfigError(f"NOTIFY_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
