"""Manager reports over 100,000 referrals and 20,000 enrolments (``bench/report_data.py``).

Targets (issue 12, DESIGN §7): the dashboard <= 300 ms; the board pack PDF <= 2 s with peak memory
<= 300 MB; each measured against the same queries' raw SQL time, side by side in one run.

(a) **The pack** (``sections.build_pack``) for the last complete quarter and for the current plan
year, ROUNDS times each, p50 and p95, for every registered section on its own and all together:

- **total**: the section's builder and disclosure control, as the dashboard and the PDF call it;
- **in SQL**: the time the builder's statements spent in the database driver's ``execute``
  (an engine event listener around every cursor execute; SQLite runs most of a grouped query
  before returning its first row, so this is most of the database's work);
- **raw SQL**: the same statements, captured once with their parameters, replayed on the driver's
  cursor with ``fetchall`` and nothing else: no ORM, no Python around them.

Then **the page**: ``GET /reports/`` (and ``?period=<plan year>``) through the test client signed
in as a manager, the whole Flask stack, ROUNDS times, p50 and p95.

(b) **The board pack PDF**: ``reports.board_pack.render(pack, generated_by)`` in a fresh child
process (so its peak memory is its own): the pack built and rendered PDF_ROUNDS times, wall time
p50 and the process's peak resident memory (``VmHWM``), beside the same process's peak before
the first render. Skipped, saying so, where the renderer is not on this branch.

``python -m bench.reports [--referrals N] [--enrolments N] [--database-url URL]``
"""

from __future__ import annotations

import argparse
import contextvars
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ._app import bench_app, machine_busy, report
from .report_data import ENROLMENTS, FEEDBACK_NOTE, REFERRALS, fill

ROUNDS = 30
PDF_ROUNDS = 5
DASHBOARD_TARGET_MS = 300
PDF_TARGET_S = 2.0
PDF_MEMORY_TARGET_MB = 300


@contextmanager
def _months_from_rows(wanted: bool) -> Iterator[None]:
    """With ``wanted``, no month is read from its counts: the reports as they were before
    ``month_counts``, side by side in the same run."""
    from daservice.reports.measures import month_counts

    if not wanted:
        yield
        return
    up_to_date = month_counts.up_to_date
    month_counts.up_to_date = lambda source: frozenset()  # type: ignore[assignment]
    try:
        yield
    finally:
        month_counts.up_to_date = up_to_date  # type: ignore[assignment]


def _peak_mb() -> float:
    """This process's peak resident memory, from /proc/self/status's VmHWM. Not ``ru_maxrss``:
    Linux keeps that across the exec that started this child, so it would report the parent's
    peak (the bench's own 100,000 generated referrals) before anything was rendered."""
    for line in open("/proc/self/status").read().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def _p50_p95(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {_percentile(values, 95):.1f}"


@dataclass
class SqlClock:
    """Time spent in the driver's cursor execute, and the statements run, while ``on``."""

    seconds: float = 0.0
    statements: list[tuple[str, Any]] = field(default_factory=list)
    capture: bool = False
    _started: list[float] = field(default_factory=list)

    def install(self, engine: Any) -> None:
        import sqlalchemy as sa

        @sa.event.listens_for(engine, "before_cursor_execute")
        def before(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
            self._started.append(time.perf_counter())
            if self.capture:
                self.statements.append((statement, parameters))

        @sa.event.listens_for(engine, "after_cursor_execute")
        def after(*args: Any) -> None:
            self.seconds += time.perf_counter() - self._started.pop()

    @contextmanager
    def measuring(self) -> Iterator[SqlClock]:
        self.seconds = 0.0
        yield self


def _replay(statements: list[tuple[str, Any]]) -> float:
    """The statements on the driver's own cursor, each result fetched: raw SQL time (s)."""
    from daservice.extensions import db

    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        start = time.perf_counter()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        elapsed = time.perf_counter() - start
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return elapsed


def slowest(statements: list[tuple[str, Any]], count: int = 3) -> list[tuple[float, str]]:
    """The ``count`` slowest statements, each the best of three raw replays (ms, its start)."""
    timed = []
    for statement, parameters in statements:
        best = min(_replay([(statement, parameters)]) for _ in range(3))
        timed.append((best * 1000, " ".join(statement.split())[:90]))
    return sorted(timed, reverse=True)[:count]


@dataclass
class Timings:
    total: list[float] = field(default_factory=list)  # ms
    sql: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    statements: int = 0
    slowest: list[tuple[float, str]] = field(default_factory=list)


def _time_sections(period: Any, clock: SqlClock, rounds: int) -> dict[str, Timings]:
    """Every registered section, and the whole pack ("all sections"), ``rounds`` times. Each
    build is given a new query, as each request makes one: a query keeps what its sections read
    (``ReportQuery.shared``), so a section timed on its own reads what it shares with others."""
    from daservice.extensions import db
    from daservice.reports.sections import ReportQuery, build_pack, build_section, registered

    def query() -> Any:
        return ReportQuery(period)

    found: dict[str, Timings] = {}

    def one(name: str, run: Callable[[], object]) -> None:
        timings = found.setdefault(name, Timings())
        db.session.expire_all()
        start = time.perf_counter()
        with clock.measuring():
            run()
        timings.total.append((time.perf_counter() - start) * 1000)
        timings.sql.append(clock.seconds * 1000)

    for section in registered():  # statements captured once per section, replayed each round
        clock.capture, clock.statements = True, []
        build_section(section, query())
        db.session.rollback()
        clock.capture = False
        found[section.key] = Timings(statements=len(clock.statements))
        statements = list(clock.statements)
        for _ in range(rounds):
            one(section.key, lambda s=section: build_section(s, query()))  # type: ignore[misc]
            found[section.key].raw.append(_replay(statements) * 1000)
    everything: list[tuple[str, Any]] = []
    clock.capture, clock.statements = True, everything
    build_pack(query())
    clock.capture = False
    for _ in range(rounds):
        one("all sections", lambda: build_pack(query()))
        found["all sections"].raw.append(_replay(everything) * 1000)
    found["all sections"].statements = len(everything)
    found["all sections"].slowest = slowest(everything)
    return found


class _Client:
    """Each request in a fresh context, as in a server (this script holds an app context)."""

    def __init__(self, app: Any) -> None:
        self.plain = app.test_client()

    def get(self, *a: Any, **k: Any) -> Any:
        return contextvars.Context().run(self.plain.get, *a, **k)

    def post(self, *a: Any, **k: Any) -> Any:
        return contextvars.Context().run(self.plain.post, *a, **k)


def _signed_in(app: Any, email: str, secret: str) -> _Client:
    from daservice.accounts import mfa

    client = _Client(app)
    for path, data in (
        ("/sign-in", {"email": email, "password": "bench password 123"}),
        ("/sign-in/security-code", {"code": mfa.code_at(secret)}),
    ):
        page = client.get(path).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, path
        response = client.post(path, data={**data, "csrf_token": token.group(1)})
        assert response.status_code == 302, (path, response.status_code)
    return client


def _page(client: _Client, path: str, rounds: int) -> list[float] | str:
    response = client.get(path)
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    for _ in range(3):
        client.get(path)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


def _pdf_child(uri: str, keys_file: str, period_key: str, rounds: int) -> dict[str, Any]:
    """Run in a child process: the pack built and the PDF rendered ``rounds`` times."""

    from daservice import create_app
    from daservice.reports import periods
    from daservice.reports.sections import ReportQuery, build_pack

    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": uri,
            "KEYS_FILE": keys_file,
            "KEYS_JSON": None,
        }
    )
    with app.app_context():
        try:
            from daservice.reports import board_pack
        except ImportError:
            return {"missing": True}
        period = periods.parse(period_key)
        before = _peak_mb()
        builds, renders, sizes = [], [], []
        for _ in range(rounds):
            start = time.perf_counter()
            pack = build_pack(ReportQuery(period))
            built = time.perf_counter()
            document = board_pack.render(pack, "Bench Manager")
            renders.append(time.perf_counter() - built)
            builds.append(built - start)
            sizes.append(len(document))
        peak = _peak_mb()
    return {
        "first_s": builds[0] + renders[0],
        "build_s": statistics.median(builds),
        "render_s": statistics.median(renders),
        "total_s": statistics.median(b + r for b, r in zip(builds, renders, strict=True)),
        "before_mb": before,
        "peak_mb": peak,
        "bytes": sizes[-1],
    }


def _board_pack(uri: str, keys_file: str, period_key: str) -> list[tuple[str, str]]:
    from importlib.util import find_spec

    if find_spec("daservice.reports.board_pack") is None:
        print("board pack renderer not on this branch")
        return [("board pack PDF", "board pack renderer not on this branch: skipped")]
    done = subprocess.run(
        [sys.executable, "-m", "bench.reports", "--child-pdf", uri, keys_file, period_key],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return [("board pack PDF", "child failed: " + done.stderr.strip().splitlines()[-1])]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result.get("missing"):
        print("board pack renderer not on this branch")
        return [("board pack PDF", "board pack renderer not on this branch: skipped")]
    return [
        (f"PDF, {period_key}: first (cold) (s)", f"{result['first_s']:.2f}"),
        ("  build pack / render: p50 (s)", f"{result['build_s']:.2f} / {result['render_s']:.2f}"),
        ("  whole: p50 (s)", f"{result['total_s']:.2f}"),
        (
            "  peak RSS before first render / after (MB)",
            f"{result['before_mb']:.0f} / {result['peak_mb']:.0f}",
        ),
        ("  PDF size (KB)", f"{result['bytes'] / 1024:.0f}"),
        (
            f"  target <= {PDF_TARGET_S:.0f} s and <= {PDF_MEMORY_TARGET_MB} MB",
            "PASS"
            if result["total_s"] <= PDF_TARGET_S and result["peak_mb"] <= PDF_MEMORY_TARGET_MB
            else "FAIL",
        ),
    ]


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=REFERRALS)
    parser.add_argument("--enrolments", type=int, default=ENROLMENTS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--child-pdf", nargs=3, metavar=("URI", "KEYS", "PERIOD"))
    args = parser.parse_args(argv)
    if args.child_pdf:
        print(json.dumps(_pdf_child(*args.child_pdf, PDF_ROUNDS)))
        return {}

    from flask_migrate import upgrade

    from daservice.accounts.models import User
    from daservice.extensions import db
    from daservice.reports import periods
    from daservice.reports.measures import month_counts
    from daservice.reports.measures.safe_spaces import plan_year_for

    overrides: dict[str, Any] = {
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 8,
        "ARGON2_PARALLELISM": 1,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_NAME": "bench_session",
    }
    if args.database_url:
        overrides["SQLALCHEMY_DATABASE_URI"] = args.database_url
    app = bench_app(**overrides)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    results: dict[str, float] = {}
    with app.app_context():
        upgrade()
        print(
            f"Loading {args.referrals:,} referrals, {args.enrolments:,} enrolments...", flush=True
        )
        filled, ids = fill(args.referrals, args.enrolments)
        # What the job reports.count_closed_months does after a load: every ended month at once.
        started = time.perf_counter()
        counted = month_counts.count_closed_months()
        counting = time.perf_counter() - started
        clock = SqlClock()
        clock.install(db.engine)
        quarter = periods.latest_complete_quarter()
        year = plan_year_for(periods.current(periods.PeriodKind.MONTH))
        assert year is not None
        plan_year = periods.plan_year(year.starts_on, year.ends_on, year.number)
        rows: list[tuple[str, str]] = [
            ("generated in (s)", f"{filled.seconds:.0f}"),
            ("ended months counted after the load, as the job does (s)", f"{counting:.1f}"),
            ("  what the job said", counted),
        ]
        # The machine is shared: how many cores others kept busy while we timed (our own CPU
        # taken off), so a slow figure can be told from a busy machine.
        busy, own, wall = machine_busy(), time.process_time(), time.perf_counter()
        for period in (quarter, plan_year):
            timings = _time_sections(period, clock, args.rounds)
            rows.append((f"{period.key}: total / in SQL / raw SQL, p50 (p95) ms", ""))
            for name, t in timings.items():
                rows.append(
                    (
                        f"  {name} ({t.statements} statements)",
                        f"{statistics.median(t.total):.1f} ({_percentile(t.total, 95):.1f})"
                        f" / {statistics.median(t.sql):.1f} ({_percentile(t.sql, 95):.1f})"
                        f" / {statistics.median(t.raw):.1f} ({_percentile(t.raw, 95):.1f})",
                    )
                )
            whole = timings["all sections"]
            rows += [(f"  slowest: {ms:.1f} ms", text) for ms, text in whole.slowest]
            results[f"pack_{period.kind}_p95_ms"] = _percentile(whole.total, 95)
            results[f"pack_{period.kind}_raw_p95_ms"] = _percentile(whole.raw, 95)
        manager = db.session.get(User, ids["manager"])
        client = _signed_in(app, manager.email, manager.totp_secret)
        for label, path, from_rows in (
            (quarter.key, f"/reports/?period={quarter.key}", False),
            (plan_year.key, f"/reports/?period={plan_year.key}", False),
            (f"{plan_year.key} from the rows only", f"/reports/?period={plan_year.key}", True),
        ):
            with _months_from_rows(from_rows):
                page = _page(client, path, args.rounds)
            if isinstance(page, str):
                rows.append((f"GET /reports/ {label}", page))
                continue
            rows.append((f"GET /reports/ {label}: p50 / p95 (ms)", _p50_p95(page)))
            if from_rows:  # for comparison only: the job keeps ended months counted
                continue
            results[f"page_{label}_p95_ms"] = _percentile(page, 95)
            rows.append(
                (
                    f"  target p95 <= {DASHBOARD_TARGET_MS} ms",
                    "PASS" if _percentile(page, 95) <= DASHBOARD_TARGET_MS else "FAIL",
                )
            )
        others = (machine_busy() - busy - (time.process_time() - own)) / (
            time.perf_counter() - wall
        )
        rows.insert(
            1, (f"other load while timing (cores of {os.cpu_count()})", f"{max(0.0, others):.2f}")
        )
        db.session.commit()
        rows += _board_pack(uri, app.config["KEYS_FILE"], quarter.key)
        rows.append(("feedback", FEEDBACK_NOTE))
        dialect = db.engine.dialect.name
    report(f"Manager reports ({dialect}): {filled.summary()}", rows)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
