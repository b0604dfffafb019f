"""The directory of services referrals route to (Open Referral HSDS-shaped)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import cache, models, views  # noqa: F401  (the services tables)

    cache.init_app(app)
    app.register_blueprint(views.bp)
