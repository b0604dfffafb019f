"""Run every benchmark: ``python -m bench`` (``make bench``)."""

from __future__ import annotations

from . import crypto_overhead, reencrypt

if __name__ == "__main__":
    crypto_overhead.main()
    reencrypt.main()
