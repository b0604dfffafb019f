"""Field encryption cost: daservice's cipher against raw AES-GCM on the same payload.

Target (issue #3): encrypt + decrypt through FieldCipher <= 2x raw AESGCM. The hot path
(``daservice/security/_cellcipher.py``) is compiled with mypyc on install; the same source loaded
interpreted is timed beside it, for comparison. The raw side seals the
same payload with the same associated data (the 48 bytes that bind a value to its cell), because
authenticating those bytes is AES-GCM's work, not daservice's. Raw AES-GCM without associated data
is printed too, for transparency.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from daservice.security import _cellcipher
from daservice.security.crypto import FieldCipher, _aad_prefix, derive_key

from ._app import bench_app, report

PAYLOAD = "Flat 3, 27 Wanstead Park Avenue, Ilford"  # a typical protected field (synthetic)
ROUNDS = 7
N = 20_000


def _raw(aead: AESGCM, data: bytes, aad: bytes | None) -> None:
    for _ in range(N):
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, data, aad)
        aead.decrypt(nonce, sealed, aad)


def _ours(cipher: FieldCipher, row: uuid.UUID) -> None:
    # What a protected field does: its column's cipher, bound once, on every write and read.
    column = cipher.column("people", "address")
    enc, dec = column.encrypt, column.decrypt
    for _ in range(N):
        dec(enc(PAYLOAD, row), row)


def _interpreted_column(cipher: FieldCipher) -> tuple[Any, Any]:
    """people.address's encrypt and decrypt with the hot path loaded from source, not compiled."""
    source = os.path.join(os.path.dirname(_cellcipher.__file__), "_cellcipher.py")
    spec = importlib.util.spec_from_file_location("_cellcipher_interpreted", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    key = cipher.keyring.active("encryption")
    aead = AESGCM(derive_key(key, b"field", "people", "address"))
    aad = _aad_prefix(key.key_id, "people", "address")
    return module.bind(aead.encrypt, aad, f"ev1.{key.key_id}.", lambda stored: (aead.decrypt, aad))


def _interpreted(pair: tuple[Any, Any], row: uuid.UUID) -> None:
    enc, dec = pair
    for _ in range(N):
        dec(enc(PAYLOAD, row), row)


def main() -> dict[str, float]:
    app = bench_app()
    cipher = app.extensions["daservice.cipher"]
    aead = AESGCM(os.urandom(32))
    data = PAYLOAD.encode()
    row = uuid.uuid4()
    aad = _aad_prefix(cipher.primary_key_id, "people", "address") + row.bytes
    interpreted = _interpreted_column(cipher)
    assert interpreted[1](interpreted[0](PAYLOAD, row), row) == PAYLOAD
    compiled = _cellcipher.__file__.endswith(".so")
    times: dict[str, list[float]] = {"bare": [], "raw": [], "ours": [], "interpreted": []}
    for _ in range(ROUNDS):  # interleaved, so all three see the same machine state
        for name, run in (
            ("bare", lambda: _raw(aead, data, None)),
            ("raw", lambda: _raw(aead, data, aad)),
            ("ours", lambda: _ours(cipher, row)),
            ("interpreted", lambda: _interpreted(interpreted, row)),
        ):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    us = {name: statistics.median(t) / N * 1e6 for name, t in times.items()}
    ratio = us["ours"] / us["raw"]
    report(
        "Field encryption: encrypt + decrypt of one field (median of 7 x 20,000)",
        [
            ("raw AESGCM, no associated data (µs)", f"{us['bare']:.2f}"),
            ("raw AESGCM, same associated data (µs)", f"{us['raw']:.2f}"),
            (
                f"daservice FieldCipher, {'compiled' if compiled else 'NOT compiled'} (µs)",
                f"{us['ours']:.2f}",
            ),
            ("ratio to raw (target <= 2.0)", f"{ratio:.2f}x  {'PASS' if ratio <= 2.0 else 'FAIL'}"),
            ("ratio to raw without associated data", f"{us['ours'] / us['bare']:.2f}x"),
            ("same source interpreted (µs)", f"{us['interpreted']:.2f}"),
            ("interpreted ratio to raw", f"{us['interpreted'] / us['raw']:.2f}x"),
        ],
    )
    return {**us, "ratio": ratio}


if __name__ == "__main__":
    main()
