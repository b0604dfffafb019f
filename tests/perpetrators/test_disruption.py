"""Disruption actions by partner agencies: recorded from the placement page with the outcome as
ciphertext at rest; a missing agency or date, a tampered agency and a future date refused with a
message; provider agency only."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from daservice.accounts.models import Agency, Role
from daservice.extensions import db
from daservice.perpetrators.models import DisruptionAction, Source
from daservice.perpetrators.placements import DirectPlacement, place_directly
from daservice.uk_time import uk_today
from tests import factories

from .test_pages import _as


def _placement(partnership):
    data = DirectPlacement(source=Source.PROBATION, first_name="Kyle", last_name="Example")
    return place_directly(partnership["worker"], partnership["programme"], data)


def _form(agency_id, day, **changes):
    return {
        "agency": str(agency_id),
        "kind": "civil_order",
        "taken_on": [str(day.day), str(day.month), str(day.year)],
        "outcome": "OUTCOME-CANARY",
    } | changes


def test_a_worker_records_a_partner_agency_s_action(app, partnership):
    placement = _placement(partnership)
    police = db.session.scalar(sa.select(Agency).where(Agency.code == "MPS"))
    worker = _as(app, partnership["worker"])
    path = f"/programmes/placements/{placement.id}/disruption/new"
    saved = worker.post(path, _form(police.id, uk_today()), page=path)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = worker.client.get(f"/programmes/placements/{placement.id}").get_data(as_text=True)
    assert "A civil order" in page and police.name in page and "OUTCOME-CANARY" in page
    stored = db.session.execute(sa.text("SELECT outcome FROM placement_disruptions")).scalar()
    assert stored and "OUTCOME-CANARY" not in stored


def test_bad_answers_get_messages_and_keep_what_was_typed(app, partnership):
    placement = _placement(partnership)
    police = db.session.scalar(sa.select(Agency).where(Agency.code == "MPS"))
    worker = _as(app, partnership["worker"])
    path = f"/programmes/placements/{placement.id}/disruption/new"
    cases = [
        (_form("", uk_today()), "Select the agency that took the action"),
        (_form("not-an-id", uk_today()), "Not a valid choice"),
        (_form(police.id, uk_today() + timedelta(days=1)), "must be today or in the past"),
        (_form(police.id, uk_today(), taken_on=["", "", ""]), "Enter the date of the action"),
        (_form(police.id, uk_today(), kind="nuked"), "Not a valid choice"),
    ]
    for data, message in cases:
        response = worker.post(path, data, page=path)
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and message in body, data
        assert "OUTCOME-CANARY" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DisruptionAction)) == 0


def test_another_agency_s_worker_gets_404(app, partnership):
    placement = _placement(partnership)
    police = db.session.scalar(sa.select(Agency).where(Agency.code == "MPS"))
    outsider = _as(app, factories.user(Role.PROGRAMME_WORKER))
    path = f"/programmes/placements/{placement.id}/disruption/new"
    assert outsider.client.get(path).status_code == 404
    assert outsider.post(path, _form(police.id, uk_today()), page="/").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DisruptionAction)) == 0
