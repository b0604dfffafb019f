"""Referral intake through the API against a bare Flask + SQLAlchemy insert of the same payload.

Target (DESIGN §7): the full API intake (bearer-token auth, validation, field encryption, blind
index, person matching, risk, routing, audit chain) reaches >= 0.5x the throughput of a bare Flask +
Flask-SQLAlchemy app inserting the same JSON payload as one row (``bench/bare_intake_app.py``), both
under gunicorn with 2 sync workers on SQLite with the same database settings, on loopback, driven by
the same load generator. Rounds alternate bare, full, bare, full, ... and the medians are compared.

Each side gets its own throwaway folder and SQLite file, made here with the app's own code (fresh
keys, migrations, the demo directory, an API client token). The load generator is a small
``http.client`` client with a few threads and a fixed number of requests; every response must be 201
and, afterwards, the number of rows in each database must equal the number of 201s (no acknowledged
referral lost). Anything else fails the benchmark loudly. The servers are stopped at the end.

``python -m bench.api_intake [--requests N] [--rounds N] [--threads N] [--journal wal|delete]``;
``--probe`` adds, per side, how long the workers waited for and held SQLite's write lock
(``bench/_intake_probe.py``), ``--workers N`` tries another worker count, and ``--sections N``
times N requests in-process by section and SQL statement (all three: diagnostics only).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._app import report

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
FULL_PATH = "/api/v1/referrals"
BARE_PATH = "/intake"
TARGET = 0.5
OTHER_LOAD_WARNING = 0.15  # cores used by other processes during a round before we warn

REQUESTS = 2000  # per measured round and side
ROUNDS = 3  # measured rounds per side, alternating bare, full, bare, full, ...
WARMUP = 100  # per side, before the first round (not measured, still checked)
THREADS = 4
REPEAT_SHARE = 0.10  # share of referrals about someone referred earlier in the run (typed anew)
HIGH_RISK_SHARE = 0.15  # share with a high-risk Dash (Marac, IDVA routes, repeat check)
REQUEST_TIMEOUT = 30.0  # seconds, per request
ROUND_DEADLINE = 300.0  # seconds: a round that takes longer is a failure, not a figure


class BenchmarkFailure(SystemExit):
    """A lost request, a non-201 answer or a count mismatch: never a figure."""


# --- payloads -------------------------------------------------------------------------------


def payloads(count: int, seed: int = 20261124) -> list[bytes]:
    """``count`` valid referral bodies, each about a different synthetic victim, except a share
    that refer someone already referred earlier in the list, as another professional would type
    them (tests/synthetic.py ``vary``)."""
    from tests.factories import high_risk_answers, referral_payload
    from tests.synthetic import person, vary

    rng = random.Random(seed)
    earlier: list[dict[str, object]] = []
    bodies = []
    for n in range(count):
        if earlier and rng.random() < REPEAT_SHARE:
            identity = vary(rng, rng.choice(earlier))
        else:
            identity = person(rng, n)
            earlier.append(identity)
        victim: dict[str, Any] = {
            "first_name": identity["first_name"],
            "last_name": identity["last_name"],
            "date_of_birth": identity["date_of_birth"].isoformat(),  # type: ignore[attr-defined]
            "postcode": identity["postcode"],
            "address": f"{rng.randrange(1, 200)} Example Road, Ilford",
        }
        if identity.get("phone"):
            victim["phone"] = identity["phone"]
        body = referral_payload(victim=victim)
        if rng.random() < HIGH_RISK_SHARE:
            body["risk"]["answers"] = high_risk_answers()
        bodies.append(json.dumps(body).encode())
    return bodies


# --- the two servers -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _database_url(path: Path) -> str:
    # The same settings on both sides: the file, and the driver's lock wait (the sqlite3 default).
    return f"sqlite:///{path}?timeout=5"


def _set_journal(path: Path, mode: str) -> None:
    with sqlite3.connect(path) as conn:
        found = conn.execute(f"PRAGMA journal_mode={mode}").fetchone()[0]
    if found.lower() != mode:
        raise BenchmarkFailure(f"could not set journal_mode={mode} on {path} (got {found})")


def _clean_env() -> dict[str, str]:
    """The environment for a server: ours, minus any daservice settings of the developer's."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DASERVICE_") and k not in {"DATABASE_URL", "BARE_DATABASE_URL"}
    }


@dataclass
class Side:
    name: str
    path: str
    headers: dict[str, str]
    env: dict[str, str]
    app: str  # gunicorn application spec
    database: Path
    table: str
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    workers: int = 2
    root: Path = ROOT  # the checkout the server runs (bench/matching_timing.py runs an older one)
    probe: Path | None = None  # folder for bench/_intake_probe.py's per-worker stats
    ok: int = 0  # 201s received, warm-up included
    wall: float = 0.0  # seconds spent driving it, warm-up included
    throughput: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)  # worker CPU seconds per request
    client_cpu: list[float] = field(default_factory=list)  # load generator CPU s per request
    other_cpu: list[float] = field(default_factory=list)  # cores used by anything else meanwhile


def prepare_full(folder: Path, journal: str) -> Side:
    """A daservice instance folder: keys, migrated SQLite, demo directory, one API client."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from daservice import create_app
    from daservice.accounts.models import Agency
    from daservice.api import auth
    from daservice.demo import AGENCIES
    from daservice.directory import demo as directory_demo
    from daservice.extensions import db
    from daservice.security import keyring

    folder.mkdir(parents=True)
    keyring.write_document(keyring.Path(folder / "keys.json"), keyring.generate_document())
    database = folder / "daservice.sqlite3"
    secret = secrets.token_urlsafe(32)
    env = {
        **_clean_env(),
        "DASERVICE_INSTANCE_PATH": str(folder),
        "DASERVICE_ENV": "testing",
        "DASERVICE_SECRET_KEY": secret,
        "DATABASE_URL": _database_url(database),
    }
    saved = {k: os.environ.get(k) for k in ("DASERVICE_INSTANCE_PATH",)}
    os.environ["DASERVICE_INSTANCE_PATH"] = str(folder)
    try:
        app = create_app(
            {
                "ENV": "testing",
                "SECRET_KEY": secret,
                "SQLALCHEMY_DATABASE_URI": _database_url(database),
                "KEYS_FILE": str(folder / "keys.json"),
                "KEYS_JSON": None,
            }
        )
        with app.app_context():
            upgrade()
            for code, name in AGENCIES:
                db.session.add(Agency(code=code, name=name))
            db.session.commit()
            directory_demo.load()
            police = db.session.scalar(sa.select(Agency).where(Agency.code == "MPS"))
            assert police is not None
            _, token = auth.issue(police.id, "benchmark load generator")
            db.engine.dispose()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    _set_journal(database, journal)
    return Side(
        name="full",
        path=FULL_PATH,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        env=env,
        app="wsgi:app",
        database=database,
        table="referrals",
    )


def prepare_bare(folder: Path, journal: str) -> Side:
    from .bare_intake_app import create_schema

    folder.mkdir(parents=True)
    database = folder / "bare.sqlite3"
    create_schema(_database_url(database))
    _set_journal(database, journal)
    return Side(
        name="bare",
        path=BARE_PATH,
        headers={"Content-Type": "application/json"},
        env={**_clean_env(), "BARE_DATABASE_URL": _database_url(database)},
        app="bench.bare_intake_app:app",
        database=database,
        table="intake",
    )


def start(side: Side, folder: Path) -> None:
    side.port = _free_port()
    side.log = folder / f"gunicorn-{side.name}.log"
    command = [sys.executable, "-m", "gunicorn", "--workers", str(side.workers)]
    command += ["--bind", f"{HOST}:{side.port}", "--chdir", str(side.root)]
    env = dict(side.env)
    if side.probe is not None:
        side.probe.mkdir()
        command += ["--config", "python:bench._intake_probe"]
        env["BENCH_PROBE_DIR"] = str(side.probe)
    with open(side.log, "wb") as log:
        side.process = subprocess.Popen(
            [*command, side.app],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=side.root,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # up when both workers have loaded the app
        if side.process.poll() is not None:
            raise BenchmarkFailure(f"{side.name} server exited:\n{side.log.read_text()[-3000:]}")
        if len(_workers(side.process.pid)) == side.workers and "Booting worker" in (
            side.log.read_text()
        ):
            try:
                with socket.create_connection((HOST, side.port), timeout=1):
                    return
            except OSError:
                pass
        time.sleep(0.2)
    raise BenchmarkFailure(f"{side.name} server did not start:\n{side.log.read_text()[-3000:]}")


def stop(side: Side) -> None:
    process = side.process
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown of master and workers
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _workers(master: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(entry))
    return found


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited: drive() reports that as a failure
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


# --- the load generator ----------------------------------------------------------------------


@dataclass
class Run:
    statuses: list[int]
    latencies: list[float]
    problems: list[str]
    elapsed: float
    client_cpu: float


def load(port: int, path: str, headers: dict[str, str], bodies: list[bytes], threads: int) -> Run:
    """POST every body once from ``threads`` threads; per-request latency; no retries."""
    total = len(bodies)
    statuses = [0] * total
    latencies = [0.0] * total
    problems: list[str] = []
    lock = threading.Lock()
    counter = itertools.count()
    deadline = time.monotonic() + ROUND_DEADLINE

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            while True:
                i = next(counter)
                if i >= total:
                    return
                if time.monotonic() > deadline:
                    with lock:
                        problems.append(f"request {i}: not sent, round deadline passed")
                    continue
                started = time.perf_counter()
                try:
                    conn.request("POST", path, bodies[i], headers)
                    response = conn.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    with lock:
                        problems.append(f"request {i}: lost ({exc!r})")
                    continue
                latencies[i] = time.perf_counter() - started
                statuses[i] = response.status
                if response.status != 201:
                    with lock:
                        problems.append(f"request {i}: {response.status} {data[:300]!r}")
                if response.will_close:
                    conn.close()
        finally:
            conn.close()

    cpu = time.process_time()
    started = time.perf_counter()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(ROUND_DEADLINE + REQUEST_TIMEOUT + 5)
        if t.is_alive():
            problems.append("a load thread did not finish in time")
    elapsed = time.perf_counter() - started
    return Run(statuses, latencies, problems, elapsed, time.process_time() - cpu)


def drive(side: Side, bodies: list[bytes], threads: int, measured: bool) -> None:
    assert side.process is not None
    workers = _workers(side.process.pid)
    before, busy = _cpu_seconds(workers), _machine_busy()
    run = load(side.port, side.path, side.headers, bodies, threads)
    server_cpu = _cpu_seconds(workers) - before
    other = max(0.0, (_machine_busy() - busy - server_cpu - run.client_cpu) / run.elapsed)
    if side.process.poll() is not None or sorted(_workers(side.process.pid)) != sorted(workers):
        run.problems.append("a server process exited or was replaced during the round")
    side.ok += sum(1 for s in run.statuses if s == 201)
    side.wall += run.elapsed
    if run.problems:
        shown = "\n  ".join(run.problems[:20])
        raise BenchmarkFailure(
            f"{side.name}: {len(run.problems)} problem(s) in {len(bodies)} requests:\n  {shown}"
        )
    if measured:
        side.throughput.append(len(bodies) / run.elapsed)
        side.latencies.extend(run.latencies)
        side.server_cpu.append(server_cpu / len(bodies))
        side.client_cpu.append(run.client_cpu / len(bodies))
        side.other_cpu.append(other)
        print(
            f"  {side.name:<4} {len(bodies) / run.elapsed:7.1f} req/s  "
            f"p50 {_pct(run.latencies, 50) * 1e3:6.1f} ms  "
            f"p95 {_pct(run.latencies, 95) * 1e3:6.1f} ms  "
            f"server CPU {server_cpu / len(bodies) * 1e3:5.2f} ms/req  "
            f"other load {other:.2f} cores",
            flush=True,
        )


def verify(side: Side) -> int:
    """Rows in the side's database must equal the 201s it sent back."""
    with sqlite3.connect(side.database) as conn:
        query = f"SELECT count(*) FROM {side.table}"  # noqa: S608 (a constant, not input)
        rows = int(conn.execute(query).fetchone()[0])
    if rows != side.ok:
        raise BenchmarkFailure(f"{side.name}: {side.ok} referrals acknowledged but {rows} stored")
    assert side.log is not None
    text = side.log.read_text()
    for marker in ("Traceback", "WORKER TIMEOUT", "database is locked"):
        if marker in text:
            raise BenchmarkFailure(f"{side.name}: {marker!r} in the server log ({side.log})")
    return rows


def _probe_rows(*sides: Side) -> list[tuple[str, str]]:
    rows = []
    for side in sides:
        assert side.probe is not None
        total: dict[str, float] = {}
        for found in side.probe.glob("*.json"):
            for key, value in json.loads(found.read_text()).items():
                total[key] = total.get(key, 0) + value
        n = total.get("transactions", 0) or 1
        rows += [
            (
                f"{side.name}: write transactions / statements",
                f"{n:,.0f} / {total.get('statements', 0):,.0f}",
            ),
            (f"{side.name}: mean wait for the lock (ms)", f"{total['wait'] / n * 1e3:.2f}"),
            (f"{side.name}: mean time holding it (ms)", f"{total['held'] / n * 1e3:.2f}"),
            (f"{side.name}: share of wall time it is held", f"{total['held'] / side.wall:.0%}"),
        ]
    return rows


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


# --- where a request's time goes (diagnostics) ----------------------------------------------

# daservice functions timed by ``--sections``, as (module, attribute). Inclusive and exclusive time:
# a timed function called inside another is subtracted from the caller's exclusive time.
SECTIONS = [
    ("flask.app:Flask", "wsgi_app", "whole request (Flask wsgi_app)"),
    ("daservice.api.auth", "authenticate", "auth.authenticate"),
    ("daservice.api.services", "parse", "validation.parse"),
    ("daservice.referrals.intake", "build_referral", "intake.build_referral"),
    ("daservice.referrals.intake", "plan", "intake.plan (read and work out)"),
    ("daservice.referrals.intake:IntakePlan", "write", "IntakePlan.write (the writes)"),
    ("daservice.people.matching", "resolve", "people.resolve"),
    ("daservice.people.matching", "find_matches", "people.find_matches"),
    ("daservice.referrals.intake", "_is_repeat", "intake._is_repeat"),
    ("daservice.referrals.intake", "next_reference", "intake.next_reference"),
    ("daservice.directory.cache", "current", "directory cache.current (version check)"),
    ("daservice.directory.cache", "_load", "directory cache._load (reload)"),
    ("daservice.directory.cache:Directory", "service_for", "directory service_for (merge)"),
    ("daservice.audit", "record_all", "audit.record_all"),
    ("daservice.inserts:NewRows", "insert", "NewRows.insert"),
    ("daservice.referrals.intake", "_insert_kept", "intake._insert_kept"),
    ("daservice.referrals.risk", "assess", "risk.assess"),
    ("daservice.referrals.routing", "plan", "routing.plan"),
    ("daservice.security.fields:Encrypted", "__set__", "protected field writes (encrypt)"),
    ("daservice.api.views", "_read_json", "api._read_json"),
    ("daservice.security.headers", "set_headers", "security headers"),
    ("daservice.referrals.disclosure", "summary", "disclosure.summary"),
    ("daservice.api.idempotency", "once", "idempotency.once"),
    ("sqlalchemy.orm.session:Session", "_flush", "ORM flush (explicit and autoflush)"),
    ("sqlalchemy.orm.session:Session", "commit", "Session.commit (less its flush)"),
    ("sqlalchemy.orm.strategies:LazyLoader", "_emit_lazyload", "ORM lazy loads"),
]


def in_process(name: str) -> tuple[Side, Any]:
    """A fresh daservice instance (``prepare_full``) and the app a server would make from its
    environment, for driving in-process with the test client."""
    from daservice import create_app

    folder = Path(tempfile.mkdtemp(prefix=f"daservice-bench-{name}-"))
    side = prepare_full(folder / "full", "wal")
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(side.env)
    try:
        app = create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return side, app


def sections(count: int) -> None:
    """Run ``count`` referrals in-process (Flask test client, one thread, WAL SQLite) and print
    where the time goes: timed daservice functions and the SQL statements sent per request."""
    import collections
    import functools
    import importlib

    import sqlalchemy as sa

    from daservice.extensions import db

    side, app = in_process("sections")
    inclusive: collections.defaultdict[str, float] = collections.defaultdict(float)
    exclusive: collections.defaultdict[str, float] = collections.defaultdict(float)
    calls: collections.Counter[str] = collections.Counter()
    stack: list[float] = []
    undo = []

    def timed(label: str, function: Any) -> Any:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            stack.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                inner = stack.pop()
                if stack:
                    stack[-1] += took
                inclusive[label] += took
                exclusive[label] += took - inner
                calls[label] += 1

        return wrapper

    for where, name, label in SECTIONS:
        module, _, cls = where.partition(":")
        owner = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        if hasattr(owner, name):
            undo.append((owner, name, getattr(owner, name)))
            setattr(owner, name, timed(label, getattr(owner, name)))
    statements: collections.Counter[str] = collections.Counter()
    in_sqlite = [0.0]

    with app.app_context():
        engine = db.engine

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        in_sqlite[0] += time.perf_counter() - conn.info.pop("bench_t0")
        words = statement.split()
        if words[0] == "SELECT":
            table = words[words.index("FROM") + 1]
            if words[1].startswith("count("):
                table += " (count)"
        else:
            table = words[1] if words[0] == "UPDATE" else words[2]
        statements[f"{words[0]} {table}"] += 1

    client = app.test_client()
    bodies = payloads(300 + count)
    try:
        for body in bodies[:300]:  # warm-up: caches, and a few hundred people to match against
            assert client.post(FULL_PATH, data=body, headers=side.headers).status_code == 201
        for counter in (inclusive, exclusive, calls):
            counter.clear()
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        started = time.perf_counter()
        for body in bodies[300:]:
            assert client.post(FULL_PATH, data=body, headers=side.headers).status_code == 201
        elapsed = time.perf_counter() - started
    finally:
        for owner, name, original in undo:
            setattr(owner, name, original)
    ms = 1e3 / count
    print(f"\nWhere a referral's time goes: {count:,} requests in-process, one thread")
    print(f"  {elapsed * ms:.2f} ms per request; ms per request inclusive / exclusive, calls")
    for label, total in sorted(inclusive.items(), key=lambda item: -item[1]):
        print(
            f"  {label:<40} {total * ms:6.2f} / {exclusive[label] * ms:5.2f}"
            f"  x{calls[label] / count:.2f}"
        )
    print(
        f"  SQL: {sum(statements.values()) / count:.1f} statements per request, "
        f"{in_sqlite[0] * ms:.2f} ms per request in cursor.execute (SQLite itself)"
    )
    for statement, n in statements.most_common():
        print(f"    {n / count:5.2f}  {statement}")


# --- the benchmark -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.api_intake", description=__doc__)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="per round and side")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="measured rounds per side")
    parser.add_argument("--warmup", type=int, default=WARMUP)
    parser.add_argument("--threads", type=int, default=THREADS, help="concurrent clients")
    parser.add_argument("--journal", choices=("wal", "delete"), default="wal")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway folder")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per side")
    parser.add_argument("--probe", action="store_true", help="time SQLite's write lock")
    parser.add_argument(
        "--sections", type=int, metavar="N", help="instead: N requests in-process, timed by section"
    )
    args = parser.parse_args([] if argv is None else argv)
    if args.sections:
        sections(args.sections)
        return {}

    folder = Path(tempfile.mkdtemp(prefix="daservice-bench-intake-"))
    bodies = payloads(args.warmup + args.rounds * args.requests)
    full = prepare_full(folder / "full", args.journal)
    bare = prepare_bare(folder / "bare", args.journal)
    for side in (bare, full):
        side.workers = args.workers
        side.probe = folder / f"probe-{side.name}" if args.probe else None
    print(
        f"API intake vs bare insert: {args.rounds} x {args.requests:,} requests per side, "
        f"{args.threads} client threads, gunicorn {args.workers} workers, "
        f"SQLite journal_mode={args.journal}"
        f"\n  folder {folder}",
        flush=True,
    )
    try:
        for side in (bare, full):
            start(side, folder)
        for side in (bare, full):
            drive(side, bodies[: args.warmup], args.threads, measured=False)
        for r in range(args.rounds):
            chunk = bodies[args.warmup + r * args.requests : args.warmup + (r + 1) * args.requests]
            for side in (bare, full):
                drive(side, chunk, args.threads, measured=True)
    finally:
        for side in (bare, full):
            stop(side)
    stored = {side.name: verify(side) for side in (bare, full)}

    rate = {side.name: statistics.median(side.throughput) for side in (bare, full)}
    ratio = rate["full"] / rate["bare"]
    p = {(side.name, q): _pct(side.latencies, q) * 1e3 for side in (bare, full) for q in (50, 95)}
    cpu = {side.name: statistics.median(side.server_cpu) * 1e3 for side in (bare, full)}
    client = {side.name: statistics.median(side.client_cpu) * 1e3 for side in (bare, full)}
    report(
        f"API intake vs bare insert (median of {args.rounds} alternating rounds of "
        f"{args.requests:,}; {args.threads} threads; gunicorn --workers {args.workers}; "
        f"SQLite {args.journal})",
        [
            ("bare Flask + SQLAlchemy insert (req/s)", f"{rate['bare']:,.1f}"),
            ("daservice API intake (req/s)", f"{rate['full']:,.1f}"),
            (
                f"ratio (target >= {TARGET})",
                f"{ratio:.2f}x  {'PASS' if ratio >= TARGET else 'FAIL'}",
            ),
            ("bare latency p50 / p95 (ms)", f"{p['bare', 50]:.1f} / {p['bare', 95]:.1f}"),
            ("full latency p50 / p95 (ms)", f"{p['full', 50]:.1f} / {p['full', 95]:.1f}"),
            ("bare server CPU per request (ms)", f"{cpu['bare']:.2f}"),
            ("full server CPU per request (ms)", f"{cpu['full']:.2f}"),
            (
                "load generator CPU per request, bare / full (ms)",
                f"{client['bare']:.2f} / {client['full']:.2f}",
            ),
            (
                "201s = rows stored, bare / full",
                f"{bare.ok:,} = {stored['bare']:,} / {full.ok:,} = {stored['full']:,}",
            ),
        ],
    )
    busiest = max(max(side.other_cpu) for side in (bare, full))
    if busiest > OTHER_LOAD_WARNING:
        print(
            f"\nWARNING: other processes used up to {busiest:.2f} cores during a round; "
            "the figures are disturbed: run again on a quiet machine."
        )
    if args.probe:
        report("SQLite write lock, per write transaction (--probe)", _probe_rows(bare, full))
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return {
        "bare_rps": rate["bare"],
        "full_rps": rate["full"],
        "ratio": ratio,
        **{f"{name}_p{q}_ms": v for (name, q), v in p.items()},
    }


if __name__ == "__main__":
    main(sys.argv[1:])
