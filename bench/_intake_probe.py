"""A gunicorn config for ``bench/api_intake.py --probe``: how long each worker waits for and holds
SQLite's write lock. Diagnostic only; the figures in docs/performance.md are measured without it.

With pysqlite's default transaction handling, ``BEGIN`` is sent just before the first INSERT,
UPDATE or DELETE of a transaction, and that statement takes the database's single write lock (or
waits for it in SQLite's busy handler, which sleeps in steps of 1, 2, 5, 10, 15, 20, 25 ... ms).
So the execute time of a transaction's first write is (almost all) the wait for the lock, and the
time from its end to COMMIT is how long the lock is held. Stats go to
``$BENCH_PROBE_DIR/<pid>.json`` when the worker exits.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import sqlalchemy as sa

WRITES = ("INSERT", "UPDATE", "DELETE")
STATS: dict[str, float] = {"transactions": 0, "wait": 0.0, "held": 0.0, "statements": 0}


def post_worker_init(worker: Any) -> None:
    app = worker.wsgi
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["probe_t0"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        STATS["statements"] += 1
        started = conn.info.pop("probe_t0")
        if "probe_begin" not in conn.info and statement.lstrip()[:6].upper() in WRITES:
            now = time.perf_counter()
            conn.info["probe_begin"] = now  # the lock is held from here to COMMIT
            STATS["wait"] += now - started

    @sa.event.listens_for(engine, "commit")
    def _commit(conn: Any) -> None:
        begun = conn.info.pop("probe_begin", None)
        if begun is not None:
            STATS["transactions"] += 1
            STATS["held"] += time.perf_counter() - begun

    @sa.event.listens_for(engine, "rollback")
    def _rollback(conn: Any) -> None:
        conn.info.pop("probe_begin", None)


def worker_exit(server: Any, worker: Any) -> None:
    folder = os.environ.get("BENCH_PROBE_DIR")
    if folder:
        with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as out:
            json.dump(STATS, out)
