"""What the month-count triggers (migration 0015) cost a writer: routes inserted with the
triggers and, in the same run on the same database, with them dropped.

A route released now (every route intake makes) writes nothing but is checked; one released in a
month over a day old writes two change rows. ROWS raw inserts in one transaction, rolled back,
ROUNDS times with the triggers and then ROUNDS times after dropping them (from the bench's own
throwaway database), median per row. SQLite only (the embedded default, where every writer
waits for the one before).

``python -m bench.month_triggers``
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from ._app import bench_app, report

ROWS = 3000
ROUNDS = 7


def _insert_routes(connection: Any, released: str) -> float:
    """Microseconds per route inserted (rolled back after)."""
    connection.execute("BEGIN")
    started = time.perf_counter()
    for _ in range(ROWS):
        row = {
            "id": uuid.uuid4().hex,
            "referral_id": uuid.uuid4().hex,
            "service_id": uuid.uuid4().hex,
            "status": "pending",
            "referral_agency_id": uuid.uuid4().hex,
            "referral_risk_level": "high",
            "created_at": released,
            "updated_at": released,
            "released_at": released,
        }
        connection.execute(
            # the bench's own column names, no input: nothing to inject
            f"INSERT INTO routes ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608
            list(row.values()),
        )
    elapsed = (time.perf_counter() - started) / ROWS * 1e6
    connection.execute("ROLLBACK")
    return elapsed


def main(argv: list[str] | None = None) -> dict[str, float]:
    import sqlite3

    from flask_migrate import upgrade

    app = bench_app()
    with app.app_context():
        upgrade()
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    now = datetime.now(UTC)
    moments = {
        "released now": now.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "released 3 months ago": (now - timedelta(days=90)).strftime("%Y-%m-%d %H:%M:%S.%f"),
    }
    with_triggers = sqlite3.connect(path, isolation_level=None)
    times: dict[tuple[str, bool], list[float]] = {}
    for _ in range(ROUNDS):
        for label, moment in moments.items():
            times.setdefault((label, True), []).append(_insert_routes(with_triggers, moment))
    for event in ("insert", "delete", "update"):
        with_triggers.execute(f"DROP TRIGGER report_month_routes_{event}")
    for _ in range(ROUNDS):
        for label, moment in moments.items():
            times.setdefault((label, False), []).append(_insert_routes(with_triggers, moment))
    results = {
        f"{label}, {'with' if on else 'without'} triggers": statistics.median(values)
        for (label, on), values in times.items()
    }
    report(
        f"Month-count triggers: a route inserted ({ROWS:,} in a transaction, median of {ROUNDS})",
        [(name, f"{us:.1f} µs") for name, us in results.items()],
    )
    return results


if __name__ == "__main__":
    main()
