"""The referral route: drafts, intake, risk, consent, routing, inboxes and SLA clocks."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    from .. import jobs
    from . import drafts, journey, models, notifications, services, views  # noqa: F401  (tables)

    app.register_blueprint(views.bp)
    app.register_blueprint(views.inbox_bp)
    app.register_blueprint(journey.bp)
    jobs.register(
        "referrals.flag_overdue", services.flag_overdue, every=app.config["SLA_CHECK_EVERY"]
    )
    jobs.register("referrals.expire_drafts", drafts.expire, every=timedelta(hours=6))
