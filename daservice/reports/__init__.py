"""Managers' summaries: aggregate figures only, measured against the strategy's measures of
success, on a dashboard, in the board pack (PDF), as CSV tables and as the Marac quarterly return.

- ``periods``: months, quarters and plan years;
- ``tables`` and ``disclosure``: raw figures, and what of them may be shown (counts under 5);
- ``sections`` and ``measures/``: the registry of sections, one per measure of success;
- ``scope``: the whole partnership, or a manager's own agency;
- ``models``: exports prepared in the background, and ended months' counts;
- ``measures/month_counts``: ended months counted once (the job ``reports.count_closed_months``).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    from .. import jobs
    from . import (
        export_views,
        marac_views,
        models,  # noqa: F401  (the report_exports table)
        provider_views,
        views,
    )
    from .measures import month_counts, register_all

    register_all()
    # Cheap when nothing changed (one look at two small tables); a month ended or changed is
    # counted within ten minutes, and read from its rows until then.
    jobs.register(
        "reports.count_closed_months",
        month_counts.count_closed_months,
        every=timedelta(minutes=10),
    )
    views.init_app(app)
    export_views.init_app(app)  # background exports, their pages and `flask reports export`
    marac_views.init_app(app)  # the Marac quarterly return (CSV)
    provider_views.init_app(app)  # a programme provider's own perpetrator-programme figures
