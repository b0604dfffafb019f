"""Person matching at 100,000 people against the same matching at 1,000.

Target (DESIGN §7): ``people.find_matches`` at 100k people costs <= 1.5x its cost at 1k. Two SQLite
databases, migrated and filled with synthetic people (tests/synthetic.py ``person``), share one set
of keys; the first 1,000 people of the large database are the small database, row for row. Rows are
made exactly as ``people.create_person`` makes them (a ``Person`` whose protected fields encrypt on
assignment, and ``people.index_rows`` for its blind-index rows), then bulk-inserted with Core rather
than flushed one by one through the ORM, which would only make the set-up slower.

The same 500 query identities run against both: 300 people present in both databases as another
professional might type them (``vary``), and 200 people in neither. Each lookup is one
``find_matches`` call in a fresh identity map (so every candidate is decrypted, and every match
loaded, as in a request). A warm-up pass, then rounds alternating small and large; medians per
lookup are compared.

``python -m bench.matching [--people N] [--rounds N]``
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from ._app import report

LARGE = 100_000
SMALL = 1_000
PRESENT = 300
ABSENT = 200
ROUNDS = 5
TARGET = 1.5
OTHER_LOAD_WARNING = 0.15  # cores used by other processes during the rounds before we warn
PERPETRATOR_EVERY = 7  # one person in 7 is a perpetrator (name and date of birth only)
BATCH = 10_000


@dataclass(frozen=True)
class Query:
    kind: Any  # PersonKind
    identity: Any  # people.Identity
    expected: Any  # the person's id, or None for someone in neither database


def _people(count: int, seed: int) -> list[tuple[Any, dict[str, object]]]:
    from daservice.people.models import PersonKind
    from tests.synthetic import person

    rng = random.Random(seed)
    found = []
    for n in range(count):
        identity = person(rng, n)
        if n % PERPETRATOR_EVERY == PERPETRATOR_EVERY - 1:
            kept = ("first_name", "last_name", "date_of_birth")
            found.append((PersonKind.PERPETRATOR, {k: v for k, v in identity.items() if k in kept}))
        else:
            identity["address"] = f"{n % 200 + 1} Synthetic Road, Ilford"
            found.append((PersonKind.VICTIM, identity))
    return found


def _rows(population: list[tuple[Any, dict[str, object]]]) -> tuple[list[dict], list[dict]]:
    """Table rows made as ``create_person`` makes them (call inside an app context)."""
    import sqlalchemy as sa

    from daservice.extensions import utcnow
    from daservice.people import matching as people
    from daservice.people.models import Person

    columns = [
        (column.key, sa.inspect(Person).get_property_by_column(column).key)
        for column in Person.__table__.columns
    ]
    now = utcnow()
    person_rows: list[dict] = []
    index_rows: list[dict] = []
    for kind, fields in population:
        person = Person(kind=kind)  # what create_person does, minus adding it to the session
        for name, value in fields.items():
            setattr(person, name, value)
        row = {column: getattr(person, attribute) for column, attribute in columns}
        row["created_at"] = now
        person_rows.append(row)
        index_rows.extend(
            {"person_id": person.id, "name": r.name, "key_id": r.key_id, "value": r.value}
            for r in people.index_rows(person)
        )
    return person_rows, index_rows


def _insert(person_rows: list[dict], index_rows: list[dict]) -> None:
    import sqlalchemy as sa

    from daservice.extensions import db

    people_table = db.metadata.tables["people"]
    index_table = db.metadata.tables["person_index"]
    for table, rows in ((people_table, person_rows), (index_table, index_rows)):
        for start in range(0, len(rows), BATCH):
            db.session.execute(sa.insert(table), rows[start : start + BATCH])
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def _queries(
    population: list[tuple[Any, dict[str, object]]], ids: list[Any], seed: int
) -> list[Query]:
    from daservice.people.matching import Identity
    from daservice.people.models import PersonKind
    from tests.synthetic import person, vary

    def identity(fields: dict[str, object]) -> Identity:
        return Identity(
            first_name=fields.get("first_name"),  # type: ignore[arg-type]
            last_name=fields.get("last_name"),  # type: ignore[arg-type]
            date_of_birth=fields.get("date_of_birth"),  # type: ignore[arg-type]
            phone=fields.get("phone"),  # type: ignore[arg-type]
            postcode=fields.get("postcode"),  # type: ignore[arg-type]
        )

    rng = random.Random(seed)
    queries = []
    for n in rng.sample(range(SMALL), PRESENT):
        kind, fields = population[n]
        queries.append(Query(kind, identity(vary(rng, {"postcode": "", **fields})), ids[n]))
    for n in range(ABSENT):
        fields = person(rng, LARGE + n)
        # person() numbers phones by n modulo 100,000: give the absent a range nobody has.
        fields["phone"] = f"07911 {n:06d}" if n % 3 else None
        if n % PERPETRATOR_EVERY == 0:
            queries.append(Query(PersonKind.PERPETRATOR, identity(fields), None))
        else:
            queries.append(Query(PersonKind.VICTIM, identity(fields), None))
    rng.shuffle(queries)
    return queries


def _lookups(queries: list[Query]) -> tuple[list[float], list[set[Any]]]:
    """Time each find_matches call; the session's identity map is emptied between calls."""
    from daservice.extensions import db
    from daservice.people.matching import find_matches

    times, found = [], []
    session = db.session
    clock = time.perf_counter
    for query in queries:
        session.expunge_all()
        started = clock()
        matches = find_matches(query.kind, query.identity)
        times.append(clock() - started)
        found.append({p.id for p in matches})
    session.expunge_all()
    return times, found


def _candidates(queries: list[Query]) -> tuple[float, float]:
    """Mean candidates confirmed by decrypting (the blind-index hits of the right kind, false
    positives included) and mean people loaded, per lookup."""
    import sqlalchemy as sa

    from daservice.people import matching as people
    from daservice.people.models import Person

    confirmed, loaded = 0, 0
    confirm = people._confirmed

    def counting(*args: Any) -> bool:
        nonlocal confirmed
        confirmed += 1
        return confirm(*args)

    def count(target: Any, context: Any) -> None:
        nonlocal loaded
        loaded += 1

    people._confirmed = counting  # type: ignore[assignment]
    sa.event.listen(Person, "load", count)
    try:
        _lookups(queries)
    finally:
        sa.event.remove(Person, "load", count)
        people._confirmed = confirm  # type: ignore[assignment]
    return confirmed / len(queries), loaded / len(queries)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__)
    parser.add_argument("--people", type=int, default=LARGE, help="size of the large database")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args([] if argv is None else argv)

    from flask_migrate import upgrade

    from ._app import bench_app

    small = bench_app()
    large = bench_app(KEYS_FILE=small.config["KEYS_FILE"])  # the same keys: the same index values
    started = time.perf_counter()
    population = _people(args.people, seed=20261124)
    with large.app_context():
        upgrade()
        print(f"Making {args.people:,} synthetic people...", flush=True)
        person_rows, index_rows = _rows(population)
        _insert(person_rows, index_rows)
    with small.app_context():
        upgrade()
        small_ids = {row["id"] for row in person_rows[:SMALL]}
        _insert(person_rows[:SMALL], [r for r in index_rows if r["person_id"] in small_ids])
    ids = [row["id"] for row in person_rows]
    del person_rows, index_rows
    print(f"  built both databases in {time.perf_counter() - started:.0f} s", flush=True)

    queries = _queries(population, ids, seed=7)
    contexts = {"small": small.app_context(), "large": large.app_context()}
    times: dict[str, list[float]] = {"small": [], "large": [], "small_present": []}
    times.update({"large_present": [], "small_absent": [], "large_absent": []})
    results: dict[str, list[set[Any]]] = {}
    candidates: dict[str, tuple[float, float]] = {}
    for name, context in contexts.items():  # warm-up: page caches, compiled statement cache
        with context:
            _, results[name] = _lookups(queries)
            candidates[name] = _candidates(queries)
    _check(queries, results)
    busy, cpu, began = _machine_busy(), time.process_time(), time.perf_counter()
    for _ in range(args.rounds):
        for name, context in contexts.items():
            with context:
                round_times, _ = _lookups(queries)
            times[name].extend(round_times)
            for query, took in zip(queries, round_times, strict=True):
                times[f"{name}_{'present' if query.expected else 'absent'}"].append(took)
    other = (_machine_busy() - busy - (time.process_time() - cpu)) / (time.perf_counter() - began)
    for context in contexts.values():
        with context:
            from daservice.extensions import db

            db.session.remove()
            db.engine.dispose()
    for app in (small, large):  # ~100 MB of throwaway databases
        shutil.rmtree(app.instance_path, ignore_errors=True)

    us = {name: statistics.median(t) * 1e6 for name, t in times.items()}
    mean = {name: statistics.fmean(times[name]) * 1e6 for name in ("small", "large")}
    ratio = us["large"] / us["small"]
    report(
        f"Person matching: find_matches at {args.people:,} vs {SMALL:,} people "
        f"({len(queries)} lookups x {args.rounds} rounds, median per lookup)",
        [
            (f"{SMALL:,} people (µs)", f"{us['small']:.0f}"),
            (f"{args.people:,} people (µs)", f"{us['large']:.0f}"),
            (
                f"ratio (target <= {TARGET})",
                f"{ratio:.2f}x  {'PASS' if ratio <= TARGET else 'FAIL'}",
            ),
            (
                "present / absent, small (µs)",
                f"{us['small_present']:.0f} / {us['small_absent']:.0f}",
            ),
            (
                "present / absent, large (µs)",
                f"{us['large_present']:.0f} / {us['large_absent']:.0f}",
            ),
            ("mean per lookup, small / large (µs)", f"{mean['small']:.0f} / {mean['large']:.0f}"),
            (
                "candidates decrypted per lookup, small / large",
                f"{candidates['small'][0]:.2f} / {candidates['large'][0]:.2f}",
            ),
            (
                "people loaded per lookup, small / large",
                f"{candidates['small'][1]:.2f} / {candidates['large'][1]:.2f}",
            ),
            ("blind index bits (PERSON_INDEX_POPULATION)", _bits(small)),
            ("other processes' CPU meanwhile (cores)", f"{max(0.0, other):.2f}"),
        ],
    )
    if other > OTHER_LOAD_WARNING:
        print("WARNING: other processes were busy during the rounds; run again on a quiet machine.")
    return {"small_us": us["small"], "large_us": us["large"], "ratio": ratio}


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    import os
    from pathlib import Path

    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _bits(app: Any) -> str:
    return (
        f"{app.extensions['daservice.blind_index'].bits} "
        f"({app.config['PERSON_INDEX_POPULATION']:,})"
    )


def _check(queries: list[Query], results: dict[str, list[set[Any]]]) -> None:
    """Every present person is found in both; the large database finds at least as much."""
    for query, small, large in zip(queries, results["small"], results["large"], strict=True):
        if query.expected is not None and query.expected not in small:
            raise SystemExit(f"matching missed a present person in the small database: {query}")
        if not small <= large:
            raise SystemExit(f"the large database lost a match the small one has: {query}")
        if query.expected is None and small:
            raise SystemExit(f"an absent person matched in the small database: {query}")


if __name__ == "__main__":
    main(sys.argv[1:])
