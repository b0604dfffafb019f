"""SQLite's one writer at a time, handed over by the kernel instead of by polling.

SQLite lets one connection write at a time. A connection that finds the write lock taken sleeps
and retries (1 ms, then 2, 5, 10 ... until its busy timeout), so a worker that asks a moment after
another began waits a whole millisecond or more, however soon the lock is free: at intake rates
that waiting was as large as the writing. A hot write path first takes this slot, an exclusive
``flock`` on a file beside the database: a waiting process sleeps in the kernel and wakes the
moment the holder's transaction ends. (Asking every 50-200 µs instead was measured too: the
wake-ups cost more CPU than they saved.) The slot only orders writers that ask for it; SQLite's
own lock still guarantees correctness for every writer, so a path without the slot (a CLI, an
admin form) is merely queued as before.

Held from the first write to the end of the transaction (commit, rollback or close, whichever
comes first), so never longer than the writes themselves; the kernel drops it when a process
dies, so a stuck holder is released when gunicorn's worker timeout ends it. A waiter has no
timeout of its own: it waits for the holder rather than failing the referral. If a holder without
the slot keeps SQLite's lock while a slot holder waits for it, SQLite's busy timeout ends that wait
as before. PostgreSQL has row locks and needs none of this.
"""

from __future__ import annotations

import fcntl
import os
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

from .extensions import db

_HELD, _LISTENING = "daservice.writer_slot", "daservice.writer_slot_listens"


class _State:
    """Per process. Threads share the process's descriptor, so they are ordered by ``lock``
    first; it is re-entrant so a thread already holding the slot through another session does
    not wait for itself, and ``depth`` keeps the file locked until its last holder is done."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.depth = 0
        self.files: dict[str, int] = {}


_state = _State()


def _forked() -> None:
    global _state
    _state = _State()  # a child neither holds its parent's slot nor shares its descriptor


os.register_at_fork(after_in_child=_forked)


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
    state = _state
    path = database + ".writer"
    fd = state.files.get(path)
    if fd is None:
        fd = state.files[path] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    state.lock.acquire()
    if state.depth == 0:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits in the kernel while another process holds it
        except BaseException:
            state.lock.release()
            raise
    state.depth += 1
    session.info[_HELD] = (state, fd)


def _give_back(session: Session, transaction: SessionTransaction, *_: Any) -> None:
    if transaction.parent is not None:
        return  # a savepoint ended, not the transaction
    held = session.info.pop(_HELD, None)
    if held is None:
        return
    state, fd = held
    try:
        state.depth -= 1
        if state.depth == 0:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        state.lock.release()
