"""In-process domain events: how an effect travels against the package order.

A lower package (accounts) must not import a higher one (directory), yet a change there can
matter up here (a user who moves agency loses her service memberships). The lower package
publishes an event; the higher one subscribes from its ``init_app``. Handlers run at once, in the
publisher's transaction, before it commits: the effect is committed with the change or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E")

_HANDLERS: dict[type, list[Callable[[Any], None]]] = {}


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call ``handler(event)`` for every ``event_type`` published (once per handler)."""
    handlers = _HANDLERS.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def publish(event: object) -> None:
    """Run every handler of the event's type, in the caller's transaction."""
    for handler in _HANDLERS.get(type(event), ()):
        handler(event)
