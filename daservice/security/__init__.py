"""The security kernel: crypto, protected fields, roles and permissions, the deny-by-default guard
and headers, tokens and human codes (``tokens``), rate limits (``ratelimit``).

Imports no feature package.
"""

from __future__ import annotations

from typing import NoReturn

import click
from flask import Flask

from . import guard, headers, keyring, permissions
from .blind_index import BlindIndexer, bits_for_population
from .crypto import FieldCipher


def init_app(app: Flask) -> None:
    """Load and check the keys, then install the guard and the headers.

    A server refuses to start without valid keys. The ``flask`` command line may start without
    them, because ``flask keys init`` is how they are made; any use of the keys then fails with the
    same error.
    """
    try:
        ring = keyring.load(app.config)
    except keyring.KeyringError as exc:
        if click.get_current_context(silent=True) is None:
            raise
        _defer(app, exc)
    else:
        install_keys(app, ring)
    guard.init_app(app)
    headers.init_app(app)
    permissions.init_app(app)
    # Imported here, not above: it declares a table, and this package loads before the models' db.
    from . import ratelimit  # noqa: F401


def install_keys(app: Flask, ring: keyring.Keyring) -> None:
    """Make ``ring`` the app's keys (at start-up, and after ``flask keys rotate``)."""
    app.extensions["daservice.keyring"] = ring
    app.extensions["daservice.cipher"] = FieldCipher(ring)
    bits = bits_for_population(app.config["PERSON_INDEX_POPULATION"])
    app.extensions["daservice.blind_index"] = BlindIndexer(ring, bits)


def _defer(app: Flask, error: keyring.KeyringError) -> None:
    class Unavailable:
        def __getattr__(self, name: str) -> NoReturn:
            raise keyring.KeyringError(str(error))

    for name in ("keyring", "cipher", "blind_index"):
        app.extensions[f"daservice.{name}"] = Unavailable()

    def refuse() -> NoReturn:
        raise keyring.KeyringError(str(error))

    app.before_request(refuse)
