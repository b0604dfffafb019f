"""Key re-encryption throughput on SQLite with 100,000 protected rows.

Target (issue #3, DESIGN §7): ``flask keys reencrypt`` >= 5,000 rows/s on SQLite. The baseline
beside it is a bare loop doing the same decrypt + encrypt work in memory with no database, which
shows how much of the time is the database.
"""

from __future__ import annotations

import sys
import time
import uuid

import sqlalchemy as sa

from ._app import bench_app, report
from .api_intake import OTHER_LOAD_WARNING, _machine_busy

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def main() -> dict[str, float]:
    from flask_migrate import upgrade

    from daservice.extensions import db, utcnow
    from daservice.security import install_keys, keyring, rotation

    app = bench_app()
    with app.app_context():
        upgrade()
        cipher = app.extensions["daservice.cipher"]
        table = db.metadata.tables["people"]
        print(f"Loading {ROWS:,} synthetic people (one protected address each)...", flush=True)
        batch = []
        now = utcnow()
        for n in range(ROWS):
            row_id = uuid.uuid4()
            address = f"{n} Synthetic Street, Ilford IG1 {n % 9}AB"
            batch.append(
                {
                    "id": row_id,
                    "kind": "victim",
                    "created_at": now,
                    "address": cipher.encrypt(
                        address, table="people", column="address", row_id=row_id
                    ),
                }
            )
            if len(batch) == 10_000:
                db.session.execute(sa.insert(table), batch)
                batch.clear()
        if batch:
            db.session.execute(sa.insert(table), batch)
        db.session.commit()

        rotation.rotate("encryption")
        install_keys(app, keyring.load(app.config))
        new_cipher = app.extensions["daservice.cipher"]

        # Baseline: the same crypto work on the same values, in memory.
        values = db.session.execute(sa.select(table.c.id, table.c.address)).all()
        start = time.perf_counter()
        for row_id, stored in values:
            text = new_cipher.decrypt(stored, table="people", column="address", row_id=row_id)
            new_cipher.encrypt(text, table="people", column="address", row_id=row_id)
        bare = time.perf_counter() - start
        del values

        busy, cpu, start = _machine_busy(), time.process_time(), time.perf_counter()
        moved = rotation.reencrypt(batch=2000)
        elapsed = time.perf_counter() - start
        other = (_machine_busy() - busy - (time.process_time() - cpu)) / elapsed
        assert moved == ROWS and rotation.count_to_reencrypt() == 0
    rate = moved / elapsed
    report(
        f"keys reencrypt on SQLite, {ROWS:,} rows",
        [
            ("in-memory decrypt + encrypt only (rows/s)", f"{ROWS / bare:,.0f}"),
            ("flask keys reencrypt, verified (rows/s)", f"{rate:,.0f}"),
            ("target >= 5,000 rows/s", "PASS" if rate >= 5000 else "FAIL"),
            ("share of time outside crypto", f"{1 - bare / elapsed:.0%}"),
            ("other processes' CPU meanwhile (cores)", f"{max(0.0, other):.2f}"),
        ],
    )
    if other > OTHER_LOAD_WARNING:
        print("WARNING: other processes were busy during the run; run again on a quiet machine.")
    return {"rows_per_s": rate, "bare_rows_per_s": ROWS / bare}


if __name__ == "__main__":
    main()
