"""The referral route: people, referrals, risk, consent, routing, inboxes and SLA clocks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..security.rotation import INDEX_TABLES
    from . import journey, models, people, views  # noqa: F401  (tables; person re-indexer)

    app.register_blueprint(views.bp)
    app.register_blueprint(views.inbox_bp)
    app.register_blueprint(journey.bp)

    if "person_index" not in INDEX_TABLES:
        INDEX_TABLES.append("person_index")
