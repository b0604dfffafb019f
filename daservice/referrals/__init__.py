"""The referral route: people, referrals, risk, consent, routing, inboxes and SLA clocks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..security.rotation import INDEX_TABLES
    from . import models, people  # noqa: F401  (tables; registers the person re-indexer)

    if "person_index" not in INDEX_TABLES:
        INDEX_TABLES.append("person_index")
