"""Keep protected values out of logs.

Every protected value this app context encrypted or decrypted is remembered (in ``g``) and a
logging filter replaces it, and anything shaped like our ciphertext, before a record is written.
This is the last line of defence: code should not log protected values in the first place.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from flask import g, has_app_context

CIPHERTEXT = re.compile(r"ev1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+")
MIN_LENGTH = 3  # shorter values (a gender code, a single initial) would redact ordinary words
REDACTED = "[redacted]"


def _seen() -> set[str] | None:
    if not has_app_context():
        return None
    seen: set[str] | None = g.get("_protected_values")
    if seen is None:
        seen = g._protected_values = set()
    return seen


def remember(value: str) -> None:
    seen = _seen()
    if seen is not None and len(value) >= MIN_LENGTH:
        seen.add(value)


def remember_all(value: object) -> None:
    """Remember a protected value, or every string and date inside a structured one."""
    seen = _seen()
    if seen is not None:
        _collect(value, seen)


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
    text = CIPHERTEXT.sub("[ciphertext]", text)
    if has_app_context():
        # Longest first, so a value containing another is replaced whole.
        for value in sorted(g.get("_protected_values") or (), key=len, reverse=True):
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
