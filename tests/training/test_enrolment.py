"""Enrolment: places taken by one conditional UPDATE, the waiting list and its promotion,
requests and approval, and who may enrol whom."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.exceptions import InvalidTransition
from daservice.extensions import db
from daservice.notify.models import OutboxMessage
from daservice.training import enrolment, places, run_messages, runs
from daservice.training.models import Enrolment, EnrolmentChange, EnrolmentStatus, Trainee

from .. import factories
from ..conftest import LoginActions
from .conftest import messages, places_taken, run_of, trainee

S = EnrolmentStatus


def test_booking_takes_a_place_and_a_full_run_waitlists_with_her_position(world):
    run = run_of(world.coordinator, world.course, capacity=1)
    first, second, third = (trainee(world.agency) for _ in range(3))

    booked = enrolment.enrol(world.coordinator, run.id, first.id)
    waiting = enrolment.enrol(world.coordinator, run.id, second.id)
    later = enrolment.enrol(world.coordinator, run.id, third.id)

    assert booked.booked and booked.enrolment.status is S.BOOKED
    assert not waiting.booked and waiting.enrolment.status is S.WAITLISTED
    assert (waiting.position, later.position) == (1, 2)
    assert "number 2 on the waiting list" in later.message()
    assert places_taken(run.id) == 1
    assert [m.address for m in messages(run_messages.BOOKED)] == [first.work_email]
    told = messages(run_messages.WAITLISTED)
    assert [(m.address, m.params["position"]) for m in told] == [
        (second.work_email, "1"),
        (third.work_email, "2"),
    ]


def test_a_place_is_taken_only_while_one_is_free(world):
    run = run_of(world.coordinator, world.course, capacity=1)
    assert places.take_place(run.id) is True
    assert places.take_place(run.id) is False  # the statement's condition: places_taken < capacity
    db.session.commit()
    assert places_taken(run.id) == 1


def test_two_bookings_racing_for_the_last_place_cannot_both_get_it(app, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent writers: run with --db=postgresql (SQLite has one writer)")
    run = run_of(world.coordinator, world.course, capacity=1)
    run_id = run.id
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def book() -> None:
        with app.app_context():
            barrier.wait()
            got = places.take_place(run_id)
            results.append(got)
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=book) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(results) == [False, True]
    assert places_taken(run_id) == 1


def test_the_same_person_twice_in_a_run_is_refused_and_nothing_changes(world):
    run = run_of(world.coordinator, world.course, capacity=3)
    person = trainee(world.agency, name="Ada Jones")
    enrolment.enrol(world.coordinator, run.id, person.id)

    with pytest.raises(runs.Refused, match="Ada Jones is already on this run"):
        enrolment.enrol(world.coordinator, run.id, person.id)

    assert places_taken(run.id) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1


def test_a_cancelled_enrolment_can_be_booked_again(world):
    run = run_of(world.coordinator, world.course, capacity=3)
    person = trainee(world.agency)
    first = enrolment.enrol(world.coordinator, run.id, person.id).enrolment
    enrolment.cancel(world.coordinator, first.id)

    again = enrolment.enrol(world.coordinator, run.id, person.id)

    assert again.booked and again.enrolment.id == first.id
    assert places_taken(run.id) == 1
    moves = db.session.scalars(
        sa.select(EnrolmentChange.to_status).where(EnrolmentChange.enrolment_id == first.id)
    ).all()
    assert moves == [S.BOOKED, S.CANCELLED, S.BOOKED]


def test_cancelling_a_place_promotes_the_first_on_the_waiting_list_who_is_told(world):
    run = run_of(world.coordinator, world.course, capacity=1)
    booked, first_waiting, second_waiting = (trainee(world.agency) for _ in range(3))
    place = enrolment.enrol(world.coordinator, run.id, booked.id).enrolment
    enrolment.enrol(world.coordinator, run.id, first_waiting.id)
    enrolment.enrol(world.coordinator, run.id, second_waiting.id)

    promoted = enrolment.cancel(world.coordinator, place.id, "Off sick")

    assert [p.trainee_id for p in promoted] == [first_waiting.id]
    db.session.expire_all()
    statuses = dict(db.session.execute(sa.select(Enrolment.trainee_id, Enrolment.status)).all())
    assert statuses == {
        booked.id: S.CANCELLED,
        first_waiting.id: S.BOOKED,
        second_waiting.id: S.WAITLISTED,
    }
    assert places_taken(run.id) == 1
    (told,) = messages(run_messages.PROMOTED)
    assert told.address == first_waiting.work_email
    assert told.params == {
        "name": first_waiting.name,
        "course": world.course.title,
        "dates": run_messages.dates_of(run),
    }
    # The system made the promotion, and it is in her history.
    by = db.session.scalar(
        sa.select(EnrolmentChange.by_id).where(
            EnrolmentChange.enrolment_id == promoted[0].id, EnrolmentChange.to_status == S.BOOKED
        )
    )
    assert by is None


def test_overbooking_is_refused(world):
    run = run_of(world.coordinator, world.course, capacity=1)
    enrolment.enrol(world.coordinator, run.id, trainee(world.agency).id)
    waiting = enrolment.enrol(world.coordinator, run.id, trainee(world.agency).id).enrolment

    with pytest.raises(runs.Refused, match="The run is full"):
        enrolment.book_from_waitlist(world.coordinator, waiting.id)
    with pytest.raises(runs.Refused, match="1 places are booked"):
        runs.change_run(world.coordinator, run.id, runs.RunInput(run.course_id, "Sam", 0, ""))

    assert places_taken(run.id) == 1
    db.session.refresh(waiting)
    assert waiting.status is S.WAITLISTED


def test_more_places_are_filled_from_the_waiting_list(world):
    run = run_of(world.coordinator, world.course, capacity=1)
    enrolment.enrol(world.coordinator, run.id, trainee(world.agency).id)
    waiting = enrolment.enrol(world.coordinator, run.id, trainee(world.agency).id).enrolment

    runs.change_run(world.coordinator, run.id, runs.RunInput(run.course_id, "Sam", 2, ""))

    db.session.refresh(waiting)
    assert waiting.status is S.BOOKED
    assert places_taken(run.id) == 2


def test_a_lead_enrolling_another_agencys_trainee_gets_404_and_nothing_changes(
    client, login_as, world
):
    run = run_of(world.coordinator, world.course)
    stranger = trainee(world.other_agency)
    login_as(world.lead)

    response = login_as.post(
        f"/training/runs/{run.id}/enrol",
        {"trainee": str(stranger.id)},
        page=f"/training/runs/{run.id}/enrol",
    )

    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0
    assert places_taken(run.id) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_lead_books_her_own_staff_through_the_page(client, login_as, world):
    run = run_of(world.coordinator, world.course)
    mine = trainee(world.agency, name="Priya Shah")
    theirs = trainee(world.other_agency, name="Someone Else")
    login_as(world.lead)

    page = client.get(f"/training/runs/{run.id}/enrol").get_data(as_text=True)
    assert "Priya Shah" in page and "Someone Else" not in page
    response = login_as.post(
        f"/training/runs/{run.id}/enrol",
        {"trainee": str(mine.id)},
        page=f"/training/runs/{run.id}/enrol",
    )

    assert response.status_code == 302
    assert "Priya Shah is booked on this run" in client.get(response.location).get_data(
        as_text=True
    )
    assert theirs.id not in db.session.scalars(sa.select(Enrolment.trainee_id)).all()


def test_booking_without_choosing_someone_shows_the_error_summary(client, login_as, world):
    run = run_of(world.coordinator, world.course)
    trainee(world.agency)
    login_as(world.lead)
    page = f"/training/runs/{run.id}/enrol"
    response = login_as.post(page, {"trainee": ""}, page=page)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in text and "Select the member of staff to book" in text


def test_a_request_is_approved_by_her_lead_and_she_is_booked(client, login_as, world):
    run = run_of(world.coordinator, world.course)
    login_as(world.worker)
    response = login_as.post(f"/training/runs/{run.id}/request", page="/training/mine")
    assert response.status_code == 302

    record = db.session.scalar(sa.select(Trainee).where(Trainee.user_id == world.worker.id))
    assert record.agency_id == world.agency.id and record.work_email == world.worker.email
    request_row = db.session.scalar(sa.select(Enrolment))
    assert request_row.status is S.REQUESTED
    (to_leads,) = messages(run_messages.REQUEST_WAITING)
    assert (to_leads.audience, to_leads.address) == (
        "training_request_approvers",
        str(world.agency.id),
    )
    mine = client.get("/training/mine").get_data(as_text=True)
    assert "Requested" in mine and world.course.title in mine
    # Not approved yet: she withdraws a request, she has no place to cancel.
    assert "Withdraw request" in mine and ">Cancel<" not in mine
    assert "Withdraw your request" in client.get(
        f"/training/runs/enrolments/{request_row.id}/cancel"
    ).get_data(as_text=True)

    assert enrolment.requests_waiting(world.lead) == 1
    approve = enrolment.approve(world.lead, request_row.id)
    assert approve.booked
    db.session.refresh(request_row)
    assert request_row.status is S.BOOKED
    assert [m.address for m in messages(run_messages.REQUEST_APPROVED)] == [world.worker.email]
    assert enrolment.requests_waiting(world.lead) == 0


def test_a_declined_request_shows_her_the_reason(app, client, login_as, world):
    run = run_of(world.coordinator, world.course)
    request_row = enrolment.request_place(world.worker, run.id)
    login_as(world.lead)
    page = f"/training/requests/{request_row.id}/decline"

    empty = login_as.post(page, {"reason": ""}, page=page)
    assert "Enter the reason" in empty.get_data(as_text=True)
    response = login_as.post(page, {"reason": "Not needed for your role"}, page=page)

    assert response.status_code == 302
    db.session.refresh(request_row)
    assert request_row.status is S.CANCELLED
    assert [m.address for m in messages(run_messages.REQUEST_DECLINED)] == [world.worker.email]
    assert "Not needed" not in str(messages(run_messages.REQUEST_DECLINED)[0].params)
    worker = LoginActions(app.test_client())
    worker(world.worker)
    mine = worker.client.get("/training/mine").get_data(as_text=True)
    assert "Reason: Not needed for your role" in mine


def test_the_coordinator_sees_each_requests_agency(app, client, login_as, world):
    run = run_of(world.coordinator, world.course)
    enrolment.request_place(world.worker, run.id)
    login_as(world.coordinator)
    page = client.get("/training/requests").get_data(as_text=True)
    assert ">Agency</th>" in page and world.agency.name in page
    lead = LoginActions(app.test_client())  # her own agency only: the column says nothing new
    lead(world.lead)
    assert ">Agency</th>" not in lead.client.get("/training/requests").get_data(as_text=True)


def test_a_lead_cannot_approve_another_agencys_request(world):
    from werkzeug.exceptions import NotFound

    other_lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=world.other_agency)
    run = run_of(world.coordinator, world.course)
    request_row = enrolment.request_place(world.worker, run.id)
    with pytest.raises(NotFound):
        enrolment.approve(other_lead, request_row.id)
    db.session.refresh(request_row)
    assert request_row.status is S.REQUESTED


def test_an_invalid_transition_is_a_message_not_an_error_page(client, login_as, world):
    run = run_of(world.coordinator, world.course)
    place = enrolment.enrol(world.coordinator, run.id, trainee(world.agency).id).enrolment
    enrolment.cancel(world.coordinator, place.id)
    with pytest.raises(InvalidTransition):
        enrolment.cancel(world.coordinator, place.id)

    login_as(world.coordinator)
    page = f"/training/runs/enrolments/{place.id}/cancel"
    response = login_as.post(page, {"reason": ""}, page=page)
    assert response.status_code == 302
    shown = client.get(response.location).get_data(as_text=True)
    assert "cannot become cancelled" in shown
    assert places_taken(run.id) == 0


def test_approving_a_request_twice_is_refused(world):
    run = run_of(world.coordinator, world.course)
    request_row = enrolment.request_place(world.worker, run.id)
    enrolment.approve(world.lead, request_row.id)
    with pytest.raises(runs.Refused, match="already been decided"):
        enrolment.approve(world.lead, request_row.id)
    assert places_taken(run.id) == 1
