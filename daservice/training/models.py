"""The five-year training programme: plan, courses, targets, trainees, runs, sessions, enrolments,
registers, certificates, evaluations and the sites that become safe spaces.

Training data about staff is plain (DESIGN.md §3: needed for SQL reporting): names, agencies,
statuses and dates. What is protected here is what a trainee writes in an evaluation's free text,
and each certificate's code (kept so the certificate can be printed again; looked up by digest).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Agency, User
from ..exceptions import InvalidTransition
from ..extensions import UUIDModel, db, str_enum, utcnow
from ..security.fields import Encrypted


class Level(enum.StrEnum):
    """Course levels, lowest first: a practitioner course counts for a safe space, and so does a
    specialist one."""

    AWARENESS = "awareness"
    PRACTITIONER = "practitioner"
    SPECIALIST = "specialist"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


# --- The plan and its targets ------------------------------------------------------------------


class TrainingPlan(db.Model, UUIDModel):  # type: ignore[name-defined]
    """The partnership's training strategy: five plan years from ``starts_on``."""

    __tablename__ = "training_plans"

    name: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    years: Mapped[list[PlanYear]] = relationship(
        back_populates="plan", order_by="PlanYear.number", cascade="all, delete-orphan"
    )


class PlanYear(db.Model, UUIDModel):  # type: ignore[name-defined]
    __tablename__ = "training_plan_years"
    __table_args__ = (sa.UniqueConstraint("plan_id", "number"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("training_plans.id"), index=True)
    number: Mapped[int]  # 1 to 5
    starts_on: Mapped[date]
    ends_on: Mapped[date]  # the last day of the year, inclusive
    # How many safe spaces the borough should have by the end of the year (None: no target).
    safe_space_target: Mapped[int | None]

    plan: Mapped[TrainingPlan] = relationship(back_populates="years")

    @property
    def label(self) -> str:
        """``Year 3 (2024 to 2025)``."""
        return f"Year {self.number} ({self.starts_on.year} to {self.ends_on.year})"


class Course(db.Model, UUIDModel):  # type: ignore[name-defined]
    __tablename__ = "training_courses"

    title: Mapped[str] = mapped_column(sa.String(200), unique=True)
    level: Mapped[Level] = mapped_column(str_enum(Level), index=True)
    audience: Mapped[str] = mapped_column(sa.String(500), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    duration_minutes: Mapped[int]
    # None: the certificate never expires (and never needs a refresher).
    validity_months: Mapped[int | None]
    # How long before expiry the refresher window opens.
    refresher_window_days: Mapped[int] = mapped_column(default=90)
    # The completion rule.
    attendance_threshold_percent: Mapped[int] = mapped_column(default=100)
    requires_evaluation: Mapped[bool] = mapped_column(default=True)
    knowledge_check_pass_mark: Mapped[int | None]  # percent; None: no knowledge check
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Course {self.id}>"


class Target(db.Model, UUIDModel):  # type: ignore[name-defined]
    """How many of an agency's staff should complete a course (or any course of a level) in one
    plan year. Exactly one of ``course_id`` and ``level`` is set."""

    __tablename__ = "training_targets"
    __table_args__ = (
        sa.UniqueConstraint("plan_year_id", "agency_id", "course_id", "level"),
        sa.CheckConstraint("(course_id IS NULL) <> (level IS NULL)", name="course_or_level"),
        sa.CheckConstraint("target_count >= 0", name="target_not_negative"),
    )

    plan_year_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("training_plan_years.id"), index=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    course_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("training_courses.id"))
    level: Mapped[Level | None] = mapped_column(str_enum(Level))
    target_count: Mapped[int]

    plan_year: Mapped[PlanYear] = relationship()
    agency: Mapped[Agency] = relationship()
    course: Mapped[Course | None] = relationship()


# --- Sites and the staff who are trained -------------------------------------------------------


class SiteKind(enum.StrEnum):
    AGENCY_PREMISES = "agency_premises"
    GP_SURGERY = "gp_surgery"
    PHARMACY = "pharmacy"
    LIBRARY = "library"
    COMMUNITY_HUB = "community_hub"


class Site(db.Model, UUIDModel):  # type: ignore[name-defined]
    """A place people can walk into. It is a safe space while enough of its staff hold a valid
    practitioner-or-higher certificate (``safe_space_since`` is kept by the jobs)."""

    __tablename__ = "training_sites"

    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[SiteKind] = mapped_column(str_enum(SiteKind))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    area: Mapped[str] = mapped_column(sa.String(120), default="")  # a ward or town centre
    address: Mapped[str] = mapped_column(sa.String(500), default="")  # public premises
    opening_times: Mapped[str] = mapped_column(sa.String(500), default="")
    # The site agreed to be named on the public page while it is a safe space.
    listed: Mapped[bool] = mapped_column(default=True)
    safe_space_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency | None] = relationship()


class SafeSpaceChange(db.Model):  # type: ignore[name-defined]
    """A site became a safe space, or stopped being one (history for the dashboard)."""

    __tablename__ = "training_safe_space_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("training_sites.id"), index=True)
    gained: Mapped[bool]  # True: became a safe space; False: stopped being one
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Trainee(db.Model, UUIDModel):  # type: ignore[name-defined]
    """A member of a partner agency's staff who takes courses; not necessarily a user."""

    __tablename__ = "trainees"

    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    work_email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-cased
    team: Mapped[str] = mapped_column(sa.String(120), default="")
    job_role: Mapped[str] = mapped_column(sa.String(120), default="")
    site_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("training_sites.id"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id"), unique=True, index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
    site: Mapped[Site | None] = relationship()
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Trainee {self.id}>"


# --- Runs, sessions, enrolments, registers -----------------------------------------------------


class RunStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    FINISHED = "finished"  # every session has happened and its register is closed


class CourseRun(db.Model, UUIDModel):  # type: ignore[name-defined]
    """One cohort of a course, with its dated sessions and its places."""

    __tablename__ = "training_runs"
    __table_args__ = (
        sa.CheckConstraint("places_taken >= 0", name="places_not_negative"),
        sa.CheckConstraint("places_taken <= capacity", name="not_overbooked"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("training_courses.id"), index=True)
    trainer: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int]
    # Booked places, kept in step by one conditional UPDATE per booking so that two bookings racing
    # for the last place cannot both get it (see services).
    places_taken: Mapped[int] = mapped_column(default=0)
    status: Mapped[RunStatus] = mapped_column(
        str_enum(RunStatus), default=RunStatus.SCHEDULED, index=True
    )
    starts_on: Mapped[date] = mapped_column(index=True)  # the first session's day (kept in step)
    joining_instructions: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")
    sessions: Mapped[list[TrainingSession]] = relationship(
        back_populates="run", order_by="TrainingSession.starts_at", cascade="all, delete-orphan"
    )

    @property
    def places_free(self) -> int:
        return max(0, self.capacity - self.places_taken)

    def __repr__(self) -> str:
        return f"<CourseRun {self.id}>"


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class TrainingSession(db.Model, UUIDModel):  # type: ignore[name-defined]
    __tablename__ = "training_sessions"

    run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("training_runs.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    online: Mapped[bool] = mapped_column(default=False)
    venue: Mapped[str] = mapped_column(sa.String(300), default="")  # or "Microsoft Teams"
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus), default=SessionStatus.SCHEDULED
    )

    run: Mapped[CourseRun] = relationship(back_populates="sessions")

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class EnrolmentStatus(enum.StrEnum):
    """As Totara's face-to-face sign-ups (research/training-certificates-feedback.md)."""

    REQUESTED = "requested"  # asked for by the trainee; her agency's training lead decides
    APPROVED = "approved"  # agreed by the lead; a place is being found
    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    PARTIALLY_ATTENDED = "partially_attended"
    ATTENDED = "attended"
    COMPLETED = "completed"


S = EnrolmentStatus
# Statuses that hold one of the run's places.
HOLDS_PLACE = frozenset({S.BOOKED, S.NO_SHOW, S.PARTIALLY_ATTENDED, S.ATTENDED, S.COMPLETED})
# The registers decide between these three until the run's enrolments are completed.
ATTENDANCE_OUTCOMES = frozenset({S.NO_SHOW, S.PARTIALLY_ATTENDED, S.ATTENDED})
TRANSITIONS: dict[EnrolmentStatus, frozenset[EnrolmentStatus]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.BOOKED, S.WAITLISTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.BOOKED, S.WAITLISTED, S.CANCELLED}),
    S.WAITLISTED: frozenset({S.BOOKED, S.CANCELLED}),
    S.BOOKED: frozenset({S.CANCELLED} | ATTENDANCE_OUTCOMES),
    S.NO_SHOW: ATTENDANCE_OUTCOMES - {S.NO_SHOW} | {S.BOOKED},
    S.PARTIALLY_ATTENDED: ATTENDANCE_OUTCOMES - {S.PARTIALLY_ATTENDED} | {S.BOOKED, S.COMPLETED},
    S.ATTENDED: ATTENDANCE_OUTCOMES - {S.ATTENDED} | {S.BOOKED, S.COMPLETED},
    S.CANCELLED: frozenset({S.BOOKED, S.WAITLISTED}),  # enrolled again
    S.COMPLETED: frozenset(),  # a certificate is revoked, never the completion undone
}

STATUS_WORDS: dict[EnrolmentStatus, str] = {
    S.REQUESTED: "Requested",
    S.APPROVED: "Approved",
    S.BOOKED: "Booked",
    S.WAITLISTED: "On the waiting list",
    S.CANCELLED: "Cancelled",
    S.NO_SHOW: "Did not attend",
    S.PARTIALLY_ATTENDED: "Partly attended",
    S.ATTENDED: "Attended",
    S.COMPLETED: "Completed",
}


class Enrolment(db.Model, UUIDModel):  # type: ignore[name-defined]
    __tablename__ = "training_enrolments"
    __table_args__ = (
        # The same person twice in one run is refused by the database as well as the service.
        sa.UniqueConstraint("run_id", "trainee_id"),
        sa.Index("ix_training_enrolments_run_status", "run_id", "status"),
        sa.Index("ix_training_enrolments_agency_status", "agency_id", "status"),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("training_runs.id"))
    trainee_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("trainees.id"), index=True)
    # The trainee's agency when she enrolled: people move, and targets count for the agency
    # that trained them.
    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"))
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus))
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    waitlisted_at: Mapped[datetime | None]  # the waiting list is first come, first served
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    knowledge_check_score: Mapped[int | None]  # percent
    completed_on: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    run: Mapped[CourseRun] = relationship(lazy="joined")
    trainee: Mapped[Trainee] = relationship(lazy="joined")

    def move_to(self, status: EnrolmentStatus, now: datetime | None = None) -> EnrolmentStatus:
        """Change status, refusing a move the lifecycle does not allow; returns the old one."""
        old = self.status
        if status not in TRANSITIONS[old]:
            raise InvalidTransition(
                f"An enrolment that is {STATUS_WORDS[old].lower()} cannot become "
                f"{STATUS_WORDS[status].lower()}"
            )
        self.status = status
        self.status_changed_at = now or utcnow()
        return old

    def __repr__(self) -> str:
        return f"<Enrolment {self.id} {self.status}>"


class EnrolmentChange(db.Model):  # type: ignore[name-defined]
    """Every change of an enrolment's status: when, by whom, why (history, never overwritten)."""

    __tablename__ = "training_enrolment_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("training_enrolments.id"), index=True
    )
    from_status: Mapped[EnrolmentStatus | None] = mapped_column(str_enum(EnrolmentStatus))
    to_status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus))
    by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the system
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Mark(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"


class AttendanceMark(db.Model):  # type: ignore[name-defined]
    """One line of a session's register."""

    __tablename__ = "training_attendance"

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("training_sessions.id"), primary_key=True
    )
    enrolment_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("training_enrolments.id"), primary_key=True, index=True
    )
    mark: Mapped[Mark] = mapped_column(str_enum(Mark))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Certificates and refreshers ---------------------------------------------------------------


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Certificate(db.Model, UUIDModel):  # type: ignore[name-defined]
    """Issued once per completed enrolment. A refresher is a new enrolment and a new certificate;
    the old one keeps its dates (history is never overwritten). Reissuing (a corrected name)
    prints it again with the same code."""

    __tablename__ = "training_certificates"
    __table_args__ = (
        # The dashboard counts a plan year's certificates per agency and course or level from
        # this index alone (migration 0010; bench/training_dashboard.py).
        sa.Index(
            "ix_training_certificates_progress",
            "issued_on",
            "agency_id",
            "course_id",
            "level",
            "trainee_id",
            "revoked_at",
        ),
        # Whether a later certificate of the same course replaced this one (refresher reminders,
        # the reports' expiring certificates), from the index alone (migration 0012;
        # bench/reports.py).
        sa.Index(
            "ix_training_certificates_holder_course",
            "trainee_id",
            "course_id",
            "completed_on",
            "revoked_at",
        ),
    )

    enrolment_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("training_enrolments.id"), unique=True
    )
    trainee_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("trainees.id"), index=True)
    course_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("training_courses.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    # The code is found by its digest (security.tokens.CERTIFICATE_CODE); the code itself is kept
    # encrypted only so that the certificate can be printed again.
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code = Encrypted()
    holder_name: Mapped[str] = mapped_column(sa.String(120))  # as printed
    course_title: Mapped[str] = mapped_column(sa.String(200))  # as printed
    level: Mapped[Level] = mapped_column(str_enum(Level), index=True)
    completed_on: Mapped[date]
    issued_on: Mapped[date] = mapped_column(index=True)
    expires_on: Mapped[date | None] = mapped_column(index=True)
    reissued_on: Mapped[date | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(500))
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))

    trainee: Mapped[Trainee] = relationship(lazy="joined")

    def status_on(self, today: date) -> CertificateStatus:
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.expires_on is not None and self.expires_on < today:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    def __repr__(self) -> str:
        return f"<Certificate {self.id}>"


class RefresherStage(enum.StrEnum):
    WINDOW_OPENS = "window_opens"
    WINDOW_CLOSING = "window_closing"
    EXPIRED = "expired"


class RefresherReminder(db.Model):  # type: ignore[name-defined]
    """A refresher reminder sent for a certificate: one per stage, so the job sends each once."""

    __tablename__ = "training_refresher_reminders"

    certificate_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("training_certificates.id"), primary_key=True
    )
    stage: Mapped[RefresherStage] = mapped_column(str_enum(RefresherStage), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Evaluation (Kirkpatrick levels 1 to 3) ----------------------------------------------------


class EvaluationKind(enum.StrEnum):
    BEFORE = "before"  # confidence before the course
    AFTER = "after"  # the same confidence items, and reactions, at the end
    FOLLOW_UP = "follow_up"  # 8 weeks later: has she recognised or responded to abuse since?


class Evaluation(db.Model, UUIDModel):  # type: ignore[name-defined]
    """One questionnaire for one enrolment, answered through a single-use link (trainees need not
    sign in) or entered by the coordinator from paper."""

    __tablename__ = "training_evaluations"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "kind"),)

    enrolment_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("training_enrolments.id"))
    kind: Mapped[EvaluationKind] = mapped_column(str_enum(EvaluationKind))
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    invited_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    # Follow-up (Kirkpatrick level 3).
    recognised_abuse: Mapped[bool | None]
    responded_to_abuse: Mapped[bool | None]
    # Free text is protected: a trainee may describe a case.
    comments = Encrypted()

    enrolment: Mapped[Enrolment] = relationship()
    answers: Mapped[list[EvaluationAnswer]] = relationship(
        cascade="all, delete-orphan", back_populates="evaluation"
    )


class EvaluationAnswer(db.Model):  # type: ignore[name-defined]
    """One Likert answer (1 to 7) to one item of the question bank (``evaluation_items``)."""

    __tablename__ = "training_evaluation_answers"
    __table_args__ = (sa.CheckConstraint("score BETWEEN 1 AND 7", name="likert_1_to_7"),)

    evaluation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("training_evaluations.id", ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    score: Mapped[int]

    evaluation: Mapped[Evaluation] = relationship(back_populates="answers")
