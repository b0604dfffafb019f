"""Registers: one mark per person per session (saving again changes it), refused for a cancelled
session or run, and after the last session each person's attendance decided and completion
applied."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice.extensions import db
from daservice.training import enrolment, registers, runs
from daservice.training.models import (
    AttendanceMark,
    Certificate,
    EnrolmentStatus,
    Mark,
    RunStatus,
    SessionStatus,
)

from .conftest import course, run_of, session_on, start_in_the_past, trainee

S = EnrolmentStatus


def _booked(world, run, count=2):
    """People booked on the run, and then its days come (a register is marked once a session
    has started)."""
    booked = [
        enrolment.enrol(world.coordinator, run.id, trainee(world.agency).id).enrolment
        for _ in range(count)
    ]
    start_in_the_past(run)
    return booked


def _marks():
    return {
        (m.session_id, m.enrolment_id): m.mark
        for m in db.session.scalars(sa.select(AttendanceMark))
    }


def test_saving_a_register_twice_records_each_person_once(world):
    run = run_of(world.coordinator, world.course, capacity=3)
    second = runs.add_session(world.coordinator, run.id, session_on(21))
    first = run.sessions[0]
    a, b = _booked(world, run)

    registers.save(world.coordinator, first.id, {a.id: Mark.PRESENT, b.id: Mark.ABSENT})
    registers.save(world.coordinator, first.id, {a.id: Mark.PRESENT, b.id: Mark.LATE})

    assert _marks() == {(first.id, a.id): Mark.PRESENT, (first.id, b.id): Mark.LATE}
    assert second.id not in {s for s, _ in _marks()}
    db.session.refresh(a)
    assert a.status is S.BOOKED  # not the last session: nothing decided yet


def test_a_register_for_a_cancelled_session_is_refused(world):
    run = run_of(world.coordinator, world.course, capacity=3)
    runs.add_session(world.coordinator, run.id, session_on(21))
    first = run.sessions[0]
    (a,) = _booked(world, run, 1)
    runs.cancel_session(world.coordinator, first.id)

    with pytest.raises(runs.Refused, match="This session has been cancelled"):
        registers.save(world.coordinator, first.id, {a.id: Mark.PRESENT})
    with pytest.raises(runs.Refused, match="This session has been cancelled"):
        registers.register(world.coordinator, first.id)
    assert _marks() == {}


def test_a_register_for_a_session_not_yet_started_is_refused(client, login_as, world):
    run = run_of(world.coordinator, world.course, capacity=3)
    (a,) = [enrolment.enrol(world.coordinator, run.id, trainee(world.agency).id).enrolment]
    session_id = run.sessions[0].id

    with pytest.raises(runs.Refused, match="This session has not started yet"):
        registers.save(world.coordinator, session_id, {a.id: Mark.PRESENT})
    login_as(world.coordinator)
    shown = client.get(f"/training/runs/{run.id}").get_data(as_text=True)
    assert f"/training/runs/sessions/{session_id}/register" not in shown  # no link offered
    response = client.get(f"/training/runs/sessions/{session_id}/register")
    assert response.status_code == 302
    assert "its register can be marked from" in client.get(response.location).get_data(as_text=True)
    db.session.refresh(a)
    assert _marks() == {} and a.status is S.BOOKED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_a_register_for_a_cancelled_run_is_refused_on_the_page(client, login_as, world):
    run = run_of(world.coordinator, world.course, capacity=3)
    (a,) = _booked(world, run, 1)
    session_id = run.sessions[0].id
    runs.cancel_run(world.coordinator, run.id, "Trainer unwell")
    login_as(world.coordinator)

    page = f"/training/runs/sessions/{session_id}/register"
    response = login_as.post(page, {f"mark-{a.id}": "present"}, page=f"/training/runs/{run.id}")

    assert response.status_code == 302
    shown = client.get(response.location).get_data(as_text=True)
    assert "This run has been cancelled: its registers cannot be marked" in shown
    assert _marks() == {}


def test_after_the_last_register_attendance_is_decided_and_a_certificate_issued(world):
    run = run_of(world.coordinator, world.course, capacity=3)
    last = runs.add_session(world.coordinator, run.id, session_on(21))
    first = run.sessions[0]
    full, part, missing = _booked(world, run, 3)

    registers.save(
        world.coordinator,
        first.id,
        {full.id: Mark.PRESENT, part.id: Mark.LATE, missing.id: Mark.ABSENT},
    )
    saved = registers.save(
        world.coordinator,
        last.id,
        {full.id: Mark.LATE, part.id: Mark.EXCUSED, missing.id: Mark.ABSENT},
    )

    for row in (full, part, missing):
        db.session.refresh(row)
    # The course needs no evaluation and has no knowledge check: full attendance completes it.
    assert full.status is S.COMPLETED
    assert part.status is S.PARTIALLY_ATTENDED
    assert missing.status is S.NO_SHOW
    (certificate,) = db.session.scalars(sa.select(Certificate)).all()
    assert certificate.enrolment_id == full.id and saved.certificates == [certificate]
    assert run.status is RunStatus.FINISHED


def test_a_course_asking_for_an_evaluation_is_not_completed_by_the_register(world):
    evaluated = course(requires_evaluation=True)
    run = run_of(world.coordinator, evaluated, capacity=3)
    (a,) = _booked(world, run, 1)

    registers.save(world.coordinator, run.sessions[0].id, {a.id: Mark.PRESENT})

    db.session.refresh(a)
    assert a.status is S.ATTENDED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_a_knowledge_check_score_completes_the_enrolment_once_it_passes(world):
    checked = course(knowledge_check_pass_mark=70)
    run = run_of(world.coordinator, checked, capacity=3)
    (a,) = _booked(world, run, 1)
    registers.save(world.coordinator, run.sessions[0].id, {a.id: Mark.PRESENT})

    assert registers.record_score(world.coordinator, a.id, 60) is None
    db.session.refresh(a)
    assert a.status is S.ATTENDED
    assert registers.record_score(world.coordinator, a.id, 85) is not None
    db.session.refresh(a)
    assert a.status is S.COMPLETED and a.knowledge_check_score == 85


def test_mark_everyone_present_saves_the_whole_register(client, login_as, world):
    run = run_of(world.coordinator, world.course, capacity=3)
    a, b = _booked(world, run)
    session = run.sessions[0]
    login_as(world.coordinator)
    page = f"/training/runs/sessions/{session.id}/register"
    assert a.trainee.name in client.get(page).get_data(as_text=True)

    response = login_as.post(page, {"all_present": "1"}, page=page)

    assert response.status_code == 302
    assert _marks() == {(session.id, a.id): Mark.PRESENT, (session.id, b.id): Mark.PRESENT}
    assert "Register saved. 2 certificates issued" in client.get(response.location).get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 2


def test_mark_everyone_present_on_a_saved_register_fills_the_form_and_saves_nothing(
    client, login_as, world
):
    run = run_of(world.coordinator, world.course, capacity=3)
    a, b = _booked(world, run)
    session = run.sessions[0]
    login_as(world.coordinator)
    page = f"/training/runs/sessions/{session.id}/register"
    login_as.post(page, {f"mark-{a.id}": "absent", f"mark-{b.id}": "excused"}, page=page)
    saved = _marks()
    assert saved == {(session.id, a.id): Mark.ABSENT, (session.id, b.id): Mark.EXCUSED}
    assert "Mark everyone present and save" not in client.get(page).get_data(as_text=True)

    response = login_as.post(page, {"all_present": "1"}, page=page)

    assert response.status_code == 200
    assert _marks() == saved  # nothing overwritten
    text = response.get_data(as_text=True)
    assert "Everyone is marked present below" in text
    assert text.count('value="present" checked') == 2
    response = login_as.post(
        page, {f"mark-{a.id}": "present", f"mark-{b.id}": "present"}, page=page
    )
    assert response.status_code == 302
    assert _marks() == {(session.id, a.id): Mark.PRESENT, (session.id, b.id): Mark.PRESENT}


def test_a_register_with_someone_unmarked_keeps_what_was_chosen(client, login_as, world):
    run = run_of(world.coordinator, world.course, capacity=3)
    a, b = _booked(world, run)
    session = run.sessions[0]
    login_as(world.coordinator)
    page = f"/training/runs/sessions/{session.id}/register"

    response = login_as.post(page, {f"mark-{a.id}": "late"}, page=page)

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in text
    assert f"Select whether {b.trainee.name} was present, late, absent or excused" in text
    assert f'name="mark-{a.id}" type="radio" value="late" checked' in text
    assert _marks() == {}


def test_a_training_lead_may_not_mark_registers(client, login_as, world):
    run = run_of(world.coordinator, world.course, capacity=3)
    login_as(world.lead)
    response = client.get(f"/training/runs/sessions/{run.sessions[0].id}/register")
    assert response.status_code == 403
    assert run.sessions[0].status is SessionStatus.SCHEDULED
