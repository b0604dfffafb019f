"""Runs and sessions: created and changed through the pages, ``starts_on`` kept in step with the
first session going ahead, a cancelled run cancelling every place and telling each trainee, and
what a training lead sees of a run."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from daservice.extensions import db
from daservice.training import enrolment, run_messages, runs
from daservice.training.models import CourseRun, Enrolment, EnrolmentStatus, RunStatus
from daservice.uk_time import uk_date, uk_today

from .conftest import messages, places_taken, run_of, session_on, trainee

S = EnrolmentStatus


def _new_run_form(world, **changes):
    day = uk_today() + timedelta(days=10)
    data = {
        "course": str(world.course.id),
        "trainer": "Sam Trainer",
        "capacity": "16",
        "joining_instructions": "Bring a pen",
        "day": [str(day.day), str(day.month), str(day.year)],
        "starts": "9:30am",
        "ends": "12:30pm",
        "online": "no",
        "venue": "Town Hall, Room 2",
    }
    data.update(changes)
    return data


def test_a_coordinator_creates_a_run_with_its_first_session(client, login_as, world):
    login_as(world.coordinator)
    response = login_as.post("/training/runs/new", _new_run_form(world), page="/training/runs/new")

    assert response.status_code == 302
    run = db.session.scalar(sa.select(CourseRun))
    assert (run.capacity, run.trainer, run.places_taken) == (16, "Sam Trainer", 0)
    assert run.starts_on == uk_today() + timedelta(days=10)
    (session,) = run.sessions
    assert session.minutes == 180 and session.venue == "Town Hall, Room 2"
    page = client.get(response.location).get_data(as_text=True)
    assert "0 of 16 booked" in page and "9:30am to 12:30pm" in page
    listing = client.get("/training/runs/").get_data(as_text=True)
    assert world.course.title in listing and "0 of 16 booked" in listing


def test_a_run_with_bad_answers_shows_each_error_and_keeps_what_was_typed(client, login_as, world):
    login_as(world.coordinator)
    response = login_as.post(
        "/training/runs/new",
        _new_run_form(world, capacity="lots", ends="9am", venue="", trainer="Sam Trainer"),
        page="/training/runs/new",
    )

    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in text
    assert "The number of places must be a whole number, like 16" in text
    assert "The end time must be after the start time" in text
    assert "Enter the venue" in text
    assert 'value="lots"' in text and 'value="Sam Trainer"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseRun)) == 0


def test_starts_on_follows_the_first_session_going_ahead(world):
    run = run_of(world.coordinator, world.course, days_ahead=14)
    earlier = runs.add_session(world.coordinator, run.id, session_on(7))
    assert run.starts_on == uk_today() + timedelta(days=7)

    runs.cancel_session(world.coordinator, earlier.id)
    db.session.refresh(run)
    assert run.starts_on == uk_today() + timedelta(days=14)

    later = run.sessions[-1]
    runs.change_session(world.coordinator, later.id, session_on(30))
    db.session.refresh(run)
    assert run.starts_on == uk_today() + timedelta(days=30)


def test_the_only_session_going_ahead_cannot_be_cancelled_alone(world):
    run = run_of(world.coordinator, world.course)
    try:
        runs.cancel_session(world.coordinator, run.sessions[0].id)
    except runs.Refused as refused:
        assert "cancel the run instead" in str(refused)
    else:
        raise AssertionError("the last session was cancelled")


def test_cancelling_a_run_cancels_every_place_and_tells_each_trainee(world):
    run = run_of(world.coordinator, world.course, capacity=1)
    booked, waiting = trainee(world.agency), trainee(world.other_agency)
    enrolment.enrol(world.coordinator, run.id, booked.id)
    enrolment.enrol(world.coordinator, run.id, waiting.id)
    asked = enrolment.request_place(world.worker, run.id)

    count = runs.cancel_run(world.coordinator, run.id, "Trainer unwell")

    assert count == 3
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(Enrolment.status))) == {S.CANCELLED}
    assert db.session.get(CourseRun, run.id).status is RunStatus.CANCELLED
    assert places_taken(run.id) == 0
    told = messages(run_messages.RUN_CANCELLED)
    assert sorted(m.address for m in told) == sorted(
        [booked.work_email, waiting.work_email, asked.trainee.work_email]
    )
    assert all("Trainer unwell" not in str(m.params) for m in told)
    try:
        enrolment.enrol(world.coordinator, run.id, trainee(world.agency).id)
    except runs.Refused as refused:
        assert "cancelled" in str(refused)
    else:
        raise AssertionError("booked on a cancelled run")


def test_a_lead_sees_only_her_own_agencys_people_on_a_run(client, login_as, world):
    run = run_of(world.coordinator, world.course, capacity=5)
    enrolment.enrol(world.coordinator, run.id, trainee(world.agency, name="Priya Shah").id)
    enrolment.enrol(world.coordinator, run.id, trainee(world.other_agency, name="Olu Bello").id)

    login_as(world.lead)
    page = client.get(f"/training/runs/{run.id}").get_data(as_text=True)
    assert "Priya Shah" in page and "Olu Bello" not in page
    assert "2 of 5 booked" in page  # the places are the run's, not her agency's
    assert "Cancel run" not in page and "Register" not in page


def test_a_coordinator_sees_everyone_grouped_by_status_and_the_waiting_list_in_order(
    client, login_as, world
):
    run = run_of(world.coordinator, world.course, capacity=1)
    for name in ("Priya Shah", "Olu Bello", "Ana Lima"):
        enrolment.enrol(world.coordinator, run.id, trainee(world.agency, name=name).id)

    login_as(world.coordinator)
    page = client.get(f"/training/runs/{run.id}").get_data(as_text=True)
    assert "Booked (1)" in page and "Waiting list (2)" in page
    assert page.index("Olu Bello") < page.index("Ana Lima")
    assert uk_date(run.starts_on) in page


def test_upcoming_lists_scheduled_runs_soonest_first(world):
    later = run_of(world.coordinator, world.course, days_ahead=20)
    sooner = run_of(world.coordinator, world.course, days_ahead=5)
    cancelled = run_of(world.coordinator, world.course, days_ahead=1)
    runs.cancel_run(world.coordinator, cancelled.id, "No trainer")

    assert [row.run.id for row in runs.upcoming()] == [sooner.id, later.id]
    assert [row.run.id for row in runs.past_and_cancelled()] == [cancelled.id]


def test_the_new_run_error_summary_follows_the_order_of_the_page(client, login_as, world):
    login_as(world.coordinator)
    text = login_as.post("/training/runs/new", {}, page="/training/runs/new").get_data(as_text=True)
    summary = text[text.index("There is a problem") : text.index("Create a run</h1>")]
    order = [
        "Select the course",
        "Enter the trainer",
        "Enter the number of places",
        "Enter the date",
    ]
    assert [summary.index(m) for m in order] == sorted(summary.index(m) for m in order)


def test_an_online_session_names_its_venue_once(client, login_as, world):
    run = run_of(world.coordinator, world.course, capacity=5)
    teams = plain = run.sessions[0]
    teams.online, teams.venue = True, "Online (Microsoft Teams)"
    db.session.commit()
    login_as(world.coordinator)
    page = client.get(f"/training/runs/{run.id}").get_data(as_text=True)
    assert "Online (Microsoft Teams)" in page and "Online: Online" not in page
    plain.venue = "Zoom"
    db.session.commit()
    assert "Online: Zoom" in client.get(f"/training/runs/{run.id}").get_data(as_text=True)
