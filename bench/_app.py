"""A throwaway app for benchmarks: its own SQLite file and fresh keys, nothing from instance/."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask


def bench_app(**overrides: Any) -> Flask:
    from daservice import create_app
    from daservice.security import keyring

    folder = tempfile.mkdtemp(prefix="daservice-bench-")
    os.environ["DASERVICE_INSTANCE_PATH"] = folder
    keys_file = os.path.join(folder, "keys.json")
    keyring.write_document(keyring.Path(keys_file), keyring.generate_document())
    config = {
        "ENV": "testing",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(folder, "bench.sqlite3"),
        "KEYS_FILE": keys_file,
        "KEYS_JSON": None,
    }
    config.update(overrides)
    return create_app(config)


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores, steal included), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def report(name: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{name}")
    for label, value in rows:
        print(f"  {label:<44} {value}")


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, default=str)
