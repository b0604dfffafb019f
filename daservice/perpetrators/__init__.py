"""Perpetrator programmes from referral to outcome: programmes, placements and their pipeline.

- ``models``: programmes, placements, the pipeline's stages and reasons, and each change kept;
- ``placements``: making placements (from the referral route, or directly) and moving them on;
- ``queries``: which rows a user may see (her provider agency's; a 404 for anyone else).

A placement is the perpetrator's side only: nothing here reads the victim's details.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    from .. import jobs, notify
    from . import follow_ups, models, views  # noqa: F401  (models: the programme tables)
    from .placements import take_released_routes

    # A route to a programme's service becomes a placement within a minute of its release.
    jobs.register("perpetrators.take_routes", take_released_routes, every=timedelta(minutes=1))
    # Follow-ups fall due by the UK day: an hourly look reminds the workers the morning they do.
    jobs.register(
        "perpetrators.follow_up_reminders", follow_ups.send_reminders, every=timedelta(hours=1)
    )
    notify.register_audience(follow_ups.PROGRAMME_WORKERS, follow_ups.programme_worker_emails)
    views.init_app(app)
