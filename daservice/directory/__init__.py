"""The directory of services referrals route to (Open Referral HSDS-shaped)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .. import events, notify
    from ..accounts.services import UserMovedAgency
    from . import cache, models, services, views  # noqa: F401  (the services tables)

    cache.init_app(app)
    app.register_blueprint(views.bp)
    events.subscribe(UserMovedAgency, services.drop_memberships)
    notify.register_audience(services.SERVICE_WORKERS, services.worker_emails)
