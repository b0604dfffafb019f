"""Risk reviews over time: recorded with a reason (ciphertext at rest), a rise over the review
before marked, bad dates refused with a message, and only the provider agency may record one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.exceptions import NotFound
from daservice.extensions import db
from daservice.perpetrators.models import RiskLevel, RiskReview, RiskTool, Source
from daservice.perpetrators.placements import DirectPlacement, place_directly
from daservice.perpetrators.refusals import Refused
from daservice.perpetrators.risk import ReviewInput, review
from daservice.uk_time import uk_today
from tests import factories

from .test_pages import _as


def _placement(partnership):
    data = DirectPlacement(source=Source.PROBATION, first_name="Kyle", last_name="Example")
    return place_directly(partnership["worker"], partnership["programme"], data)


def _review(worker, placement, level, day, reason="REASON-CANARY"):
    return review(worker, placement, ReviewInput(RiskTool.SARA, level, day, reason))


def test_a_rise_over_the_review_before_is_marked(partnership):
    worker, placement = partnership["worker"], _placement(partnership)
    today = uk_today()
    first = _review(worker, placement, RiskLevel.MEDIUM, today - timedelta(days=20))
    lower = _review(worker, placement, RiskLevel.STANDARD, today - timedelta(days=10))
    higher = _review(worker, placement, RiskLevel.HIGH, today)
    assert (first.rose, lower.rose, higher.rose) == (False, False, True)
    db.session.expire_all()
    stored = db.session.execute(sa.text("SELECT reason FROM placement_risk_reviews")).scalars()
    assert all(value and "REASON-CANARY" not in value for value in stored)
    audit = db.session.execute(sa.text("SELECT purpose FROM audit_events")).scalars().all()
    assert "risk rose" in audit and not any("CANARY" in (p or "") for p in audit)


def test_bad_answers_are_refused_with_a_message(partnership):
    worker, placement = partnership["worker"], _placement(partnership)
    for day, reason, field in [
        (uk_today() + timedelta(days=1), "why", "reviewed_on"),
        (date(2000, 1, 1), "why", "reviewed_on"),
        (None, "why", "reviewed_on"),
        (uk_today(), "  ", "reason"),
    ]:
        with pytest.raises(Refused) as refused:
            _review(worker, placement, RiskLevel.HIGH, day, reason)
        assert set(refused.value.errors) == {field}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskReview)) == 0


def test_only_the_provider_agency_records_one(app, partnership):
    placement = _placement(partnership)
    outsider = factories.user(Role.PROGRAMME_WORKER)
    with pytest.raises(NotFound):
        _review(outsider, placement, RiskLevel.HIGH, uk_today())
    client = _as(app, outsider)
    path = f"/programmes/placements/{placement.id}/risk-reviews/new"
    assert client.client.get(path).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskReview)) == 0


def test_a_worker_records_one_from_the_placement_page(app, partnership):
    placement = _placement(partnership)
    worker = _as(app, partnership["worker"])
    path = f"/programmes/placements/{placement.id}/risk-reviews/new"
    empty = worker.post(path, {"reason": "kept words"}, page=path)
    body = empty.get_data(as_text=True)
    assert empty.status_code == 400 and "Enter the date of the review" in body
    assert "Select which tool was used" in body and "kept words" in body
    today = uk_today()
    saved = worker.post(
        path,
        {
            "tool": "sara",
            "level": "high",
            "reviewed_on": [str(today.day), str(today.month), str(today.year)],
            "reason": "Further incident reported by police.",
        },
        page=path,
    )
    assert saved.status_code == 302
    page = worker.client.get(f"/programmes/placements/{placement.id}").get_data(as_text=True)
    assert "Further incident reported by police." in page and "High" in page


def test_a_review_dated_between_two_others_mends_the_later_one_s_rise(partnership):
    worker, placement = partnership["worker"], _placement(partnership)
    today = uk_today()
    _review(worker, placement, RiskLevel.MEDIUM, today - timedelta(days=60))
    later = _review(worker, placement, RiskLevel.HIGH, today)
    assert later.rose
    between = _review(worker, placement, RiskLevel.HIGH, today - timedelta(days=30))
    assert between.rose and not later.rose  # the rise was on the day between
