"""The messages trainees and their training leads are sent about runs and places: fixed text
naming the course, its dates and the trainee's own name, nothing else about anyone (the sign-in
address is filled in at delivery)."""

from __future__ import annotations

from .. import notify
from ..uk_time import uk_date
from .audiences import REQUEST_APPROVERS
from .models import CourseRun, Enrolment, SessionStatus

BOOKED = "training.booked"
WAITLISTED = "training.waitlisted"
PROMOTED = "training.promoted"
CANCELLED = "training.cancelled"
RUN_CANCELLED = "training.run_cancelled"
REQUEST_WAITING = "training.request_waiting"
REQUEST_APPROVED = "training.request_approved"
REQUEST_DECLINED = "training.request_declined"

_SIGN_OFF = "\n\nSign in to see your training: {service_url}"
# Fixed text: the course, its dates and the trainee's own name; nothing else about anyone.
TEMPLATES: dict[str, tuple[str, str]] = {
    BOOKED: (
        "You have a place on {course}",
        "Dear {name},\n\nYou have a place on {course}, starting {dates}.",
    ),
    WAITLISTED: (
        "You are on the waiting list for {course}",
        "Dear {name},\n\n{course}, starting {dates}, is full. You are number {position} on the "
        "waiting list. We will email you if a place becomes free.",
    ),
    PROMOTED: (
        "A place has become free: you are booked on {course}",
        "Dear {name},\n\nA place on {course}, starting {dates}, has become free and you are now "
        "booked on it.",
    ),
    CANCELLED: (
        "Your place on {course} is cancelled",
        "Dear {name},\n\nYour place on {course}, starting {dates}, has been cancelled.",
    ),
    RUN_CANCELLED: (
        "{course} is cancelled",
        "Dear {name},\n\n{course}, starting {dates}, has been cancelled. Your place on it is "
        "cancelled too. Ask your training lead about another date.",
    ),
    REQUEST_WAITING: (
        "A request for training is waiting for you",
        "Someone in your agency has asked for a place on {course}, starting {dates}. Sign in to "
        "approve or decline it: {service_url}",
    ),
    REQUEST_APPROVED: (
        "Your request for {course} is approved",
        "Dear {name},\n\nYour request for a place on {course}, starting {dates}, is approved. "
        "{outcome}",
    ),
    REQUEST_DECLINED: (
        "Your request for {course} was not approved",
        "Dear {name},\n\nYour request for a place on {course}, starting {dates}, was not "
        "approved. Your training lead's reason is on your training page.",
    ),
}


def register_templates() -> None:
    for name, (subject, body) in TEMPLATES.items():
        notify.register_template(
            name, subject=subject, body=body if name == REQUEST_WAITING else body + _SIGN_OFF
        )


def dates_of(run: CourseRun) -> str:
    """``14 January 2027`` or ``14 January 2027 (3 sessions)``."""
    count = sum(1 for s in run.sessions if s.status is SessionStatus.SCHEDULED)
    day = uk_date(run.starts_on)
    return day if count <= 1 else f"{day} ({count} sessions)"


def tell(enrolment: Enrolment, template: str, **params: str) -> None:
    """Email the trainee about her enrolment, in the caller's transaction."""
    notify.enqueue(
        template,
        to=enrolment.trainee.work_email,
        params={
            "name": enrolment.trainee.name,
            "course": enrolment.run.course.title,
            "dates": dates_of(enrolment.run),
            **params,
        },
    )


def tell_leads(enrolment: Enrolment) -> None:
    notify.enqueue(
        REQUEST_WAITING,
        audience=(REQUEST_APPROVERS, str(enrolment.agency_id)),
        params={"course": enrolment.run.course.title, "dates": dates_of(enrolment.run)},
    )
