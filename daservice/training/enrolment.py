"""Enrolment: a coordinator or an agency training lead books a trainee on a run; a frontline
worker asks for a place and her lead approves or declines; anyone may cancel a place, which
promotes the first person on the waiting list in the same transaction (``places``). Every change
of status goes through ``lifecycle.change_status``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..extensions import db, utcnow
from ..security.permissions import Permission, require
from ..uk_time import uk_today
from . import lifecycle, places, queries
from .models import (
    HOLDS_PLACE,
    CourseRun,
    Enrolment,
    EnrolmentChange,
    EnrolmentStatus,
    RunStatus,
    Trainee,
)
from .run_messages import (
    BOOKED,
    CANCELLED,
    PROMOTED,
    REQUEST_APPROVED,
    REQUEST_DECLINED,
    WAITLISTED,
    tell,
    tell_leads,
)
from .runs import Refused, unit_of_work

S = EnrolmentStatus


# --- Booking by a coordinator or a training lead -----------------------------------------------


@dataclass(frozen=True)
class Outcome:
    enrolment: Enrolment
    booked: bool
    position: int | None = None  # on the waiting list

    def message(self) -> str:
        name = self.enrolment.trainee.name
        if self.booked:
            return f"{name} is booked on this run"
        return f"The run is full. {name} is number {self.position} on the waiting list"


def enrol(user: User, run_id: uuid.UUID, trainee_id: uuid.UUID) -> Outcome:
    """Book a trainee on a run, or put her on its waiting list if it is full. A coordinator may
    enrol anyone; a training lead her own agency's staff (anyone else's is a 404). Commits."""
    require(user, Permission.LEAD_TRAINING)
    run = _bookable_run(user, run_id)
    trainee = queries.get_trainee_or_404(user, trainee_id)
    if trainee.agency_id not in (queries.agency_ids_in_scope(user) or [trainee.agency_id]):
        abort(404)
    return _enrol(user, run, trainee)


def _enrol(user: User, run: CourseRun, trainee: Trainee) -> Outcome:
    existing = db.session.scalar(
        sa.select(Enrolment).where(Enrolment.run_id == run.id, Enrolment.trainee_id == trainee.id)
    )
    if existing is not None and existing.status is not S.CANCELLED:
        raise Refused(f"{trainee.name} is already on this run ({_words(existing.status)})")
    with unit_of_work():
        if existing is None:
            enrolment = Enrolment(
                id=uuid.uuid4(),
                run=run,
                trainee=trainee,
                agency_id=trainee.agency_id,
            )
            booked = places.take_place(run.id)
            enrolment.status = S.BOOKED if booked else S.WAITLISTED
            now = utcnow()
            enrolment.status_changed_at = now
            enrolment.waitlisted_at = None if booked else now
            db.session.add(enrolment)
            try:
                db.session.flush()
            except IntegrityError:  # the same person enrolled by someone else just now
                raise Refused(f"{trainee.name} is already on this run") from None
            lifecycle.record_change(enrolment, None, actor=user)
            places.refresh(run)
        else:
            enrolment = existing
            booked = places.book_or_waitlist(enrolment, actor=user, reason="Enrolled again")
        outcome = _told(enrolment, booked)
    return outcome


def _told(enrolment: Enrolment, booked: bool) -> Outcome:
    if booked:
        tell(enrolment, BOOKED)
        return Outcome(enrolment, True)
    position = places.waitlist_position(enrolment)
    tell(enrolment, WAITLISTED, position=str(position))
    return Outcome(enrolment, False, position)


def _bookable_run(user: User, run_id: uuid.UUID) -> CourseRun:
    run = queries.get_run_or_404(user, run_id)
    if run.status is RunStatus.CANCELLED:
        raise Refused("This run has been cancelled: no one can be booked on it")
    if run.status is RunStatus.FINISHED or run.starts_on < uk_today():
        raise Refused("This run has already started: no one can be booked on it now")
    return run


def _words(status: EnrolmentStatus) -> str:
    from .models import STATUS_WORDS

    return STATUS_WORDS[status].lower()


# --- Requests by frontline workers and their approval ------------------------------------------


def own_trainee(user: User) -> Trainee | None:
    """Her trainee record: the one linked to her account, or else the one with her work email in
    her agency."""
    return db.session.scalar(
        sa.select(Trainee)
        .where(
            sa.or_(
                Trainee.user_id == user.id,
                sa.and_(
                    Trainee.work_email == user.email.lower(),
                    Trainee.agency_id == user.agency_id,
                    Trainee.user_id.is_(None),
                ),
            )
        )
        .order_by(Trainee.user_id.is_(None))
        .limit(1)
    )


def _own_trainee_made(user: User) -> Trainee:
    trainee = own_trainee(user)
    if trainee is None:
        taken = db.session.scalar(
            sa.select(Trainee.id).where(Trainee.work_email == user.email.lower())
        )
        if taken is not None:
            raise Refused(
                "Your work email is on another agency's staff list. Ask your training lead to "
                "correct it"
            )
        trainee = Trainee(
            id=uuid.uuid4(),
            agency_id=user.agency_id,
            name=user.display_name,
            work_email=user.email.lower(),
        )
        db.session.add(trainee)
    trainee.user_id = user.id
    return trainee


def request_place(user: User, run_id: uuid.UUID) -> Enrolment:
    """A frontline worker asks for a place; her agency's training leads are told. Commits."""
    require(user, Permission.REQUEST_TRAINING)
    run = _bookable_run(user, run_id)
    with unit_of_work():
        trainee = _own_trainee_made(user)
        existing = db.session.scalar(
            sa.select(Enrolment).where(
                Enrolment.run_id == run.id, Enrolment.trainee_id == trainee.id
            )
        )
        if existing is not None and existing.status is not S.CANCELLED:
            raise Refused(f"You are already on this run ({_words(existing.status)})")
        if existing is None:
            enrolment = Enrolment(
                id=uuid.uuid4(),
                run=run,
                trainee=trainee,
                agency_id=trainee.agency_id,
                requested_by_id=user.id,
                status=S.REQUESTED,
                status_changed_at=utcnow(),
            )
            db.session.add(enrolment)
            try:
                db.session.flush()
            except IntegrityError:
                raise Refused("You are already on this run") from None
            lifecycle.record_change(enrolment, None, actor=user)
        else:
            # Asked again after a cancellation: the lifecycle has no way back to "requested", so
            # she is refused rather than booked without her lead's say.
            raise Refused(
                "Your earlier place on this run was cancelled. Ask your training lead to book you"
            )
        tell_leads(enrolment)
    return enrolment


def requests_to_approve(user: User) -> list[Enrolment]:
    """Requests waiting for this user's decision, the oldest first (her agency's; a
    coordinator's: all)."""
    require(user, Permission.LEAD_TRAINING)
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(
                Enrolment.status == S.REQUESTED,
                queries.agency_condition(user, Enrolment.agency_id),
            )
            .order_by(Enrolment.created_at)
        )
    )


def requests_waiting(user: User) -> int:
    """How many requests wait for this user (0 for someone who approves none): for the home page."""
    if queries.agency_ids_in_scope(user) == []:
        return 0
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(
                Enrolment.status == S.REQUESTED,
                queries.agency_condition(user, Enrolment.agency_id),
            )
        )
        or 0
    )


def _scoped(user: User, enrolment_id: uuid.UUID) -> Enrolment:
    """An enrolment of this user's agency (a coordinator: any); her own does not count."""
    enrolment = queries.get_enrolment_or_404(user, enrolment_id)
    agencies = queries.agency_ids_in_scope(user)
    if agencies is not None and enrolment.agency_id not in agencies:
        abort(404)
    return enrolment


def approve(user: User, enrolment_id: uuid.UUID) -> Outcome:
    """Approve a request: she is booked, or waitlisted if the run is full, and told. Commits."""
    require(user, Permission.LEAD_TRAINING)
    enrolment = _scoped(user, enrolment_id)
    if enrolment.status is not S.REQUESTED:
        raise Refused(f"This request has already been decided ({_words(enrolment.status)})")
    _bookable_run(user, enrolment.run_id)
    with unit_of_work():
        booked = places.book_or_waitlist(enrolment, actor=user, reason="Request approved")
        outcome = Outcome(
            enrolment, booked, None if booked else places.waitlist_position(enrolment)
        )
        tell(
            enrolment,
            REQUEST_APPROVED,
            outcome="You have a place on it."
            if booked
            else f"The course is full: you are number {outcome.position} on the waiting list.",
        )
    return outcome


def decline(user: User, enrolment_id: uuid.UUID, reason: str) -> Enrolment:
    """Decline a request with a reason (she sees it on her training page). Commits."""
    require(user, Permission.LEAD_TRAINING)
    enrolment = _scoped(user, enrolment_id)
    if enrolment.status is not S.REQUESTED:
        raise Refused(f"This request has already been decided ({_words(enrolment.status)})")
    with unit_of_work():
        lifecycle.change_status(enrolment, S.CANCELLED, actor=user, reason=reason)
        tell(enrolment, REQUEST_DECLINED)
    return enrolment


# --- Cancelling a place ------------------------------------------------------------------------


def cancel(user: User, enrolment_id: uuid.UUID, reason: str = "") -> list[Enrolment]:
    """Cancel an enrolment (her own, or one of the agencies the user manages). A booked place
    freed goes to the first person on the waiting list, in the same transaction. Returns who
    was promoted. Commits."""
    require(user, Permission.REQUEST_TRAINING)
    enrolment = queries.get_enrolment_or_404(user, enrolment_id)
    held = enrolment.status in HOLDS_PLACE
    with unit_of_work():
        lifecycle.change_status(enrolment, S.CANCELLED, actor=user, reason=reason)
        tell(enrolment, CANCELLED)
        promoted: list[Enrolment] = []
        if held:
            places.free_place(enrolment.run_id)
            db.session.flush()
            promoted = places.promote_waiting(enrolment.run)
    return promoted


def book_from_waitlist(user: User, enrolment_id: uuid.UUID) -> Enrolment:
    """A coordinator books someone on the waiting list herself (out of turn). Refused if the run
    is full: no run is ever overbooked. Commits."""
    require(user, Permission.RUN_TRAINING)
    enrolment = _scoped(user, enrolment_id)
    if enrolment.status is not S.WAITLISTED:
        raise Refused(f"{enrolment.trainee.name} is not on the waiting list")
    _bookable_run(user, enrolment.run_id)
    with unit_of_work():
        if not places.take_place(enrolment.run_id):
            raise Refused("The run is full: there is no place to book")
        lifecycle.change_status(
            enrolment, S.BOOKED, actor=user, reason="Booked from the waiting list"
        )
        tell(enrolment, PROMOTED)
    return enrolment


# --- "Your training" ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MyEnrolment:
    enrolment: Enrolment
    reason: str  # why it was declined or cancelled, if anyone said
    position: int | None


def my_training(user: User) -> list[MyEnrolment]:
    """Her own enrolments, the latest run first, with the last reason given for each."""
    require(user, Permission.REQUEST_TRAINING)
    trainee = own_trainee(user)
    if trainee is None:
        return []
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .join(CourseRun, CourseRun.id == Enrolment.run_id)
        .where(Enrolment.trainee_id == trainee.id)
        .order_by(CourseRun.starts_on.desc())
    )
    found = []
    for enrolment in enrolments:
        reason = db.session.scalar(
            sa.select(EnrolmentChange.reason)
            .where(EnrolmentChange.enrolment_id == enrolment.id)
            .order_by(EnrolmentChange.id.desc())
            .limit(1)
        )
        position = places.waitlist_position(enrolment) if enrolment.status is S.WAITLISTED else None
        found.append(
            MyEnrolment(
                enrolment, (reason or "") if enrolment.status is S.CANCELLED else "", position
            )
        )
    return found


def my_run_ids(user: User) -> set[uuid.UUID]:
    """Runs she is already on (not cancelled), so the list of runs does not offer them again."""
    trainee = own_trainee(user)
    if trainee is None:
        return set()
    return set(
        db.session.scalars(
            sa.select(Enrolment.run_id).where(
                Enrolment.trainee_id == trainee.id, Enrolment.status != S.CANCELLED
            )
        )
    )


def staff_to_enrol(user: User, run_id: uuid.UUID) -> list[Trainee]:
    """Active staff this user may enrol who are not already on the run, by name."""
    require(user, Permission.LEAD_TRAINING)
    on_run = sa.select(Enrolment.trainee_id).where(
        Enrolment.run_id == run_id, Enrolment.status != S.CANCELLED
    )
    return list(
        db.session.scalars(
            sa.select(Trainee)
            .where(
                Trainee.active,
                queries.agency_condition(user, Trainee.agency_id),
                Trainee.id.not_in(on_run),
            )
            .order_by(Trainee.name)
        )
    )
