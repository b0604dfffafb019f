"""Keep protected values out of logs.

Every protected value encrypted or decrypted is remembered and a logging filter replaces it, and
anything shaped like our ciphertext, before a record is written. This is the last line of defence:
code should not log protected values in the first place.

What is remembered is bounded by its scope, so it cannot grow without limit:

- **a request**: the set lives in the request's app context (``g``), which Flask makes fresh for
  every request and drops at its end;
- **a batch**: a CLI command or a job holds one app context for its whole run, so anything that
  loops over batches (``flask keys reencrypt``, re-indexing, each batch of ``flask jobs run``)
  wraps each batch in ``with redaction.scope():``, which starts a fresh set and drops it at the
  end. Values remembered outside the scope are still redacted inside it.

Outside an app context nothing is remembered (only the ciphertext pattern is redacted).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flask import g, has_app_context

CIPHERTEXT = re.compile(r"ev1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+")
MIN_LENGTH = 3  # shorter values (a gender code, a single initial) would redact ordinary words
REDACTED = "[redacted]"
_SCOPES = "_protected_values"  # in g: the open scopes' sets, innermost last


def _scopes() -> list[set[str]] | None:
    if not has_app_context():
        return None
    scopes: list[set[str]] | None = g.get(_SCOPES)
    if scopes is None:
        scopes = [set()]  # the app context's own (a request's) set
        setattr(g, _SCOPES, scopes)
    return scopes


@contextmanager
def scope() -> Iterator[set[str]]:
    """Remember protected values in a fresh set for the ``with`` block, then forget them.

    For one batch of a long command or job, so that what is remembered stays the size of a batch
    (needs an app context). Yields the set, for tests."""
    scopes = _scopes()
    if scopes is None:
        raise RuntimeError("redaction.scope() needs an app context")
    seen: set[str] = set()
    depth = len(scopes)
    scopes.append(seen)
    try:
        yield seen
    finally:
        del scopes[depth:]


def remembered() -> int:
    """How many protected values are remembered in this app context, over every open scope."""
    return sum(len(seen) for seen in _scopes() or ())


def remember(value: str) -> None:
    """Remember one protected value, in the innermost open scope."""
    scopes = _scopes()
    if scopes is not None and len(value) >= MIN_LENGTH:
        scopes[-1].add(value)


def remember_all(value: object) -> None:
    """Remember a protected value, or every string and date inside a structured one."""
    scopes = _scopes()
    if scopes is not None:
        _collect(value, scopes[-1])


def _collect(value: object, seen: set[str]) -> None:
    if isinstance(value, str):
        if len(value) >= MIN_LENGTH:
            seen.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, seen)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, seen)
    elif isinstance(value, date):
        _collect(value.isoformat(), seen)


def redact(text: str) -> str:
    """``text`` with ciphertext and every remembered protected value replaced."""
    text = CIPHERTEXT.sub("[ciphertext]", text)
    values = set().union(*(_scopes() or ()))
    # Longest first, so a value containing another is replaced whole.
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(*handlers: logging.Handler) -> None:
    """Filter the given handlers and every handler already on the root logger."""
    redactor = RedactingFilter()
    for handler in (*handlers, *logging.getLogger().handlers):
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redactor)
