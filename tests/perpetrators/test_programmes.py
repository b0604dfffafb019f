"""Setting up a programme: the provider's programme workers add and change their own; names,
places and the service whose referrals arrive are checked with a message; another agency's
worker gets 404 and changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.extensions import db
from daservice.perpetrators.models import Programme, ProgrammeStatus, Source, Stage
from daservice.perpetrators.placements import DirectPlacement, move, place_directly
from tests import factories

from .test_pages import _as

FORM = {
    "name": "Caring Dads",
    "kind": "group",
    "accredited": "no",
    "capacity": "10",
    "eligibility": "Fathers who have used abuse.",
    "status": "open",
    "service": "",
}


def test_a_worker_adds_a_programme_and_changes_it(app, partnership):
    worker = _as(app, partnership["worker"])
    added = worker.post("/programmes/new", FORM, page="/programmes/new")
    assert added.status_code == 302, added.get_data(as_text=True)
    programme = db.session.scalar(sa.select(Programme).where(Programme.name == "Caring Dads"))
    assert programme.agency_id == partnership["worker"].agency_id
    assert programme.capacity == 10 and programme.service_id is None

    edit = f"/programmes/{programme.id}/edit"
    page = worker.client.get(edit).get_data(as_text=True)
    assert 'value="Caring Dads"' in page and "Change Caring Dads" in page
    changed = worker.post(edit, dict(FORM, capacity="12", status="paused"), page=edit)
    assert changed.status_code == 302
    db.session.expire_all()
    programme = db.session.get(Programme, programme.id)
    assert programme.capacity == 12 and programme.status is ProgrammeStatus.PAUSED
    saved = db.session.scalars(
        sa.select(AuditEvent.purpose).where(AuditEvent.action == "programme.saved")
    ).all()
    assert saved == ["added", "changed"]


def test_bad_answers_get_messages_and_keep_what_was_typed(app, partnership):
    worker = _as(app, partnership["worker"])
    taken = partnership["programme"].name
    cases = [
        ({"capacity": "ten"}, "Places must be a whole number, like 12"),
        ({"capacity": "0"}, "Places must be between 1 and 500"),
        ({"name": taken.upper()}, "There is already a programme with this name"),
        ({"name": ""}, "Enter the programme&#39;s name"),
        ({"service": str(partnership["programme"].service_id)}, "already go to another programme"),
        ({"service": "not-an-id"}, "Not a valid choice"),
    ]
    for change, message in cases:
        response = worker.post("/programmes/new", dict(FORM, **change), page="/programmes/new")
        body = response.get_data(as_text=True)
        assert response.status_code == 400, change
        assert "govuk-error-summary" in body and message in body, change
        assert "Fathers who have used abuse." in body  # kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 1


def test_places_cannot_drop_below_the_men_holding_one(app, partnership):
    programme, worker = partnership["programme"], partnership["worker"]
    for n in range(2):
        data = DirectPlacement(source=Source.PROBATION, first_name="Kyle", last_name=f"E{n}")
        placement = place_directly(worker, programme, data)
        for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING):
            move(worker, placement, stage)
    client = _as(app, worker)
    edit = f"/programmes/{programme.id}/edit"
    response = client.post(edit, dict(FORM, name=programme.name, capacity="1"), page=edit)
    assert response.status_code == 400
    assert "2 men hold a place now" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).capacity == 2


def test_another_agency_s_worker_cannot_change_a_programme(app, partnership):
    programme = partnership["programme"]
    outsider = _as(app, factories.user(Role.PROGRAMME_WORKER))
    edit = f"/programmes/{programme.id}/edit"
    assert outsider.client.get(edit).status_code == 404
    response = outsider.post(edit, dict(FORM, capacity="99"), page="/programmes/")
    assert response.status_code == 404
    # Nor can she take its service for a programme of her own.
    service = str(programme.service_id)
    taking = outsider.post("/programmes/new", dict(FORM, service=service), page="/programmes/new")
    assert taking.status_code == 400
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).capacity == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 1
