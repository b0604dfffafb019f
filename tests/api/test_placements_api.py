"""POST /api/v1/placements: a partner system places a man on an open programme, once per
Idempotency-Key; a body with no name, an unknown or closed programme is a 422 naming the field;
a placement is read back (its stage only) by the system that sent it, and by no other."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa

from daservice.accounts.models import Agency, Role
from daservice.api import auth
from daservice.directory.models import ServiceKind
from daservice.extensions import db
from daservice.perpetrators.models import (
    Placement,
    Programme,
    ProgrammeKind,
    ProgrammeStatus,
    Source,
)
from daservice.perpetrators.placements import DirectPlacement, place_directly

from .. import factories
from ..conftest import row_count


def _programme(directory, status=ProgrammeStatus.OPEN) -> Programme:
    service = directory[ServiceKind.PERPETRATOR_PROGRAMME]
    programme = Programme(
        name=f"Changing Ways ({status.value})",
        agency_id=service.agency_id,
        kind=ProgrammeKind.GROUP,
        accredited=True,
        capacity=10,
        eligibility="Men over 18.",
        status=status,
    )
    db.session.add(programme)
    db.session.commit()
    return programme


def _body(programme, **person):
    return {
        "programme_id": str(programme.id),
        "source": "probation",
        "person": {"first_name": "Kyle", "last_name": "Example", "date_of_birth": "1985-03-27"}
        | person,
    }


def post(client, token, body, **headers):
    return client.post(
        "/api/v1/placements", json=body, headers={"Authorization": f"Bearer {token}", **headers}
    )


def test_a_partner_system_places_a_man_and_reads_back_his_stage(client, token, directory):
    programme = _programme(directory)
    listed = client.get("/api/v1/programmes", headers={"Authorization": f"Bearer {token}"})
    assert [p["id"] for p in listed.json["programmes"]] == [str(programme.id)]

    response = post(client, token, _body(programme))
    assert response.status_code == 201, response.json
    made = response.json
    assert made["stage"] == "referred" and made["source"] == "probation"
    assert made["programme_id"] == str(programme.id)
    assert set(made) == {"id", "programme_id", "source", "stage", "created_at", "stage_changed_at"}
    assert response.headers["Location"] == f"/api/v1/placements/{made['id']}"

    placement = db.session.get(Placement, uuid.UUID(made["id"]))
    assert placement.api_client_id is not None and placement.created_by_id is None
    raw = db.session.execute(sa.text("SELECT first_name, last_name FROM people")).all()
    assert len(raw) == 1 and not [v for v in raw[0] if v and "Kyle" in v]  # ciphertext at rest

    again = client.get(made_path := response.headers["Location"], headers=_auth(token))
    assert again.status_code == 200 and again.json == made

    _, other = auth.issue(_agency("NELFT").id, "Another system")
    assert client.get(made_path, headers=_auth(other)).status_code == 404


def test_a_man_the_partnership_knows_is_matched_not_made_again(client, token, directory):
    programme = _programme(directory)
    worker_agency = db.session.get(Agency, programme.agency_id)
    worker = factories.user(Role.PROGRAMME_WORKER, agency_row=worker_agency)
    known = place_directly(
        worker,
        programme,
        DirectPlacement(
            source=Source.PROBATION,
            first_name="Kyle",
            last_name="Example",
            date_of_birth=date(1985, 3, 27),
        ),
    )
    response = post(client, token, _body(programme))
    assert response.status_code == 201
    assert db.session.get(Placement, uuid.UUID(response.json["id"])).person_id == known.person_id
    assert row_count("people") == 1


def test_no_name_or_an_unknown_or_closed_programme_is_a_422_naming_the_field(
    client, token, directory
):
    programme = _programme(directory)
    nameless = post(client, token, _body(programme, first_name=" ", last_name=None))
    assert nameless.status_code == 422
    assert set(nameless.json["errors"]) == {"person.first_name", "person.last_name"}

    unknown = dict(_body(programme), programme_id="00000000-0000-4000-8000-000000000000")
    answer = post(client, token, unknown)
    assert answer.status_code == 422 and set(answer.json["errors"]) == {"programme_id"}
    both = dict(_body(programme, last_name=""), programme_id=unknown["programme_id"])
    answer = post(client, token, both)  # every field named at once
    assert set(answer.json["errors"]) == {"programme_id", "person.last_name"}

    closed = _programme(directory, ProgrammeStatus.CLOSED)
    answer = post(client, token, _body(closed))
    assert answer.status_code == 422
    assert answer.json["errors"] == {"programme_id": [f"{closed.name} is closed"]}

    wrong = post(client, token, {"programme_id": 7, "source": "referral_route", "extra": 1})
    assert wrong.status_code == 422
    assert set(wrong.json["errors"]) == {"programme_id", "source", "person", "extra"}
    assert row_count("placements") == 0


def test_a_retry_with_the_same_key_makes_one_placement(client, token, directory):
    programme = _programme(directory)
    first = post(client, token, _body(programme), **{"Idempotency-Key": "p-1"})
    again = post(client, token, _body(programme), **{"Idempotency-Key": "p-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert row_count("placements") == 1
    other = post(client, token, _body(programme, last_name="Other"), **{"Idempotency-Key": "p-1"})
    assert other.status_code == 409


def test_without_a_token_nothing_is_made(client, directory):
    programme = _programme(directory)
    response = client.post("/api/v1/placements", json=_body(programme))
    assert response.status_code == 401 and row_count("placements") == 0


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _agency(code):
    return db.session.scalar(sa.select(Agency).where(Agency.code == code))
