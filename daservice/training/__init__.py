"""The five-year frontline training programme: plan, targets, courses, runs, enrolment,
registers, certificates, refreshers, evaluations and the borough's safe spaces.

Each part registers its own pages, jobs and message templates from its ``init_app`` below.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .. import notify
    from . import (
        audiences,
        certificate_views,
        evaluation_views,
        models,  # noqa: F401  (the training tables)
        plan_views,
        run_views,
        safe_space_views,
    )

    notify.register_audience(audiences.AGENCY_TRAINING_LEADS, audiences.training_lead_emails)
    notify.register_audience(audiences.REQUEST_APPROVERS, audiences.request_approver_emails)
    for part in (plan_views, run_views, certificate_views, evaluation_views, safe_space_views):
        part.init_app(app)
