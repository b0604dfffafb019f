"""SQLite's one writer at a time, handed over by the kernel instead of by polling.

SQLite lets one connection write at a time. A connection that finds the write lock taken sleeps
and retries (1 ms, then 2, 5, 10 ... until its busy timeout), so a worker that asks a moment after
another began waits a whole millisecond or more, however soon the lock is free: at intake rates
that waiting was as large as the writing. A hot write path first takes this slot, an exclusive
``flock`` on a file beside the database: a waiting process sleeps in the kernel and wakes the
moment the holder's transaction ends. The slot only orders writers that ask for it; SQLite's own
lock still guarantees correctness for every writer, so a path without the slot (a CLI, an admin
form) is merely queued as before.

Held from the first write to the end of the transaction (commit, rollback or close, whichever
comes first), so never longer than the writes themselves; the kernel drops it if a process dies.
PostgreSQL has row locks and needs none of this.
"""

from __future__ import annotations

import fcntl
import os
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

from .extensions import db

# Threads of one process share its descriptor, so they are ordered here first (re-entrant: a thread
# that already holds the slot through another session does not wait for itself).
_lock = threading.RLock()
_files: dict[tuple[int, str], int] = {}  # (process, lock file) -> descriptor
_HELD, _LISTENING = "daservice.writer_slot", "daservice.writer_slot_listens"


def _descriptor(path: str) -> int:
    key = (os.getpid(), path)  # a forked worker opens its own (a lock belongs to a descriptor)
    fd = _files.get(key)
    if fd is None:
        fd = _files[key] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    return fd


def take() -> None:
    """Take the writer slot for the current session's transaction, if the database is a SQLite
    file; it is given back when that transaction ends. Call it just before the first write."""
    engine = db.engine
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return
    session = db.session()
    if _HELD in session.info:
        return  # already held for this transaction
    if not session.info.get(_LISTENING):
        sa.event.listen(session, "after_transaction_end", _give_back)
        session.info[_LISTENING] = True
    session.connection()  # the transaction whose end gives the slot back has begun
    fd = _descriptor(database + ".writer")
    _lock.acquire()
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        _lock.release()
        raise
    session.info[_HELD] = fd


def _give_back(session: Session, transaction: SessionTransaction, *_: Any) -> None:
    if transaction.parent is not None:
        return  # a savepoint ended, not the transaction
    fd = session.info.pop(_HELD, None)
    if fd is None:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        _lock.release()
