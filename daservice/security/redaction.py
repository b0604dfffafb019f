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


def remember(value: str) -> None:
    if has_app_context() and len(value) >= MIN_LENGTH:
        seen: set[str] | None = g.get("_protected_values")
        if seen is None:
            seen = g._protected_values = set()
        seen.add(value)


def remember_all(value: object) -> None:
    """Remember a protected value, or every string and date inside a structured one."""
    if isinstance(value, str):
        remember(value)
    elif isinstance(value, dict):
        for item in value.values():
            remember_all(item)
    elif isinstance(value, list | tuple):
        for item in value:
            remember_all(item)
    elif isinstance(value, date):
        remember(value.isoformat())


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
