"""The audit trail: ``record()`` in the caller's transaction; ``verify()`` walks the chain.

Actions come from the catalogue in ``actions.py``; anything else is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context

from ..extensions import db, insert_if_absent, utcnow
from .actions import AuditAction, UnknownAuditAction, label, lookup
from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64

__all__ = [
    "Actor",
    "AuditAction",
    "AuditEvent",
    "Entry",
    "UnknownAuditAction",
    "init_app",
    "label",
    "record",
    "record_all",
    "verify",
]


def _canonical(event: AuditEvent | SimpleNamespace) -> bytes:
    fields = (
        str(event.seq),
        event.occurred_at.isoformat(),
        str(event.actor_id or ""),
        str(event.agency_id or ""),
        event.action,
        event.target_type or "",
        event.target_id or "",
        event.purpose or "",
        event.request_id or "",
        event.key_id,
        event.prev_hash,
    )
    return "\x1f".join(fields).encode("utf-8")


def _mac(key: bytes, event: AuditEvent | SimpleNamespace) -> str:
    return hmac.new(key, _canonical(event), hashlib.sha256).hexdigest()


class Actor(Protocol):
    """Who acts: a signed-in user or a partner system; anything with an id and an agency."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def agency_id(self) -> uuid.UUID | None: ...


@dataclass(frozen=True)
class Entry:
    """One event to record: who did what to which record, and why.

    ``action`` is an ``AuditAction`` or its string; anything else raises ``UnknownAuditAction``.
    """

    action: str
    actor: Any = None
    target_type: str | None = None
    target_id: uuid.UUID | str | None = None
    purpose: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", lookup(self.action))


# Built once: these run on every audited change.
_HEAD = AuditChainHead.__table__
_RESERVE = (
    sa.update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_seq=_HEAD.c.last_seq + sa.bindparam("count"))
    .returning(_HEAD.c.last_seq, _HEAD.c.last_hash)
)
_SET_HEAD = (
    sa.update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_hash=sa.bindparam("new_hash"), mac=sa.bindparam("new_mac"))
)
_INSERT_EVENTS = sa.insert(AuditEvent.__table__)


def record(
    action: AuditAction | str,
    *,
    actor: Any = None,
    target_type: str | None = None,
    target_id: uuid.UUID | str | None = None,
    purpose: str | None = None,
) -> None:
    """Append an event to the current transaction. The caller commits it with its own change."""
    record_all([Entry(action, actor, target_type, target_id, purpose)])


def record_all(entries: Sequence[Entry]) -> None:
    """Append events, chained in order, to the current transaction (the caller commits).

    Updating the head row first takes the chain's lock (other appenders queue behind it until
    this transaction ends) and reserves the sequence numbers; the head then records the last hash.
    """
    if not entries:
        return
    db.session.flush()  # the caller's row changes first, the chain head last: one lock order
    connection = db.session.connection()
    reserved = connection.execute(_RESERVE, {"count": len(entries)}).one_or_none()
    if reserved is None:
        # The first event ever: make the head unless a concurrent first event just did (that
        # one waits for it), then reserve from it like everyone else.
        insert_if_absent(connection, _HEAD, id=1, last_seq=0, last_hash=GENESIS, mac=None)
        reserved = connection.execute(_RESERVE, {"count": len(entries)}).one()
    last, prev = reserved
    root = current_app.extensions["daservice.keyring"].active("audit")
    request_id = g.get("request_id") if has_request_context() else None
    rows = []
    for seq, entry in enumerate(entries, start=last - len(entries) + 1):
        event = SimpleNamespace(
            seq=seq,
            occurred_at=utcnow(),
            actor_id=getattr(entry.actor, "id", None),
            agency_id=getattr(entry.actor, "agency_id", None),
            action=str(entry.action),  # the code itself, not the enum member
            target_type=entry.target_type,
            target_id=str(entry.target_id) if entry.target_id is not None else None,
            purpose=entry.purpose,
            request_id=request_id,
            key_id=root.key_id,
            prev_hash=prev,
        )
        event.hash = prev = _mac(root.material, event)
        rows.append(vars(event))
    connection.execute(_INSERT_EVENTS, rows)
    connection.execute(
        _SET_HEAD, {"new_hash": prev, "new_mac": _head_mac(root.material, last, prev)}
    )


def _head_mac(key: bytes, seq: int, last_hash: str) -> str:
    return hmac.new(key, f"head\x1f{seq}\x1f{last_hash}".encode(), hashlib.sha256).hexdigest()


@dataclass
class VerifyResult:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(batch: int = 5000) -> VerifyResult:
    """Recompute the chain: an edited, deleted or reordered event breaks it."""
    ring = current_app.extensions["daservice.keyring"]
    problems: list[str] = []
    expected_seq, prev, checked = 1, GENESIS, 0
    last_seq = 0
    while True:
        rows = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            checked += 1
            if event.seq != expected_seq:
                problems.append(f"event {expected_seq} is missing (next is {event.seq})")
            if event.prev_hash != prev:
                problems.append(f"event {event.seq} does not follow the event before it")
            root = ring.usable("audit", event.key_id)
            if root is None or not hmac.compare_digest(_mac(root.material, event), event.hash):
                problems.append(f"event {event.seq} has been altered")
            prev, expected_seq, last_seq = event.hash, event.seq + 1, event.seq
        db.session.expunge_all()
    head = db.session.get(AuditChainHead, 1, populate_existing=True)
    if head is not None and (head.last_seq != last_seq or head.last_hash != prev):
        problems.append(f"the chain ends at event {last_seq} but {head.last_seq} were written")
    elif head is not None and last_seq:
        # The head is signed too: deleting the newest events and rewinding it is detected.
        last = db.session.get(AuditEvent, last_seq)
        root = ring.usable("audit", last.key_id) if last is not None else None
        expected = _head_mac(root.material, head.last_seq, head.last_hash) if root else None
        if expected is None or not hmac.compare_digest(expected, head.mac or ""):
            problems.append("the record of the newest event has been altered")
    return VerifyResult(checked, problems)


def init_app(app: Flask) -> None:
    from . import cli

    app.cli.add_command(cli.audit)
