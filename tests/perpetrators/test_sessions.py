"""Sessions and registers: a register records each man once however often it is saved; an absence
or a concern is an engagement event once; the notes and concerns are ciphertext at rest; a session
for an ended placement, a register of a day to come and a line with no mark are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from daservice.audit.models import AuditEvent
from daservice.exceptions import NotFound
from daservice.extensions import db, utcnow
from daservice.perpetrators import sessions
from daservice.perpetrators.models import (
    Attendance,
    EngagementEvent,
    EngagementKind,
    Placement,
    ProgrammeStatus,
    Reason,
    SessionAttendance,
    SessionKind,
    Source,
    Stage,
)
from daservice.perpetrators.placements import DirectPlacement, move, place_directly
from daservice.perpetrators.refusals import Refused
from daservice.uk_time import uk_today
from tests import factories

from .test_pages import _as


def _attending(worker, programme, last_name: str) -> Placement:
    placement = place_directly(
        worker,
        programme,
        DirectPlacement(source=Source.PROBATION, first_name="Kyle", last_name=last_name),
    )
    for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING):
        move(worker, placement, stage)
    return placement


def _group(worker, programme, days_ago: int = 0):
    return sessions.add_session(
        worker,
        programme,
        sessions.SessionInput(
            SessionKind.GROUP, uk_today() - timedelta(days=days_ago), "Week 4: jealousy"
        ),
    )


def test_a_register_saved_twice_records_each_man_once_and_alerts_once(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    one, two = _attending(worker, programme, "Alpha"), _attending(worker, programme, "Bravo")
    session = _group(worker, programme)
    assert [line.placement.id for line in sessions.register(worker, session).lines] == [
        one.id,
        two.id,
    ]
    marks = {
        one.id: sessions.LineInput(Attendance.ATTENDED, True, "CONCERN-CANARY said he would"),
        two.id: sessions.LineInput(Attendance.ABSENT),
    }
    assert sessions.save_register(worker, session, marks, "NOTES-CANARY") == 2
    assert sessions.save_register(worker, session, marks, "NOTES-CANARY") == 2  # sent twice

    rows = db.session.scalars(sa.select(SessionAttendance)).all()
    assert sorted((r.placement_id, r.mark) for r in rows) == sorted(
        [(one.id, Attendance.ATTENDED), (two.id, Attendance.ABSENT)]
    )
    kinds = sorted(e.kind for e in db.session.scalars(sa.select(EngagementEvent)))
    starts = [EngagementKind.STARTED, EngagementKind.STARTED]
    assert kinds == sorted([*starts, EngagementKind.CONCERN_RAISED, EngagementKind.MISSED_SESSION])

    # Changed on a second save: the line changes, still one line.
    marks[two.id] = sessions.LineInput(Attendance.EXCUSED)
    sessions.save_register(worker, session, marks)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionAttendance)) == 2
    changed = db.session.scalar(
        sa.select(SessionAttendance.mark).where(SessionAttendance.placement_id == two.id)
    )
    assert changed is Attendance.EXCUSED

    raw = db.session.execute(
        sa.text(
            "SELECT notes FROM programme_sessions"
            " UNION ALL SELECT concern FROM programme_attendance"
        )
    ).scalars()
    assert not [value for value in raw if value and "CANARY" in value]
    saved = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "programme.register_saved")
    ).all()
    assert len(saved) == 3 and not [e for e in saved if "CANARY" in (e.purpose or "")]


def test_a_register_needs_a_mark_for_each_man_and_words_for_a_concern(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    one, two = _attending(worker, programme, "Alpha"), _attending(worker, programme, "Bravo")
    session = _group(worker, programme)
    with pytest.raises(Refused) as refused:
        sessions.save_register(
            worker, session, {one.id: sessions.LineInput(Attendance.LATE, concern_raised=True)}
        )
    assert refused.value.errors == {
        f"concern-{one.id}": "Say what the concern about Kyle Alpha was",
        f"mark-{two.id}": "Select whether Kyle Bravo attended, was late, absent or excused",
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionAttendance)) == 0


def test_a_register_cannot_be_saved_before_the_day(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    one = _attending(worker, programme, "Alpha")
    session = _group(worker, programme, days_ago=-7)
    with pytest.raises(Refused) as refused:
        sessions.save_register(worker, session, {one.id: sessions.LineInput(Attendance.ATTENDED)})
    assert "its register can be saved from that day" in refused.value.errors["form"]


def test_a_session_for_an_ended_placement_is_refused_with_a_message(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    ended = _attending(worker, programme, "Alpha")
    move(worker, ended, Stage.DROPPED_OUT, reason=Reason.MOVED_AWAY)
    with pytest.raises(Refused) as refused:
        sessions.add_session(
            worker,
            programme,
            sessions.SessionInput(
                SessionKind.ONE_TO_ONE, uk_today() + timedelta(days=1), "Review", ended.id
            ),
        )
    assert refused.value.errors == {
        "placement": (
            "Kyle Alpha's placement has ended (dropped out): a session cannot be added for him"
        )
    }
    with pytest.raises(Refused) as nobody:
        sessions.add_session(
            worker, programme, sessions.SessionInput(SessionKind.ONE_TO_ONE, uk_today(), "Review")
        )
    assert nobody.value.errors == {"placement": "Select who the session is with"}

    # A group register lists the men attending on its day: not one who ended the day before.
    _back_date(ended, 5)
    ended.changes[-1].at = ended.ended_at = utcnow() - timedelta(days=1)
    db.session.commit()
    session = _group(worker, programme)
    assert sessions.register(worker, session).lines == []
    with pytest.raises(Refused) as empty:
        sessions.save_register(worker, session, {ended.id: sessions.LineInput(Attendance.ATTENDED)})
    assert empty.value.errors == {"form": "No one is on this session's register"}

    programme.status = ProgrammeStatus.CLOSED
    db.session.commit()
    with pytest.raises(Refused) as closed:
        _group(worker, programme)
    assert "has closed" in closed.value.errors["form"]


def test_another_agency_cannot_see_or_mark_a_register(app, partnership):
    from daservice.accounts.models import Role

    worker, programme = partnership["worker"], partnership["programme"]
    one = _attending(worker, programme, "Alpha")
    session = _group(worker, programme)
    stranger = factories.user(Role.PROGRAMME_WORKER)
    with pytest.raises(NotFound):
        sessions.save_register(stranger, session, {one.id: sessions.LineInput(Attendance.ABSENT)})
    client = _as(app, stranger)
    assert client.client.get(f"/programmes/sessions/{session.id}/register").status_code == 404
    path = f"/programmes/sessions/{session.id}/register"
    assert client.post(path, {f"mark-{one.id}": "absent"}, page="/").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionAttendance)) == 0


def test_the_register_page_keeps_what_was_typed_and_saves(app, partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    one, two = _attending(worker, programme, "Alpha"), _attending(worker, programme, "Bravo")
    client = _as(app, worker)
    new = f"/programmes/{programme.id}/sessions/new"
    bad = client.post(new, {"kind": "group", "topic": ""}, page=new)
    assert bad.status_code == 400
    assert "Enter the date of the session" in bad.get_data(as_text=True)
    today = uk_today()
    made = client.post(
        new,
        {"kind": "group", "held_on": [today.day, today.month, today.year], "topic": "Week 1"},
        page=new,
    )
    assert made.status_code == 302
    path = made.headers["Location"]
    typed = client.post(
        path,
        {f"mark-{one.id}": "late", f"concern_raised-{one.id}": "yes", "notes": "kept notes"},
        page=path,
    )
    body = typed.get_data(as_text=True)
    assert typed.status_code == 400
    assert "There is a problem" in body and "Say what the concern about Kyle Alpha was" in body
    assert "kept notes" in body and 'value="late" checked' in body
    saved = client.post(
        path,
        {
            f"mark-{one.id}": "late",
            f"concern_raised-{one.id}": "yes",
            f"concern-{one.id}": "worried",
            f"mark-{two.id}": "attended",
            "notes": "kept notes",
        },
        page=path,
    )
    assert saved.status_code == 302
    page = client.client.get(f"/programmes/placements/{one.id}").get_data(as_text=True)
    assert "Concern raised" in page and "worried" in page


def _back_date(placement: Placement, days: int) -> None:
    """His history as if it had begun ``days`` ago (the last change stays now)."""
    for n, change in enumerate(placement.changes[:-1]):
        change.at = utcnow() - timedelta(days=days - n)


def test_a_back_dated_register_lists_the_men_attending_on_its_day(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    finished = _attending(worker, programme, "Alpha")
    away = _attending(worker, programme, "Charlie")
    move(worker, finished, Stage.COMPLETED)  # after the last session, before its register
    move(worker, away, Stage.SUSPENDED, reason=Reason.AWAITING_COURT)
    _attending(worker, programme, "Bravo")  # starts today, after the session
    _back_date(finished, 30)
    _back_date(away, 30)
    away.changes[-1].at = utcnow() - timedelta(days=10)  # suspended before the session
    db.session.commit()
    last_week = _group(worker, programme, days_ago=7)
    on_it = [line.placement.id for line in sessions.register(worker, last_week).lines]
    # Not the man who started since, nor the one who was suspended on the day.
    assert on_it == [finished.id]
    sessions.save_register(
        worker, last_week, {finished.id: sessions.LineInput(Attendance.ATTENDED)}
    )


def test_a_corrected_absence_takes_back_its_unread_event(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    one = _attending(worker, programme, "Alpha")
    session = _group(worker, programme)
    sessions.save_register(worker, session, {one.id: sessions.LineInput(Attendance.ABSENT)})
    missed = sa.select(EngagementEvent).where(EngagementEvent.kind == EngagementKind.MISSED_SESSION)
    assert db.session.scalar(missed).happened_on == session.held_on
    sessions.save_register(worker, session, {one.id: sessions.LineInput(Attendance.ATTENDED)})
    assert db.session.scalar(missed) is None
