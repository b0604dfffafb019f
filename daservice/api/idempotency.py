"""Idempotent POSTs for partner systems: a retry with the same ``Idempotency-Key`` and body gets
the very bytes of the first answer and creates nothing; the same key with another body is refused.

Any API use case that creates something wraps its work in ``once``: the work runs in the caller's
transaction without committing, and its answer is stored in that same transaction, so either both
the change and its stored answer are committed or neither is. Two requests racing with one key:
the loser's insert of the record fails on its primary key, its work is rolled back, and it
answers as the winner did.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..exceptions import DomainError
from ..extensions import db, utcnow
from .models import IdempotencyRecord

MAX_KEY_LENGTH = 200


class BadKey(DomainError):
    """An Idempotency-Key that is empty or too long."""


class KeyReused(DomainError):
    """The key was used before with a different request."""


@dataclass(frozen=True)
class Answer:
    """What a POST answers: a status, the exact JSON text, where the new thing is."""

    status: int
    body: str
    location: str | None = None
    replayed: bool = False


def once(
    client_id: uuid.UUID,
    scope: str,
    key: str | None,
    request: Any,
    work: Callable[[], Answer],
    locate: Callable[[dict[str, Any]], str | None],
) -> Answer:
    """Run ``work`` (which changes, does not commit, and returns the answer) at most once per
    client, ``scope`` (what is being done, such as ``POST /api/v1/referrals``: the same key sent
    to another endpoint is another request) and key, and commit. ``request`` is the parsed JSON
    body: a retry must send the same one (compared by a hash of its canonical form). ``locate``
    rebuilds a replayed answer's Location from its JSON body. Without a key, ``work`` runs and
    commits as it is."""
    if key is None:
        answer = work()
        db.session.commit()
        return answer
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        raise BadKey(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    key_hash = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()
    request_hash = hashlib.sha256(
        json.dumps(request, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    previous = db.session.get(IdempotencyRecord, (client_id, key_hash))
    if previous is not None:
        return _replay(previous, request_hash, locate)
    answer = work()
    db.session.add(
        IdempotencyRecord(
            api_client_id=client_id,
            key_hash=key_hash,
            request_hash=request_hash,
            status_code=answer.status,
            response_json=answer.body,  # the answer holds no protected values
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same key arrived twice at once; the other request won
        previous = db.session.get(IdempotencyRecord, (client_id, key_hash))
        if previous is None:
            raise
        return _replay(previous, request_hash, locate)
    return answer


def _replay(
    previous: IdempotencyRecord, request_hash: str, locate: Callable[[dict[str, Any]], str | None]
) -> Answer:
    if previous.request_hash != request_hash:
        raise KeyReused("this Idempotency-Key was used with a different request")
    location = locate(json.loads(previous.response_json)) if previous.status_code == 201 else None
    return Answer(previous.status_code, previous.response_json, location, replayed=True)


def expire(now: datetime | None = None) -> int:
    """Forget answers older than ``IDEMPOTENCY_RETENTION`` (the ``flask jobs run`` job): a
    retry after that is a new request. Commits."""
    cutoff = (now or utcnow()) - current_app.config["IDEMPOTENCY_RETENTION"]
    gone = db.session.execute(
        sa.delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    )
    db.session.commit()
    return int(gone.rowcount)  # type: ignore[attr-defined]
