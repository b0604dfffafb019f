"""Rate limits shared by every app server, kept in the database.

Limits are named and configured in ``RATE_LIMITS`` (``{"sign_in": "30 per 15 minutes", …}``);
``hit(name, key)`` counts one use and says whether it is allowed; ``@rate_limited(name)`` does that
for a view and answers 429 with ``Retry-After`` when it is not.

**Why hand-written, in the database.** This stack has no Redis: SQLite embedded, PostgreSQL in
production. ``limits`` (and so Flask-Limiter) stores counters in memory, Redis, Memcached, MongoDB
or etcd, not in SQL; PyrateLimiter's PostgreSQL bucket creates and locks a table per bucket at run
time, outside our migrations and our connection pool, and its SQLite bucket needs a file lock. What
we need is one table and one statement.

**How it counts** (GCRA, the generic cell rate algorithm: a leaky bucket kept as one timestamp).
"L per P" lets a key make L hits at once, then one more each time P/L passes. Each key's row holds
``drained_at``, the moment its bucket will be empty. A hit adds P/L to ``max(drained_at, now)``
and is allowed if that leaves the bucket at most P ahead of now; a refused hit changes nothing,
and the wait it is told is exact. Steady use is held to L per P; at most 2L - 1 hits fit in any
span of P (a full bucket, then its refill). Fixed windows allow the same 2L at a window's edge and
make a refused client wait for the window to end; a log of every hit would cost a row per hit.

**Atomic.** The check and the count are one ``INSERT … ON CONFLICT DO UPDATE … WHERE`` statement:
PostgreSQL locks the key's row and re-checks the condition against the committed value; SQLite has
one writer at a time. Each hit runs in its own short transaction on its own connection, so it
counts even if the request fails afterwards, and no lock is held while the request does its work.

**No addresses stored.** Keys are stored as an HMAC-SHA256 under the app's secret key.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..exceptions import Throttled
from ..extensions import db, utcnow
from ..rates import Rate, parse

F = TypeVar("F", bound=Callable[..., Any])

_MICROS = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RateLimitBucket(db.Model):  # type: ignore[name-defined]
    """One key's use of one named limit. ``drained_at_us`` is when its bucket will be empty, in
    microseconds since 1970: an integer, so the upsert is the same arithmetic on both databases.
    A row whose bucket has drained means the same as no row (``prune`` deletes them)."""

    __tablename__ = "rate_limits"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # HMAC, not the key
    # No index: pruning scans a small table now and then; every hit would pay for an index.
    drained_at_us: Mapped[int] = mapped_column(sa.BigInteger)


# --- Limits -----------------------------------------------------------------------------------


def limit(name: str) -> Rate:
    """The configured limit called ``name`` (read at each use, so a changed config applies)."""
    return parse(current_app.config["RATE_LIMITS"][name])


# --- Hitting a limit --------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # whole seconds until a hit would be allowed; 0 when this one was


class RateLimited(Throttled):
    """Over a rate limit. Mapped to 429 with ``Retry-After`` in ``daservice.errors``."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many requests")
        self.retry_after = retry_after


def key_digest(name: str, key: str) -> str:
    """How ``key`` (an address, an account id) is stored for limit ``name``: keyed, so the table
    holds nothing that can be turned back into an address; per limit, so rows do not link up."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = b"rate-limit\x00" + name.encode() + b"\x00" + key.encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _upsert(connection: sa.Connection) -> Any:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"no rate-limit upsert for {dialect}")


@contextmanager
def _own_transaction() -> Iterator[sa.Connection]:
    """A short transaction of the limiter's own, committed at once."""
    session = db.session()
    if db.engine.dialect.name == "sqlite" and session.in_transaction():
        # SQLite has one writer: if this request's session already holds the write lock, a second
        # connection would wait for it until the busy timeout. Fail at once and say why.
        dbapi = session.connection().connection.dbapi_connection
        if getattr(dbapi, "in_transaction", False):
            raise RuntimeError("count rate limits before the request's transaction writes")
    with db.engine.begin() as connection:
        yield connection


def hit(name: str, key: str, *, now: datetime | None = None) -> Decision:
    """Count one use of limit ``name`` by ``key`` and say whether it is allowed. A refused hit
    is not counted. Committed at once, whatever the caller's transaction does."""
    rate = limit(name)
    at = _micros(now or utcnow())
    digest = key_digest(name, key)
    table = RateLimitBucket.__table__
    drained = table.c.drained_at_us
    start = sa.case((drained > at, drained), else_=sa.literal(at, sa.BigInteger))
    with _own_transaction() as connection:
        statement = (
            _upsert(connection)(table)
            .values(name=name, key_hash=digest, drained_at_us=at + rate.interval_us)
            .on_conflict_do_update(
                index_elements=[table.c.name, table.c.key_hash],
                set_={"drained_at_us": start + rate.interval_us},
                where=start + rate.interval_us <= at + rate.period_us,
            )
            .returning(drained)
        )
        if connection.execute(statement).first() is not None:
            return Decision(allowed=True, retry_after=0)
        current = connection.execute(
            sa.select(drained).where(table.c.name == name, table.c.key_hash == digest)
        ).scalar()
    # (None: pruned in between by a server whose clock is ahead; the bucket is as good as empty.)
    wait_us = max(current or at, at) + rate.interval_us - rate.period_us - at
    return Decision(allowed=False, retry_after=max(1, math.ceil(wait_us / _MICROS)))


def refund(name: str, key: str) -> None:
    """Take back one allowed hit (a sign-in that succeeded is not held against its address)."""
    rate = limit(name)
    table = RateLimitBucket.__table__
    with _own_transaction() as connection:
        connection.execute(
            sa.update(table)
            .where(table.c.name == name, table.c.key_hash == key_digest(name, key))
            .values(drained_at_us=table.c.drained_at_us - rate.interval_us)
        )


def prune(now: datetime | None = None) -> int:
    """Delete the rows of keys whose buckets have drained by ``now``; returns how many. Safe to
    run on several servers at once (the ``flask jobs run`` job)."""
    now = now or utcnow()
    table = RateLimitBucket.__table__
    with _own_transaction() as connection:
        result = connection.execute(sa.delete(table).where(table.c.drained_at_us <= _micros(now)))
    return int(result.rowcount)


# --- Views ------------------------------------------------------------------------------------


def client_address() -> str:
    """The client as limits count it: an IPv4 address, or an IPv6 address's /64 (one household
    or server is given a whole /64, so counting single IPv6 addresses would let a client take a
    fresh one for each request). Behind trusted proxies, ``TRUST_PROXY_HEADERS`` has already
    put the client's own address in ``remote_addr``."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def rate_limited(name: str, key: Callable[[], str] = client_address) -> Callable[[F], F]:
    """Count each request to the view against limit ``name`` for ``key()`` (by default the
    client's address). Over the limit the view does not run: the client gets 429 with
    ``Retry-After`` (JSON under ``/api/``, the error page elsewhere)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            decision = hit(name, key())
            if not decision.allowed:
                raise RateLimited(decision.retry_after)
            return view(*args, **kwargs)

        return limited  # type: ignore[return-value]

    return decorate
