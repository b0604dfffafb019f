"""A programme worker's pages: her programmes, the placements on one, a placement made directly
and moved along by form. Another agency's worker gets 404 and changes nothing; the victim's
details never appear; every page naming a man is audited."""

from __future__ import annotations

import re

import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.extensions import db
from daservice.perpetrators.models import Placement, ProgrammeStatus, Stage
from daservice.perpetrators.placements import take_released_routes
from tests import factories
from tests.conftest import LoginActions

VICTIM_CANARIES = ("Amira", "Okafor", "IG1 1DD", "07700 900123", "12 Example Road", "bluebell")


def _as(app, user) -> LoginActions:
    actions = LoginActions(app.test_client())
    actions(user)
    return actions


def _placement_from_a_referral():
    body = factories.referral_payload(
        consent={"status": "given"},
        perpetrator={"first_name": "Kyle", "last_name": "Example", "relationship": "ex-partner"},
        refer_perpetrator_to_programme=True,
    )
    factories.refer(factories.user(Role.REFERRER), body)
    take_released_routes()
    return db.session.scalar(sa.select(Placement))


def test_a_worker_takes_a_placement_from_referral_to_attending(app, partnership):
    placement = _placement_from_a_referral()
    worker = _as(app, partnership["worker"])
    programme = partnership["programme"]

    index = worker.client.get("/programmes/").get_data(as_text=True)
    assert programme.name in index and "0 of 2" in index

    listing = worker.client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    assert "Kyle Example" in listing and "Referred" in listing

    page = f"/programmes/placements/{placement.id}"
    for seen, stage in (
        ("referred", "contacted"),
        ("contacted", "assessed"),
        ("assessed", "attending"),
    ):
        response = worker.post(page, {"stage": stage, "expected": seen, "detail": ""}, page=page)
        assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).stage is Stage.ATTENDING
    shown = worker.client.get(page).get_data(as_text=True)
    assert "Attending" in shown and "History" in shown

    for path in ("/programmes/", f"/programmes/{programme.id}", page):
        body = worker.client.get(path).get_data(as_text=True)
        assert not [c for c in VICTIM_CANARIES if c in body], path
    viewed = db.session.scalars(
        sa.select(AuditEvent.target_id).where(AuditEvent.action == "placement.viewed")
    ).all()
    assert str(placement.id) in viewed


def test_a_move_with_no_answer_or_no_reason_shows_the_error_summary(app, partnership):
    placement = _placement_from_a_referral()
    worker = _as(app, partnership["worker"])
    page = f"/programmes/placements/{placement.id}"

    missing = worker.post(page, {"detail": "kept words"}, page=page)
    body = missing.get_data(as_text=True)
    assert missing.status_code == 400
    assert "govuk-error-summary" in body and "Select what has happened" in body
    assert "kept words" in body  # what she typed is not lost

    no_reason = worker.post(page, {"stage": "dropped_out", "expected": "referred"}, page=page)
    body = no_reason.get_data(as_text=True)
    assert no_reason.status_code == 400 and "Select why he is dropped out" in body

    for tampered in (" ", "nonsense"):  # no reason at all, as far as the pipeline can tell
        response = worker.post(
            page,
            {"stage": "dropped_out", "reason-dropped_out": tampered, "expected": "referred"},
            page=page,
        )
        assert response.status_code == 400, tampered

    stale = worker.post(page, {"stage": "contacted"}, page=page)  # no stage seen: refused
    assert stale.status_code == 400 and "This page was out of date" in stale.get_data(as_text=True)

    wrong = worker.post(page, {"stage": "attending"}, page=page)  # not offered from referred
    assert wrong.status_code == 400 and "Not a valid choice" in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).stage is Stage.REFERRED


def test_a_placement_made_directly_from_the_form(app, partnership):
    worker = _as(app, partnership["worker"])
    new = f"/programmes/{partnership['programme'].id}/placements/new"
    refused = worker.post(new, {"source": "probation", "first_name": "Dan"}, page=new)
    assert refused.status_code == 400
    assert "Enter his last name" in refused.get_data(as_text=True)
    assert 'value="Dan"' in refused.get_data(as_text=True)

    made = worker.post(
        new,
        {
            "source": "probation",
            "first_name": "Dan",
            "last_name": "Example",
            "date_of_birth": ["2", "3", "1985"],
        },
        page=new,
    )
    assert made.status_code == 302
    placement = db.session.scalar(sa.select(Placement))
    assert re.search(str(placement.id), made.location)
    assert placement.source.value == "probation" and placement.stage is Stage.REFERRED
    assert str(placement.person.date_of_birth) == "1985-03-02"

    # A programme paused while the form was open: the refusal is shown, and nothing is made.
    partnership["programme"].status = ProgrammeStatus.PAUSED
    db.session.commit()
    paused = worker.post(
        new, {"source": "probation", "first_name": "A", "last_name": "B"}, page=new
    )
    body = paused.get_data(as_text=True)
    assert paused.status_code == 400 and "is paused" in body and "govuk-error-summary" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Placement)) == 1


def test_another_agency_s_worker_gets_404_and_changes_nothing(app, partnership):
    placement = _placement_from_a_referral()
    outsider = _as(app, factories.user(Role.PROGRAMME_WORKER))
    own = f"/programmes/placements/{placement.id}"
    programme = f"/programmes/{partnership['programme'].id}"
    for path in (own, programme, f"{programme}/placements/new"):
        assert outsider.client.get(path).status_code == 404, path
    moved = outsider.post(own, {"stage": "contacted"}, page="/programmes/")
    assert moved.status_code == 404
    assert "Kyle" not in outsider.client.get("/programmes/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).stage is Stage.REFERRED


def test_her_home_page_says_what_waits_for_her(app, partnership):
    _placement_from_a_referral()
    worker = _as(app, partnership["worker"])
    home = worker.client.get("/").get_data(as_text=True)
    assert "1 placement is waiting for first contact" in home
    assert "Kyle" not in home  # counts only


def test_the_waiting_list_is_in_the_order_men_joined_it(app, partnership):
    from datetime import timedelta

    from daservice.perpetrators.models import Source
    from daservice.perpetrators.placements import DirectPlacement, move, place_directly

    worker, programme = partnership["worker"], partnership["programme"]
    joined = []
    for n, name in enumerate(("Later", "First", "Middle")):
        placement = place_directly(
            worker, programme, DirectPlacement(Source.PROBATION, "Kyle", name)
        )
        for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.WAITING_LIST):
            move(worker, placement, stage)
        placement.stage_changed_at -= timedelta(days=(1, 3, 2)[n])
        joined.append(placement)
    db.session.commit()
    body = _as(app, worker).client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    listed = body[body.index('id="waiting-list"') :]
    order = [listed.index(f"Kyle {name}") for name in ("First", "Middle", "Later")]
    assert order == sorted(order)
    assert "2 places are free: start the first on the list" in listed


def test_a_stage_s_reasons_are_its_own_and_a_missing_one_is_linked_from_the_summary(
    app, partnership
):
    placement = _placement_from_a_referral()
    worker = _as(app, partnership["worker"])
    page = f"/programmes/placements/{placement.id}"
    shown = worker.client.get(page).get_data(as_text=True)
    assert 'name="reason-dropped_out"' in shown and 'value="moved_away"' in shown
    assert 'name="reason-contacted"' not in shown  # contacted needs no reason

    missing = worker.post(page, {"stage": "dropped_out", "expected": "referred"}, page=page)
    body = missing.get_data(as_text=True)
    assert 'href="#reason"' in body and 'id="reason"' in body  # the summary reaches the radios
    # A reason ticked under another stage is not taken for this one's.
    elsewhere = worker.post(
        page,
        {"stage": "dropped_out", "reason-not_suitable": "denies_abuse", "expected": "referred"},
        page=page,
    )
    assert elsewhere.status_code == 400
    moved = worker.post(
        page,
        {"stage": "dropped_out", "reason-dropped_out": "moved_away", "expected": "referred"},
        page=page,
    )
    assert moved.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Placement, placement.id)
    assert saved.stage is Stage.DROPPED_OUT and saved.reason.value == "moved_away"
