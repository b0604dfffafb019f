"""Role-based navigation: each entry names the roles that see it (None: everyone signed in)."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_login import current_user

from .accounts.models import Role

ENTRIES: list[tuple[str, str, frozenset[Role] | None]] = [
    ("Home", "main.home", None),
    ("Referrals", "referrals.index", frozenset({Role.REFERRER})),
    ("Inbox", "inbox.inbox", frozenset({Role.SERVICE_WORKER, Role.PROGRAMME_WORKER})),
    ("Users", "admin.users", frozenset({Role.ADMIN})),
    ("Services", "directory.index", frozenset({Role.ADMIN})),
    ("Access log", "dpo.access_log", frozenset({Role.DPO})),
    ("Your account", "accounts.change_password", None),
]


def nav_items() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for text, endpoint, roles in ENTRIES:
        if roles is None or current_user.has_role(*roles):
            blueprint = endpoint.split(".")[0]
            active = request.endpoint == endpoint or (
                blueprint not in ("main", "accounts") and request.blueprint == blueprint
            )
            items.append({"text": text, "href": url_for(endpoint), "active": active})
    return items
