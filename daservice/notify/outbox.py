"""Writing messages in the caller's transaction, and delivering them later (``flask jobs run``).

A message is written with the change that causes it, so it is sent if and only if the change was
committed. Delivery claims each due message with a conditional update (a lease), so two servers
running the job at once never send the same message twice, and a server that dies mid-send leaves
the message due again when its lease ends. Delivery is at least once: a crash between the backend
accepting a message and our commit means it is sent again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..extensions import db, utcnow
from . import templates
from .backends import Backend, Email
from .models import MessageStatus, OutboxMessage

logger = logging.getLogger("daservice.notify")

EMAIL = "email"
# How long a claimed message is ours before another delivery run may take it again, and how long
# one run goes on claiming: well inside a lease, so a run never sends a message whose lease ran
# out (another server may have taken it by then).
LEASE = timedelta(minutes=5)
RUN_FOR = timedelta(minutes=2)

Resolver = Callable[[str], list[str]]
_AUDIENCES: dict[str, Resolver] = {}


class UnknownAudience(LookupError):
    """A message is addressed to an audience no feature registered."""


def register_audience(name: str, resolver: Resolver) -> None:
    """``resolver(key)`` gives the email addresses of an audience (a service's workers, say) when a
    message to it is sent, so a worker who joined, left or was disabled since is counted right."""
    if name == EMAIL:
        raise ValueError("'email' is the plain address audience")
    _AUDIENCES[name] = resolver


def new_message(
    template: str,
    *,
    to: str | None = None,
    audience: tuple[str, str] | None = None,
    params: dict[str, str] | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """A message not yet in the session (for a caller that inserts its new rows itself)."""
    checked = templates.get(template)
    templates.check_params(checked, params or {})
    if (to is None) == (audience is None):
        raise ValueError("give either to= an email address or audience=(name, key)")
    if audience is not None and audience[0] not in _AUDIENCES:
        raise UnknownAudience(audience[0])
    name, address = (EMAIL, to) if to is not None else audience  # type: ignore[misc]
    now = now or utcnow()
    return OutboxMessage(
        template=template,
        audience=name,
        address=str(address),
        params=params or None,
        status=MessageStatus.PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )


def enqueue(
    template: str,
    *,
    to: str | None = None,
    audience: tuple[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> OutboxMessage:
    """Write a message in the current transaction; the caller commits it with its change."""
    message = new_message(template, to=to, audience=audience, params=params)
    db.session.add(message)
    return message


@dataclass
class Delivery:
    """What one delivery run did."""

    sent: int = 0
    expanded: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another server first

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.expanded} expanded, {self.retrying} to retry, "
            f"{self.failed} failed, {self.skipped} taken by another server"
        )


_M = OutboxMessage.__table__
_DUE = (
    sa.select(_M.c.id)
    .where(_M.c.status == MessageStatus.PENDING.value, _M.c.next_attempt_at <= sa.bindparam("now"))
    .order_by(_M.c.next_attempt_at)
    .limit(sa.bindparam("limit"))
)
_CLAIM = (
    sa.update(_M)
    .where(
        _M.c.id == sa.bindparam("message_id"),
        _M.c.status == MessageStatus.PENDING.value,
        _M.c.next_attempt_at <= sa.bindparam("now"),
    )
    .values(attempts=_M.c.attempts + 1, next_attempt_at=sa.bindparam("lease_end"))
)


def deliver_due(backend: Backend, *, now: datetime | None = None, limit: int = 500) -> Delivery:
    """Send what is due, one message per transaction, for at most ``RUN_FOR``. Commits.

    ``now`` is when the run starts (tests move it); each claim is made at the run's own clock,
    so its lease is a whole ``LEASE`` from the moment it is taken."""
    started, wall = now or utcnow(), utcnow()

    def clock() -> datetime:
        return started + (utcnow() - wall)

    report = Delivery()
    work = list(db.session.scalars(_DUE, {"now": started, "limit": limit}))
    db.session.commit()
    while work and clock() - started < RUN_FOR:  # what is left waits for the next run
        message_id = work.pop(0)
        at = clock()
        if not _claim(message_id, at):
            report.skipped += 1
            continue
        message = db.session.get_one(OutboxMessage, message_id)
        if message.audience == EMAIL:
            if _attempt(message, at, functools.partial(_send, backend, message), report):
                report.sent += 1
        else:
            children = _expand(message, at, report)
            work.extend(children)
    return report


def _claim(message_id: Any, now: datetime) -> bool:
    claimed = db.session.execute(
        _CLAIM, {"message_id": message_id, "now": now, "lease_end": now + LEASE}
    )
    db.session.commit()
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


class NoRecipients(LookupError):
    """An audience with nobody in it (a service with no enabled workers)."""


def _expand(message: OutboxMessage, now: datetime, report: Delivery) -> list[Any]:
    """An audience becomes one message per address, read now. Nobody to tell is a failure an
    administrator must see: a service with no enabled workers would never hear of a referral."""
    found: list[str] = []

    def resolve() -> None:
        resolver = _AUDIENCES.get(message.audience)
        if resolver is None:
            raise UnknownAudience(message.audience)
        found.extend(resolver(message.address))
        if not found:
            raise NoRecipients(message.audience)

    if not _attempt(message, now, resolve, report):
        return []
    children = [
        new_message(message.template, to=address, params=message.params, now=now)
        for address in found
    ]
    db.session.add_all(children)
    db.session.commit()
    report.expanded += 1
    return [child.id for child in children]


def _send(backend: Backend, message: OutboxMessage) -> None:
    template = templates.get(message.template)
    params = {**(message.params or {}), "service_url": current_app.config.get("SERVICE_URL") or ""}
    subject, body = template.render(message.params or {}, params["service_url"])
    backend.send(Email(message.address, template.name, subject, body, params))


def _attempt(
    message: OutboxMessage, now: datetime, step: Callable[[], None], report: Delivery
) -> bool:
    """Run ``step`` for a claimed message, then mark the message sent, or due again after a
    backoff, or failed after its last attempt. Commits; True if the step worked."""
    try:
        step()
    except Exception as exc:  # noqa: BLE001 - any failure is retried, then reported
        db.session.rollback()  # whatever the step began
        error = type(exc).__name__
        logger.warning(
            "notification %s not sent (%s), attempt %d", message.id, error, message.attempts
        )
        # Nobody to tell is not a passing fault: an administrator must act (add a worker to the
        # service, then send it again), so it fails at once rather than retrying for hours.
        if (
            isinstance(exc, NoRecipients)
            or message.attempts >= current_app.config["NOTIFY_MAX_ATTEMPTS"]
        ):
            _give_up(message, error)
            report.failed += 1
        else:
            message.last_error = error
            message.next_attempt_at = now + _backoff(message.attempts)
            report.retrying += 1
        db.session.commit()
        return False
    message.status = MessageStatus.SENT
    message.sent_at = now
    message.last_error = None
    if templates.get(message.template).secret:
        message.params = None
    db.session.commit()
    return True


def _backoff(attempts: int) -> timedelta:
    """Exponential: one base interval after the first failure, doubling, at most an hour."""
    base = current_app.config["NOTIFY_RETRY_BASE"]
    return min(base * 2 ** (attempts - 1), timedelta(hours=1))


def _give_up(message: OutboxMessage, error: str) -> None:
    message.status = MessageStatus.FAILED
    message.last_error = error
    logger.error("notification %s failed for good (%s)", message.id, error)


def failed(limit: int = 200) -> list[OutboxMessage]:
    """Messages delivery gave up on, newest first (for an administrator)."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.status == MessageStatus.FAILED)
            .order_by(OutboxMessage.created_at.desc())
            .limit(limit)
        )
    )


def failed_count() -> int:
    """How many messages delivery gave up on (for an administrator's home page)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.status == MessageStatus.FAILED)
        )
        or 0
    )


def retry(actor: audit.Actor, message_id: Any) -> bool:
    """Send a failed message again from its first attempt. Commits; False if it was not failed."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != MessageStatus.FAILED:
        return False
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    audit.record(
        "notification.retried", actor=actor, target_type="notification", target_id=message.id
    )
    db.session.commit()
    return True
