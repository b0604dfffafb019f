"""Domain exceptions raised by services and mapped to responses in ``daservice.errors``."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: the message is safe to show to the user (never holds protected values)."""


class PermissionDenied(DomainError):
    pass


class NotFound(DomainError):
    pass


class InvalidTransition(DomainError):
    pass


class Throttled(DomainError):
    pass


class UnknownChoice(DomainError):
    """An answer that is not one of the options offered (a tampered or stale form)."""
