"""Field encryption's share of referral intake CPU, and its cost beside raw AES-GCM.

Target (DESIGN §7): field encryption and decryption together <= 5% of referral intake CPU.

Measured in one run, in-process: the API intake (``POST /api/v1/referrals`` through the Flask test
client, one thread, on a migrated SQLite instance made like ``bench/api_intake.py``'s) for a fixed
number of referrals, in rounds that alternate plain and instrumented. In the instrumented rounds
the column cipher's ``encrypt`` and ``decrypt`` (every protected value written or read goes through
them) are wrapped in timers, and so, separately, are the protected-field descriptors around them
(encoding, redaction, the plaintext cache); the share is the time inside them over the process CPU
time of the same rounds. The timers' own cost falls on both sides, so it can only overstate the
share a little; the plain rounds show what the instrumentation costs per referral.

Secondary figure: one field's encrypt + decrypt through the column cipher against raw ``AESGCM``
sealing the same payload with the same associated data (and with none), median of interleaved
rounds.

``python -m bench.crypto_overhead [--requests N] [--rounds N]``
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._app import bench_app, report

TARGET = 0.05
REQUESTS = 500  # per round
ROUNDS = 3  # plain and instrumented rounds each, alternating
WARMUP = 300  # referrals before the first round: caches, and people for matching to find

PAYLOAD = "Flat 3, 27 Wanstead Park Avenue, Ilford"  # a typical protected field (synthetic)
FIELD_ROUNDS = 7
FIELD_N = 20_000


# --- share of intake CPU ----------------------------------------------------------------------


class Timers:
    """Seconds spent inside wrapped functions, and how many calls, by label."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._undo: list[tuple[type, str, Any]] = []

    def wrap(self, owner: type, name: str, label: str) -> None:
        original = owner.__dict__[name]
        self.seconds.setdefault(label, 0.0)
        self.calls.setdefault(label, 0)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started
                self.calls[label] += 1

        self._undo.append((owner, name, original))
        setattr(owner, name, timed)

    def unwrap(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


def intake_share(requests: int, rounds: int) -> dict[str, float]:
    from daservice.security.crypto import ColumnCipher
    from daservice.security.fields import Encrypted

    from .api_intake import FULL_PATH, OTHER_LOAD_WARNING, _machine_busy, in_process, payloads

    side, app = in_process("cipher")
    client, headers = app.test_client(), side.headers
    bodies = iter(payloads(WARMUP + 2 * rounds * requests))

    def post(count: int) -> float:
        """CPU seconds for ``count`` referrals."""
        started = time.process_time()
        for _ in range(count):
            response = client.post(FULL_PATH, data=next(bodies), headers=headers)
            assert response.status_code == 201, response.get_data(as_text=True)
        return time.process_time() - started

    post(WARMUP)
    cipher, fields = "cipher", "protected fields"
    timers = Timers()
    plain_cpu = instrumented_cpu = 0.0
    busy, cpu, began = _machine_busy(), time.process_time(), time.perf_counter()
    for _ in range(rounds):
        plain_cpu += post(requests)
        timers.wrap(ColumnCipher, "encrypt", cipher)
        timers.wrap(ColumnCipher, "decrypt", cipher)
        timers.wrap(Encrypted, "__set__", fields)
        timers.wrap(Encrypted, "__get__", fields)
        try:
            instrumented_cpu += post(requests)
        finally:
            timers.unwrap()
    other = (_machine_busy() - busy - (time.process_time() - cpu)) / (time.perf_counter() - began)
    n = rounds * requests
    share = timers.seconds[cipher] / instrumented_cpu
    field_share = timers.seconds[fields] / instrumented_cpu
    report(
        f"Field encryption's share of API intake CPU ({n:,} referrals in-process, {rounds} rounds)",
        [
            ("intake CPU per referral (ms)", f"{plain_cpu / n * 1e3:.2f}"),
            ("  the same, instrumented (ms)", f"{instrumented_cpu / n * 1e3:.2f}"),
            ("cipher calls per referral (encrypt+decrypt)", f"{timers.calls[cipher] / n:.1f}"),
            ("time in them per referral (ms)", f"{timers.seconds[cipher] / n * 1e3:.3f}"),
            (
                "share of intake CPU (target <= 5%)",
                f"{share:.1%}  {'PASS' if share <= TARGET else 'FAIL'}",
            ),
            (
                "with the protected-field layer (ms, share)",
                f"{timers.seconds[fields] / n * 1e3:.3f}, {field_share:.1%}",
            ),
            ("other processes' CPU meanwhile (cores)", f"{max(0.0, other):.2f}"),
        ],
    )
    if other > OTHER_LOAD_WARNING:
        print("WARNING: other processes were busy during the rounds; run again on a quiet machine.")
    return {
        "intake_cpu_ms": plain_cpu / n * 1e3,
        "cipher_ms": timers.seconds[cipher] / n * 1e3,
        "share": share,
        "field_layer_share": field_share,
    }


# --- one field beside raw AES-GCM -------------------------------------------------------------


def _raw(aead: AESGCM, data: bytes, aad: bytes | None) -> None:
    for _ in range(FIELD_N):
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, data, aad)
        aead.decrypt(nonce, sealed, aad)


def _ours(
    encrypt: Callable[[str, uuid.UUID], str], decrypt: Callable[[str, uuid.UUID], str]
) -> None:
    row = uuid.uuid4()
    for _ in range(FIELD_N):
        decrypt(encrypt(PAYLOAD, row), row)


def one_field() -> dict[str, float]:
    from daservice.security.crypto import _aad_prefix

    app = bench_app()
    cipher = app.extensions["daservice.cipher"]
    column = cipher.column("people", "address")
    aead = AESGCM(os.urandom(32))
    data = PAYLOAD.encode()
    # The same associated data a cell's value is sealed with: authenticating it is AES-GCM's work.
    aad = _aad_prefix(cipher.primary_key_id, "people", "address") + uuid.uuid4().bytes
    times: dict[str, list[float]] = {"bare": [], "raw": [], "ours": []}
    for _ in range(FIELD_ROUNDS):  # interleaved, so all three see the same machine state
        for name, run in (
            ("bare", lambda: _raw(aead, data, None)),
            ("raw", lambda: _raw(aead, data, aad)),
            ("ours", lambda: _ours(column.encrypt, column.decrypt)),
        ):
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    us = {name: statistics.median(t) / FIELD_N * 1e6 for name, t in times.items()}
    report(
        f"One field: encrypt + decrypt (median of {FIELD_ROUNDS} x {FIELD_N:,})",
        [
            ("raw AESGCM, no associated data (µs)", f"{us['bare']:.2f}"),
            ("raw AESGCM, same associated data (µs)", f"{us['raw']:.2f}"),
            ("daservice column cipher (µs)", f"{us['ours']:.2f}"),
            ("ratio to raw with associated data", f"{us['ours'] / us['raw']:.2f}x"),
        ],
    )
    return {**us, "ratio": us["ours"] / us["raw"]}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.crypto_overhead", description=__doc__)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="referrals per round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="plain and instrumented each")
    args = parser.parse_args([] if argv is None else argv)
    return {**intake_share(args.requests, args.rounds), **one_field()}


if __name__ == "__main__":
    main(sys.argv[1:])
