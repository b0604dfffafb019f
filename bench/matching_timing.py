"""Paired timing of referrals about a known victim and about a new one (security probe F1).

Promise (DESIGN §3): the referrer is never told whether a person was already known; the time to
answer must not tell her either. An attacker with a partner system's token times
``POST /api/v1/referrals`` about the woman she wants to ask about, and about made-up women, and
compares. This bench does exactly that, through the real stack: ``gunicorn wsgi:app`` on loopback
(sync workers, SQLite in WAL mode, made as ``bench/api_intake.py`` makes its full side).

Each side's database first gets ``--people`` referrals from the MPS's partner system (synthetic
victims, 10% of them referred again, 15% high risk: ``api_intake.payloads``), its blind index
sized for that many people (so lookups meet false candidates as a partnership of that size
would), then one referral at Marac (24 "yes" answers) about Kate. The LBR's partner system then
sends pairs of standard-risk referrals, one about Kate and one about a woman nobody has referred,
in a random order within each pair, each timed from sending to the last byte of the answer. With
``--before REF`` the same is done at the same time against a server running the code of git
revision REF (``git archive``, the same virtualenv), the two sides' pairs interleaved in a random
order, so the machine's noise falls on both sides and on both arms of each pair alike.

Reported per side: medians and p10/p90 of each arm, the median paired difference with a
distribution-free 95% confidence interval, the share of pairs where the known victim was slower
(≈ 50% if the time says nothing), an exact two-sided sign test on the pairs and a two-sided
Mann-Whitney U test on the two arms (normal approximation, ties corrected). Every answer must be
201, and afterwards each database must hold every acknowledged referral, Kate's all linked to her
with their Marac and Idva routes, the others each to a new person with one route.

``python -m bench.matching_timing [--pairs N] [--people N] [--before REF] [--workers N]``
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._app import report
from .api_intake import (
    FULL_PATH,
    HOST,
    OTHER_LOAD_WARNING,
    REQUEST_TIMEOUT,
    ROOT,
    BenchmarkFailure,
    Side,
    _cpu_seconds,
    _machine_busy,
    _workers,
    drive,
    payloads,
    prepare_full,
    start,
    stop,
    verify,
)

PAIRS = 400  # measured pairs per side
WARMUP = 30  # pairs per side first, not measured (still checked)
PEOPLE = 3000  # referrals in each database before the probing starts
ALPHA = 0.05
KATE = {
    "first_name": "Kate",
    "last_name": "K1234",
    "date_of_birth": "1971-03-13",
    "postcode": "IG2 6QT",
    "phone": "07700 912345",
    "address": "41 Example Road, Ilford",
}


@dataclass
class Arm:
    known: list[float] = field(default_factory=list)  # seconds, pair by pair
    new: list[float] = field(default_factory=list)


def _body(victim: dict[str, str], marac: bool = False) -> bytes:
    from tests.factories import high_risk_answers, referral_payload

    body = referral_payload(victim=victim)
    if marac:
        body["risk"]["answers"] = high_risk_answers(24)
    return json.dumps(body).encode()


def _stranger(rng: random.Random, n: int) -> dict[str, str]:
    """A woman nobody has referred, typed like Kate (the same fields, values as long)."""
    from tests.synthetic import person

    made = person(rng, 200_000 + n)
    return {
        "first_name": str(made["first_name"]),
        "last_name": f"F{n:04d}",
        "date_of_birth": made["date_of_birth"].isoformat(),  # type: ignore[attr-defined]
        "postcode": str(made["postcode"]),
        "phone": f"07700 {920000 + n:06d}",
        "address": f"{rng.randrange(10, 99)} Example Road, Ilford",
    }


def _prepare(folder: Path, name: str, root: Path, people: int, workers: int) -> tuple[Side, str]:
    """A full side (``api_intake.prepare_full``: the MPS's token) and a token for the LBR."""
    side = prepare_full(folder / name, "wal")
    side.name, side.root, side.workers = name, root, workers
    side.env["DASERVICE_PERSON_INDEX_POPULATION"] = str(people)
    if root != ROOT:
        side.env.pop("PYTHONPATH", None)  # the server imports the older checkout only
    saved = dict(os.environ)
    os.environ.update(side.env)
    try:
        import sqlalchemy as sa

        from daservice import create_app
        from daservice.accounts.models import Agency
        from daservice.api import auth
        from daservice.extensions import db

        app = create_app()
        with app.app_context():
            council = db.session.scalar(sa.select(Agency).where(Agency.code == "LBR"))
            assert council is not None
            _, token = auth.issue(council.id, "the prober")
            db.engine.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return side, token


def _checkout(ref: str, folder: Path) -> Path:
    """The code at ``ref``, unpacked (no git worktree is made)."""
    folder.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", ref], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _post(port: int, headers: dict[str, str], body: bytes) -> float:
    """One referral; seconds from sending it to the end of the answer (a 201, or a failure)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        started = time.perf_counter()
        conn.request("POST", FULL_PATH, body, headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    if response.status != 201:
        raise BenchmarkFailure(f"{response.status} {data[:300]!r}")
    return elapsed


# --- statistics (hand-written: no dependency for three formulas) ----------------------------


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _binomial_tail(n: int, k: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2), exactly."""
    return sum(math.comb(n, i) for i in range(k + 1)) / 2**n


def sign_test(differences: list[float]) -> tuple[int, int, float]:
    """Pairs where the first was slower, pairs that differ, and the exact two-sided p-value."""
    slower = sum(1 for d in differences if d > 0)
    n = sum(1 for d in differences if d != 0)
    return slower, n, min(1.0, 2 * _binomial_tail(n, min(slower, n - slower)))


def median_interval(differences: list[float], level: float = 0.95) -> tuple[float, float]:
    """A distribution-free confidence interval for the median difference (order statistics)."""
    ordered, n = sorted(differences), len(differences)
    k = 0
    while _binomial_tail(n, k + 1) <= (1 - level) / 2:
        k += 1
    return ordered[k], ordered[n - 1 - k]


def mann_whitney(a: list[float], b: list[float]) -> tuple[float, float]:
    """P(a value of ``a`` exceeds one of ``b``) (U / n1 n2) and the two-sided p-value (normal
    approximation with the tie correction; fine for tens of values a side and more)."""
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for r in range(i, j + 1):
            ranks[r] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t**3 - t
        i = j + 1
    n1, n2 = len(a), len(b)
    u = (
        sum(r for r, (_, group) in zip(ranks, pooled, strict=True) if group == 0)
        - n1 * (n1 + 1) / 2
    )
    n = n1 + n2
    sd = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = (u - n1 * n2 / 2) / sd if sd else 0.0
    return u / (n1 * n2), math.erfc(abs(z) / math.sqrt(2))


# --- checks -----------------------------------------------------------------------------------


def _check_linking(side: Side, probes: int) -> None:
    """Kate's referrals all link to her, Marac on her earlier referral, with three routes; every
    other probe made a person of its own, with one route."""
    with sqlite3.connect(side.database) as conn:
        rows = conn.execute(
            "SELECT r.victim_id, r.marac, count(rt.id) FROM referrals r"
            " JOIN api_clients c ON c.id = r.api_client_id"
            " LEFT JOIN routes rt ON rt.referral_id = r.id"
            " WHERE c.name = 'the prober' GROUP BY r.id"
        ).fetchall()
    victims: dict[Any, list[tuple[int, int]]] = {}
    for victim, marac, routes in rows:
        victims.setdefault(victim, []).append((marac, routes))
    kate = max(victims, key=lambda v: len(victims[v]))
    problems = []
    if len(rows) != 2 * probes:
        problems.append(f"{len(rows)} probe referrals stored, {2 * probes} sent")
    if victims[kate] != [(1, 3)] * probes:
        problems.append(f"Kate's referrals are not all linked, Marac, 3 routes: {victims[kate]!r}")
    others = [found for victim, found in victims.items() if victim != kate]
    if others != [[(0, 1)]] * probes:
        problems.append("a new victim's referral was linked, Marac, or not routed once")
    if problems:
        raise BenchmarkFailure(f"{side.name}: " + "; ".join(problems))


def _summary(name: str, arm: Arm) -> tuple[list[tuple[str, str]], dict[str, float]]:
    differences = [k - n for k, n in zip(arm.known, arm.new, strict=True)]
    slower, differing, p_sign = sign_test(differences)
    low, high = median_interval(differences)
    share, p_u = mann_whitney(arm.known, arm.new)
    ms = 1e3
    interval = f"95% CI {low * ms:+.3f} to {high * ms:+.3f}"
    detected = p_sign < ALPHA or p_u < ALPHA
    rows = [
        (
            "known victim: median (p10, p90) ms",
            f"{statistics.median(arm.known) * ms:.2f} "
            f"({_pct(arm.known, 10) * ms:.2f}, {_pct(arm.known, 90) * ms:.2f})",
        ),
        (
            "new victim: median (p10, p90) ms",
            f"{statistics.median(arm.new) * ms:.2f} "
            f"({_pct(arm.new, 10) * ms:.2f}, {_pct(arm.new, 90) * ms:.2f})",
        ),
        (
            "paired difference known - new, median ms",
            f"{statistics.median(differences) * ms:+.3f} ({interval})",
        ),
        ("known slower in", f"{slower} / {differing} pairs ({slower / differing:.1%})"),
        ("sign test, two-sided p", f"{p_sign:.3g}"),
        ("Mann-Whitney U: P(known > new), two-sided p", f"{share:.3f}, {p_u:.3g}"),
        (
            f"difference detected at {ALPHA}?",
            "YES: the time tells" if detected else "no",
        ),
    ]
    figures = {
        f"{name}_known_ms": statistics.median(arm.known) * ms,
        f"{name}_new_ms": statistics.median(arm.new) * ms,
        f"{name}_known_slower": slower / differing,
        f"{name}_p_sign": p_sign,
        f"{name}_p_u": p_u,
    }
    return rows, figures


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.matching_timing", description=__doc__)
    parser.add_argument("--pairs", type=int, default=PAIRS, help="measured pairs per side")
    parser.add_argument("--warmup", type=int, default=WARMUP, help="pairs per side, not measured")
    parser.add_argument("--people", type=int, default=PEOPLE, help="referrals seeded per side")
    parser.add_argument("--before", metavar="REF", help="also time the code of git revision REF")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per side")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args([] if argv is None else argv)

    folder = Path(tempfile.mkdtemp(prefix="daservice-bench-timing-"))
    roots = {"after": ROOT}
    if args.before:
        roots = {"before": _checkout(args.before, folder / "code-before"), **roots}
    print(
        f"Known vs new victim, paired: {args.pairs} pairs per side after {args.warmup} warm-up, "
        f"{args.people:,} referrals seeded, gunicorn {args.workers} worker(s), sides "
        f"{', '.join(f'{n} ({r})' for n, r in roots.items())}\n  folder {folder}",
        flush=True,
    )
    sides: dict[str, tuple[Side, dict[str, str]]] = {}
    for name, root in roots.items():
        side, token = _prepare(folder, name, root, args.people, args.workers)
        sides[name] = (side, {**side.headers, "Authorization": f"Bearer {token}"})
    rng = random.Random(args.seed)
    arms = {name: Arm() for name in sides}
    try:
        for side, _ in sides.values():
            start(side, folder)
        seed = payloads(args.people)
        for side, _ in sides.values():
            drive(side, seed, threads=2, measured=False)
            drive(side, [_body(KATE, marac=True)], threads=1, measured=False)  # by the MPS
        pids = [pid for side, _ in sides.values() for pid in _workers(side.process.pid)]  # type: ignore[union-attr]
        made = 0
        for measured in (False, True):
            busy, cpu = _machine_busy(), _cpu_seconds(pids) + time.process_time()
            began = time.perf_counter()
            for _ in range(args.pairs if measured else args.warmup):
                names = list(sides)
                rng.shuffle(names)
                for name in names:
                    side, headers = sides[name]
                    made += 1
                    bodies = {"known": _body(KATE), "new": _body(_stranger(rng, made))}
                    order = ["known", "new"] if rng.random() < 0.5 else ["new", "known"]
                    timed = {arm: _post(side.port, headers, bodies[arm]) for arm in order}
                    side.ok += 2
                    if measured:
                        arms[name].known.append(timed["known"])
                        arms[name].new.append(timed["new"])
            elapsed = time.perf_counter() - began
            used = _cpu_seconds(pids) + time.process_time() - cpu
            other = max(0.0, (_machine_busy() - busy - used) / elapsed)
    finally:
        for side, _ in sides.values():
            stop(side)
    for side, _ in sides.values():
        verify(side)
        _check_linking(side, args.pairs + args.warmup)

    figures: dict[str, float] = {"other_cores": other}
    for name, arm in arms.items():
        rows, found = _summary(name, arm)
        figures.update(found)
        report(f"{name} ({roots[name]}): {args.pairs} pairs, known victim vs new victim", rows)
    report(
        "machine",
        [("other processes' CPU during the measured pairs (cores)", f"{other:.2f}")],
    )
    if other > OTHER_LOAD_WARNING:
        print("NOTE: other processes were busy; the pairing keeps that noise on both arms alike.")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
