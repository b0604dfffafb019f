"""Sessions and their registers: group sessions of a programme and one-to-one work with one man.

A register has a line for each man attending the programme (a group session) or for the one man
(one-to-one): attended, late, absent or excused, and whether he raised a concern. Saving it again
changes the lines, never doubles them, and an absence or a concern is an engagement event once,
however often the register is saved. The facilitators' notes and what a concern was are protected.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..audit.actions import AuditAction
from ..exceptions import NotFound
from ..extensions import db, utcnow
from ..security.permissions import Permission, require
from ..uk_time import uk_date, uk_today
from . import engagement, queries
from .models import (
    Attendance,
    EngagementKind,
    Placement,
    Programme,
    ProgrammeSession,
    ProgrammeStatus,
    SessionAttendance,
    SessionKind,
    Stage,
)
from .refusals import Refused

# How far ahead a session may be planned, and how far back one may be recorded.
PLANNED_WITHIN = timedelta(days=366)


@dataclass(frozen=True)
class SessionInput:
    kind: SessionKind
    held_on: date | None
    topic: str
    placement_id: uuid.UUID | None = None  # one-to-one: who it is with


def _name(placement: Placement) -> str:
    return f"{placement.person.first_name} {placement.person.last_name}"


def _ended_before(placement: Placement, day: date) -> bool:
    return placement.ended_at is not None and uk_today(placement.ended_at) < day


def add_session(actor: Any, programme: Programme, data: SessionInput) -> ProgrammeSession:
    """A session of ``programme``, refused with a message without a date or a topic, on a closed
    programme, and one-to-one with no one, or with a man whose placement ended before the day."""
    require(actor, Permission.RUN_PROGRAMMES)
    if programme.agency_id != actor.agency_id:
        raise NotFound("programme")
    errors: dict[str, str] = {}
    today = uk_today()
    if data.held_on is None:
        errors["held_on"] = "Enter the date of the session"
    elif not today - PLANNED_WITHIN <= data.held_on <= today + PLANNED_WITHIN:
        errors["held_on"] = "The date of the session must be within a year of today"
    if not data.topic.strip():
        errors["topic"] = "Enter what the session covered"
    if programme.status is ProgrammeStatus.CLOSED:
        errors["form"] = f"{programme.name} has closed: sessions cannot be added to it"
    placement = None
    if data.kind is SessionKind.ONE_TO_ONE:
        if data.placement_id is not None:
            placement = db.session.scalar(
                queries.placements_of(actor).where(
                    Placement.id == data.placement_id, Placement.programme_id == programme.id
                )
            )
        if placement is None:
            errors["placement"] = "Select who the session is with"
        elif placement.stage.ended and (
            data.held_on is None or _ended_before(placement, data.held_on)
        ):
            errors["placement"] = (
                f"{_name(placement)}'s placement has ended "
                f"({placement.stage.label.lower()}): a session cannot be added for him"
            )
    if errors or data.held_on is None:
        raise Refused(errors)
    now = utcnow()
    session = ProgrammeSession(
        programme_id=programme.id,
        kind=data.kind,
        placement_id=placement.id if placement else None,
        held_on=data.held_on,
        topic=data.topic.strip(),
        facilitator_id=actor.id,
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        AuditAction.PROGRAMME_SESSION_ADDED,
        actor=actor,
        target_type="programme_session",
        target_id=session.id,
        purpose=data.kind.value,
    )
    db.session.commit()
    return session


@dataclass(frozen=True)
class RegisterLine:
    placement: Placement
    row: SessionAttendance | None  # saved before


@dataclass(frozen=True)
class Register:
    session: ProgrammeSession
    lines: list[RegisterLine]
    # A man on it is the partner of someone she supports: a colleague takes this register, and
    # she sees neither its lines nor its notes.
    withheld: bool = False

    @property
    def saved(self) -> bool:
        return self.session.register_saved_at is not None

    @property
    def to_come(self) -> bool:
        return self.session.held_on > uk_today()

    @property
    def nothing_to_record(self) -> bool:
        """One-to-one work with a man whose placement ended before the day."""
        return not self.lines and self.session.kind is SessionKind.ONE_TO_ONE


def _attending_on(placement: Placement, day: date) -> bool:
    """Whether he was attending the programme at some time on the UK ``day``, by his history:
    attending when the day began, or moved to attending during it. A man suspended that day, not
    yet started or ended before it is not on a group register."""
    at_start_of_day = None
    for change in placement.changes:  # in time order
        changed_on = uk_today(change.at)
        if changed_on < day:
            at_start_of_day = change.to_stage
        elif changed_on == day and change.to_stage is Stage.ATTENDING:
            return True
    return at_start_of_day is Stage.ATTENDING


def _lines(session: ProgrammeSession) -> list[RegisterLine]:
    """Who is on the register: the one man of one-to-one work (unless his placement ended before
    the day), or everyone attending the programme on the session's day (started by then, not
    ended before), and anyone marked on it already."""
    rows = {
        row.placement_id: row
        for row in db.session.scalars(
            sa.select(SessionAttendance).where(SessionAttendance.session_id == session.id)
        )
    }
    if session.kind is SessionKind.ONE_TO_ONE:
        who = Placement.id == session.placement_id
    else:  # anyone who has started: _attending_on reads his history for the day
        who = sa.or_(Placement.started_at.is_not(None), Placement.id.in_(list(rows)))
    placements = db.session.scalars(
        sa.select(Placement).where(Placement.programme_id == session.programme_id, who)
    ).all()
    day = session.held_on
    lines = [
        RegisterLine(p, rows.get(p.id))
        for p in placements
        if p.id in rows
        or (session.kind is SessionKind.ONE_TO_ONE and not _ended_before(p, day))
        or (session.kind is SessionKind.GROUP and _attending_on(p, day))
    ]
    return sorted(
        lines,
        key=lambda line: (
            (line.placement.person.last_name or "").lower(),
            (line.placement.person.first_name or "").lower(),
        ),
    )


def _withheld_from(actor: Any, lines: list[RegisterLine]) -> bool:
    ids = [line.placement.id for line in lines]
    if not ids:
        return False
    hers = set(
        db.session.scalars(
            queries.placements_of(actor)
            .where(Placement.id.in_(ids))
            .with_only_columns(Placement.id)
        )
    )
    return len(hers) < len(ids)


def register(actor: Any, session: ProgrammeSession) -> Register:
    """The session's register, read and audited (it names the men and shows the notes)."""
    require(actor, Permission.RUN_PROGRAMMES)
    if session.programme.agency_id != actor.agency_id:
        raise NotFound("programme_session")
    lines = _lines(session)
    if _withheld_from(actor, lines):
        return Register(session, [], withheld=True)
    audit.record(
        AuditAction.PROGRAMME_REGISTER_VIEWED,
        actor=actor,
        target_type="programme_session",
        target_id=session.id,
        purpose="register",
    )
    db.session.commit()
    return Register(session, lines)


@dataclass(frozen=True)
class LineInput:
    mark: Attendance | None
    concern_raised: bool = False
    concern: str = ""


MAX_CONCERN = 2000
MAX_NOTES = 4000


def save_register(
    actor: Any, session: ProgrammeSession, lines: dict[uuid.UUID, LineInput], notes: str = ""
) -> int:
    """Save the register's lines and the facilitators' notes; returns the lines saved. Refused
    with a message for each line without a mark, a concern without words (or too many), notes too
    long, a register of a day to come, and one a colleague must take."""
    require(actor, Permission.RUN_PROGRAMMES)
    if session.programme.agency_id != actor.agency_id:
        raise NotFound("programme_session")
    sheet = _lines(session)
    if _withheld_from(actor, sheet):
        raise Refused(
            {
                "form": "One of the men on this register is the partner of someone you support: "
                "a colleague must take it"
            }
        )
    errors: dict[str, str] = {}
    if session.held_on > uk_today():
        errors["form"] = (
            f"This session is on {uk_date(session.held_on)}: "
            "its register can be saved from that day"
        )
    elif not sheet:
        errors["form"] = "No one is on this session's register"
    for line in sheet:
        placement, given = line.placement, lines.get(line.placement.id)
        if given is None or given.mark is None:
            errors[f"mark-{placement.id}"] = (
                f"Select whether {_name(placement)} attended, was late, absent or excused"
            )
        elif given.concern_raised and not given.concern.strip():
            errors[f"concern-{placement.id}"] = f"Say what the concern about {_name(placement)} was"
        elif given.concern_raised and len(given.concern.strip()) > MAX_CONCERN:
            errors[f"concern-{placement.id}"] = (
                f"The concern about {_name(placement)} must be 2,000 characters or fewer"
            )
    if len(notes.strip()) > MAX_NOTES:
        errors["notes"] = "The notes must be 4,000 characters or fewer"
    if errors:
        raise Refused(errors)
    now = utcnow()
    # One register save at a time: this takes the session's row lock (PostgreSQL) or the write
    # lock (SQLite) before the lines are read again and written.
    db.session.execute(
        sa.update(ProgrammeSession)
        .where(ProgrammeSession.id == session.id)
        .values(topic=ProgrammeSession.topic)
    )
    try:
        for line in _lines(session):
            given = lines.get(line.placement.id)
            if given is None or given.mark is None:
                continue
            row = line.row or SessionAttendance(
                session_id=session.id, placement_id=line.placement.id
            )
            row.mark = given.mark
            row.concern_raised = given.concern_raised
            row.concern = given.concern.strip() if given.concern_raised else None
            row.recorded_at, row.recorded_by_id = now, actor.id
            db.session.add(row)
            _tell(line.placement, session, given, now)
        session.notes = notes.strip() or None
        session.register_saved_at = now
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Refused(
            {"form": "Someone saved this register at the same moment: check it and save it again"}
        ) from None
    audit.record(
        AuditAction.PROGRAMME_REGISTER_SAVED,
        actor=actor,
        target_type="programme_session",
        target_id=session.id,
        purpose=f"{len(sheet)} lines",
    )
    db.session.commit()
    return len(sheet)


def _tell(placement: Placement, session: ProgrammeSession, given: LineInput, now: Any) -> None:
    """An absence or a concern is an engagement event once; a line corrected since takes its
    event back if no one has read it."""
    key = f"{session.id}:{placement.id}"
    for kind, happened, prefix in (
        (EngagementKind.MISSED_SESSION, given.mark is Attendance.ABSENT, "missed"),
        (EngagementKind.CONCERN_RAISED, given.concern_raised, "concern"),
    ):
        if happened:
            engagement.note(placement, kind, f"{prefix}:{key}", now, session.held_on)
        else:
            engagement.withdraw(f"{prefix}:{key}")


def _hers(user: Any) -> Any:
    """Group sessions, and one-to-one work with a man whose placement she may see."""
    return sa.or_(
        ProgrammeSession.placement_id.is_(None),
        ProgrammeSession.placement_id.in_(
            queries.placements_of(user).with_only_columns(Placement.id)
        ),
    )


def sessions_of(user: Any, programme: Programme, limit: int = 50) -> list[ProgrammeSession]:
    """The programme's sessions she may open, the latest first."""
    return list(
        db.session.scalars(
            sa.select(ProgrammeSession)
            .where(ProgrammeSession.programme_id == programme.id, _hers(user))
            .order_by(ProgrammeSession.held_on.desc(), ProgrammeSession.created_at.desc())
            .limit(limit)
        )
    )


def attendance_of(placement: Placement) -> list[SessionAttendance]:
    """His lines on registers, the latest session first."""
    return list(
        db.session.scalars(
            sa.select(SessionAttendance)
            .join(SessionAttendance.session)
            .where(SessionAttendance.placement_id == placement.id)
            .order_by(ProgrammeSession.held_on.desc())
        )
    )


def registers_due(user: Any) -> int:
    """Registers of her programmes' sessions held by today that she can take and has not: not an
    empty one (no one attending that day, or one-to-one work with a man whose placement had
    ended), nor one withheld from her."""
    waiting = db.session.scalars(
        sa.select(ProgrammeSession).where(
            ProgrammeSession.programme_id.in_(
                queries.programmes_of(user).with_only_columns(Programme.id)
            ),
            _hers(user),
            ProgrammeSession.held_on <= uk_today(),
            ProgrammeSession.register_saved_at.is_(None),
        )
    )
    due = 0
    for session in waiting:
        lines = _lines(session)
        if lines and not _withheld_from(user, lines):
            due += 1
    return due
