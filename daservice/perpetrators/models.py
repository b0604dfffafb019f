"""Perpetrator programmes and the placements on them.

A programme is run by a provider agency (probation, a commissioned charity) and may be the
destination of a directory service, so routes the referral route makes to that service become
placements on it. A placement is one perpetrator's way through one programme: referred, contacted,
assessed, waiting, attending, and one ending. Every change of stage is kept (``PlacementChange``).

What is protected here: who the perpetrator is (his ``Person``, in ``people``), and the words
workers write about him (the detail of a stage change). The stage, the source, coded reasons and
dates are plain: the measures count them in SQL (DESIGN.md §3).
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
from ..people.models import Person
from ..security.fields import Encrypted


class ProgrammeKind(enum.StrEnum):
    GROUP = "group"
    ONE_TO_ONE = "one_to_one"
    CASE_MANAGEMENT = "case_management"

    @property
    def label(self) -> str:
        return {
            ProgrammeKind.GROUP: "Group programme",
            ProgrammeKind.ONE_TO_ONE: "One-to-one programme",
            ProgrammeKind.CASE_MANAGEMENT: "Case management (Drive-style)",
        }[self]


class ProgrammeStatus(enum.StrEnum):
    OPEN = "open"  # taking referrals
    PAUSED = "paused"  # placements carry on; no new ones
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"open": "Open", "paused": "Paused", "closed": "Closed"}[self.value]


class Programme(db.Model, UUIDModel):  # type: ignore[name-defined]
    __tablename__ = "programmes"

    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    # The directory service whose routes arrive here (None: placements are made directly).
    service_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("services.id"), unique=True)
    kind: Mapped[ProgrammeKind] = mapped_column(str_enum(ProgrammeKind))
    accredited: Mapped[bool] = mapped_column(default=False)
    # How many may attend at once; the rest wait.
    capacity: Mapped[int]
    # Who the programme is for, as published (no one's personal data).
    eligibility: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ProgrammeStatus] = mapped_column(
        str_enum(ProgrammeStatus), default=ProgrammeStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Programme {self.id}>"


class Source(enum.StrEnum):
    """Where a placement came from (a measure counts placements by it)."""

    REFERRAL_ROUTE = "referral_route"
    PROBATION = "probation"
    CHILDRENS_SERVICES = "childrens_services"
    FAMILY_COURT = "family_court"  # including Cafcass
    OTHER_AGENCY = "other_agency"
    SELF_REFERRAL = "self_referral"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    Source.REFERRAL_ROUTE: "A referral to this partnership",
    Source.PROBATION: "Probation",
    Source.CHILDRENS_SERVICES: "Children's services",
    Source.FAMILY_COURT: "Family court or Cafcass",
    Source.OTHER_AGENCY: "Another agency",
    Source.SELF_REFERRAL: "Self-referral",
}


class Stage(enum.StrEnum):
    REFERRED = "referred"
    CONTACTED = "contacted"
    ASSESSED = "assessed"  # suitable: see Placement.suitable
    NOT_SUITABLE = "not_suitable"  # assessed, and not suitable: an ending
    WAITING_LIST = "waiting_list"
    ATTENDING = "attending"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    DROPPED_OUT = "dropped_out"
    EXCLUDED = "excluded"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def ended(self) -> bool:
        return not TRANSITIONS[self]


STAGE_LABELS = {
    Stage.REFERRED: "Referred",
    Stage.CONTACTED: "Contacted",
    Stage.ASSESSED: "Assessed as suitable",
    Stage.NOT_SUITABLE: "Assessed as not suitable",
    Stage.WAITING_LIST: "On the waiting list",
    Stage.ATTENDING: "Attending",
    Stage.SUSPENDED: "Suspended",
    Stage.COMPLETED: "Completed",
    Stage.DROPPED_OUT: "Dropped out",
    Stage.EXCLUDED: "Excluded",
}

# The pipeline: where each stage may go next. A stage with nowhere to go is an ending.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.REFERRED: frozenset({Stage.CONTACTED, Stage.DROPPED_OUT}),
    Stage.CONTACTED: frozenset({Stage.ASSESSED, Stage.NOT_SUITABLE, Stage.DROPPED_OUT}),
    Stage.ASSESSED: frozenset({Stage.WAITING_LIST, Stage.ATTENDING, Stage.DROPPED_OUT}),
    Stage.WAITING_LIST: frozenset({Stage.ATTENDING, Stage.DROPPED_OUT}),
    Stage.ATTENDING: frozenset(
        {Stage.COMPLETED, Stage.DROPPED_OUT, Stage.EXCLUDED, Stage.SUSPENDED}
    ),
    Stage.SUSPENDED: frozenset({Stage.ATTENDING, Stage.DROPPED_OUT, Stage.EXCLUDED}),
    Stage.NOT_SUITABLE: frozenset(),
    Stage.COMPLETED: frozenset(),
    Stage.DROPPED_OUT: frozenset(),
    Stage.EXCLUDED: frozenset(),
}

# Stages a placement holds a place on the programme in (counted against its capacity).
HOLDS_A_PLACE = frozenset({Stage.ATTENDING, Stage.SUSPENDED})


class Reason(enum.StrEnum):
    """Coded reasons, counted by the measures; what a worker adds in words is protected."""

    # Not suitable
    DENIES_ABUSE = "denies_abuse"
    RISK_TOO_HIGH = "risk_too_high"
    NEEDS_NOT_MET = "needs_not_met"  # mental health, substance use, language the programme lacks
    NOT_ELIGIBLE = "not_eligible"
    # Dropping out
    DISENGAGED = "disengaged"
    MOVED_AWAY = "moved_away"
    IN_CUSTODY = "in_custody"
    HEALTH = "health"
    # Exclusion
    FURTHER_ABUSE = "further_abuse"
    BROKE_AGREEMENT = "broke_agreement"
    # Suspension
    AWAITING_COURT = "awaiting_court"
    RISK_REVIEW = "risk_review"
    OTHER = "other"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    Reason.DENIES_ABUSE: "Denies the abuse",
    Reason.RISK_TOO_HIGH: "Risk too high for the programme",
    Reason.NEEDS_NOT_MET: "Needs the programme cannot meet",
    Reason.NOT_ELIGIBLE: "Does not meet the eligibility criteria",
    Reason.DISENGAGED: "Stopped engaging",
    Reason.MOVED_AWAY: "Moved away",
    Reason.IN_CUSTODY: "In custody",
    Reason.HEALTH: "Ill health",
    Reason.FURTHER_ABUSE: "Further abuse",
    Reason.BROKE_AGREEMENT: "Broke the participation agreement",
    Reason.AWAITING_COURT: "Awaiting a court outcome",
    Reason.RISK_REVIEW: "Under risk review",
    Reason.OTHER: "Another reason",
}

# The stages a reason must be given for, and the reasons each offers.
REASONS: dict[Stage, tuple[Reason, ...]] = {
    Stage.NOT_SUITABLE: (
        Reason.DENIES_ABUSE,
        Reason.RISK_TOO_HIGH,
        Reason.NEEDS_NOT_MET,
        Reason.NOT_ELIGIBLE,
        Reason.OTHER,
    ),
    Stage.DROPPED_OUT: (
        Reason.DISENGAGED,
        Reason.MOVED_AWAY,
        Reason.IN_CUSTODY,
        Reason.HEALTH,
        Reason.OTHER,
    ),
    Stage.EXCLUDED: (Reason.FURTHER_ABUSE, Reason.BROKE_AGREEMENT, Reason.OTHER),
    Stage.SUSPENDED: (Reason.AWAITING_COURT, Reason.RISK_REVIEW, Reason.HEALTH, Reason.OTHER),
}


class Placement(db.Model, UUIDModel):  # type: ignore[name-defined]
    __tablename__ = "placements"
    __table_args__ = (sa.Index("ix_placements_programme_stage", "programme_id", "stage"),)

    programme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("programmes.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id"), index=True)
    source: Mapped[Source] = mapped_column(str_enum(Source))
    # The referral and route it came from (a route makes at most one placement).
    referral_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("referrals.id"), index=True)
    route_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("routes.id"), unique=True)
    stage: Mapped[Stage] = mapped_column(str_enum(Stage), default=Stage.REFERRED)
    reason: Mapped[Reason | None] = mapped_column(str_enum(Reason))  # the present stage's
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    # The partner system that sent it (POST /api/v1/placements), which may read its stage back.
    api_client_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("api_clients.id"), index=True
    )
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]  # first attended
    ended_at: Mapped[datetime | None]
    # Each change of the row is conditional on the version it was read at, so of two moves made
    # at once from the same stage one is refused (StaleDataError in placements.move).
    version: Mapped[int] = mapped_column(default=1)

    programme: Mapped[Programme] = relationship(lazy="joined")
    person: Mapped[Person] = relationship()
    __mapper_args__ = {"version_id_col": version}
    changes: Mapped[list[PlacementChange]] = relationship(
        back_populates="placement",
        order_by="PlacementChange.at",
        cascade="all, delete-orphan",
    )
    risk_reviews: Mapped[list[RiskReview]] = relationship(
        order_by="(RiskReview.reviewed_on, RiskReview.created_at)",
        cascade="all, delete-orphan",
    )
    disruptions: Mapped[list[DisruptionAction]] = relationship(
        order_by="(DisruptionAction.taken_on, DisruptionAction.created_at)",
        cascade="all, delete-orphan",
    )

    def move_to(self, stage: Stage, now: datetime) -> Stage:
        """Change stage, refusing a move the pipeline does not allow; returns the old one."""
        old = self.stage
        if stage not in TRANSITIONS[old]:
            if old.ended:
                raise InvalidTransition(f"This placement has ended ({old.label.lower()})")
            raise InvalidTransition(
                f"A placement that is {old.label.lower()} cannot become {stage.label.lower()}"
            )
        self.stage = stage
        self.stage_changed_at = now
        if stage is Stage.ATTENDING and self.started_at is None:
            self.started_at = now
        if stage.ended:
            self.ended_at = now
        return old

    def __repr__(self) -> str:
        return f"<Placement {self.id} {self.stage}>"


class PlacementChange(db.Model, UUIDModel):  # type: ignore[name-defined]
    """Every change of a placement's stage: when, by whom, why (history, never overwritten)."""

    __tablename__ = "placement_changes"

    placement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[Stage | None] = mapped_column(str_enum(Stage))  # None: made
    to_stage: Mapped[Stage] = mapped_column(str_enum(Stage))
    reason: Mapped[Reason | None] = mapped_column(str_enum(Reason))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    # What the worker wrote about it: may say anything about him, or her.
    detail = Encrypted()

    placement: Mapped[Placement] = relationship(back_populates="changes")
    by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<PlacementChange {self.id} {self.to_stage}>"


class RiskTool(enum.StrEnum):
    DASH = "dash"
    SARA = "sara"  # Spousal Assault Risk Assessment
    OASYS = "oasys"  # probation's Offender Assessment System
    DRIVE = "drive"  # Drive's own risk and needs assessment
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            RiskTool.DASH: "DASH",
            RiskTool.SARA: "SARA (Spousal Assault Risk Assessment)",
            RiskTool.OASYS: "OASys",
            RiskTool.DRIVE: "Drive risk and needs assessment",
            RiskTool.OTHER: "Another tool",
        }[self]


class RiskLevel(enum.StrEnum):
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)


class RiskReview(db.Model, UUIDModel):  # type: ignore[name-defined]
    """A review of the risk he poses, on a day; a level above the last review's is a rise (an
    engagement event his victim's worker is told of)."""

    __tablename__ = "placement_risk_reviews"

    placement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    tool: Mapped[RiskTool] = mapped_column(str_enum(RiskTool))
    level: Mapped[RiskLevel] = mapped_column(str_enum(RiskLevel))
    reviewed_on: Mapped[date]
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    rose: Mapped[bool] = mapped_column(default=False)  # above the review before it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Why the level is what it is: may say anything about him, or her.
    reason = Encrypted()

    reviewer: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<RiskReview {self.id} {self.level}>"


class DisruptionKind(enum.StrEnum):
    """What a partner agency did about a man who will not engage (Drive's disruption work)."""

    POLICE_ACTION = "police_action"  # arrest, charge, a warning, a Domestic Abuse Protection Notice
    CIVIL_ORDER = "civil_order"  # a non-molestation, occupation or protection order
    PROBATION_ENFORCEMENT = "probation_enforcement"  # a breach or a recall
    HOUSING_ACTION = "housing_action"  # tenancy enforcement, a move
    CHILDRENS_SERVICES = "childrens_services"  # a child protection plan or conference
    INFORMATION_SHARED = "information_shared"  # with a partner under a sharing agreement
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            DisruptionKind.POLICE_ACTION: "Police action",
            DisruptionKind.CIVIL_ORDER: "A civil order",
            DisruptionKind.PROBATION_ENFORCEMENT: "Probation enforcement",
            DisruptionKind.HOUSING_ACTION: "Housing action",
            DisruptionKind.CHILDRENS_SERVICES: "Children's services action",
            DisruptionKind.INFORMATION_SHARED: "Information shared with a partner",
            DisruptionKind.OTHER: "Another action",
        }[self]


class DisruptionAction(db.Model, UUIDModel):  # type: ignore[name-defined]
    """An action a partner agency took to disrupt a man who will not engage: which agency, what,
    when, and what came of it (the outcome, in words, is protected)."""

    __tablename__ = "placement_disruptions"

    placement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("agencies.id"))
    kind: Mapped[DisruptionKind] = mapped_column(str_enum(DisruptionKind))
    taken_on: Mapped[date]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome = Encrypted()

    agency: Mapped[Agency] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<DisruptionAction {self.id} {self.kind}>"


class SessionKind(enum.StrEnum):
    GROUP = "group"
    ONE_TO_ONE = "one_to_one"

    @property
    def label(self) -> str:
        return {SessionKind.GROUP: "Group session", SessionKind.ONE_TO_ONE: "One-to-one"}[self]


class ProgrammeSession(db.Model, UUIDModel):  # type: ignore[name-defined]
    """A group session of a programme, or one-to-one work with one man, and its register."""

    __tablename__ = "programme_sessions"
    __table_args__ = (sa.Index("ix_programme_sessions_programme_day", "programme_id", "held_on"),)

    programme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("programmes.id"))
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind))
    # One-to-one work is with one placement; a group session's register is everyone attending.
    placement_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date]
    # What the session covered, from the programme's curriculum (published, about no one).
    topic: Mapped[str] = mapped_column(sa.String(200))
    facilitator_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    register_saved_at: Mapped[datetime | None]
    # The facilitators' notes of the session: may say anything about the men, or their partners.
    notes = Encrypted()

    programme: Mapped[Programme] = relationship(lazy="joined")
    placement: Mapped[Placement | None] = relationship()
    facilitator: Mapped[User | None] = relationship(foreign_keys=[facilitator_id])
    attendance: Mapped[list[SessionAttendance]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<ProgrammeSession {self.id} {self.held_on}>"


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    LATE = "late"
    ABSENT = "absent"  # a missed session: an engagement event
    EXCUSED = "excused"  # absent with a reason the programme accepted

    @property
    def label(self) -> str:
        return {
            Attendance.ATTENDED: "Attended",
            Attendance.LATE: "Late",
            Attendance.ABSENT: "Absent",
            Attendance.EXCUSED: "Absent with a reason (excused)",
        }[self]


class SessionAttendance(db.Model, UUIDModel):  # type: ignore[name-defined]
    """One man's line on a session's register; saved again, the line is changed, never doubled."""

    __tablename__ = "programme_attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "placement_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("programme_sessions.id", ondelete="CASCADE")
    )
    placement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    mark: Mapped[Attendance] = mapped_column(str_enum(Attendance))
    concern_raised: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    # What the concern was, in the facilitator's words.
    concern = Encrypted()

    session: Mapped[ProgrammeSession] = relationship(back_populates="attendance")
    placement: Mapped[Placement] = relationship()

    def __repr__(self) -> str:
        return f"<SessionAttendance {self.id} {self.mark}>"


class EngagementKind(enum.StrEnum):
    """What his victim's worker is told of his engagement (never why, never the notes)."""

    STARTED = "started"
    RESUMED = "resumed"
    MISSED_SESSION = "missed_session"
    CONCERN_RAISED = "concern_raised"
    RISK_INCREASED = "risk_increased"
    SUSPENDED = "suspended"
    NOT_SUITABLE = "not_suitable"
    DROPPED_OUT = "dropped_out"
    EXCLUDED = "excluded"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return ENGAGEMENT_LABELS[self]


ENGAGEMENT_LABELS = {
    EngagementKind.STARTED: "Started the programme",
    EngagementKind.RESUMED: "Back on the programme after a suspension",
    EngagementKind.MISSED_SESSION: "Missed a session",
    EngagementKind.CONCERN_RAISED: "A concern was raised in a session",
    EngagementKind.RISK_INCREASED: "His risk has increased",
    EngagementKind.SUSPENDED: "Suspended from the programme",
    EngagementKind.NOT_SUITABLE: "Assessed as not suitable for the programme",
    EngagementKind.DROPPED_OUT: "Dropped out of the programme",
    EngagementKind.EXCLUDED: "Excluded from the programme",
    EngagementKind.COMPLETED: "Completed the programme",
}

# The stage changes his victim's worker is told of.
STAGE_EVENTS = {
    Stage.ATTENDING: EngagementKind.STARTED,  # the first time; RESUMED after a suspension
    Stage.SUSPENDED: EngagementKind.SUSPENDED,
    Stage.NOT_SUITABLE: EngagementKind.NOT_SUITABLE,
    Stage.DROPPED_OUT: EngagementKind.DROPPED_OUT,
    Stage.EXCLUDED: EngagementKind.EXCLUDED,
    Stage.COMPLETED: EngagementKind.COMPLETED,
}


class EngagementEvent(db.Model, UUIDModel):  # type: ignore[name-defined]
    """An engagement event of a placement: kept for every placement, and shown to the partner-
    support worker of the victim whose referral it came from (``referral_id``). Plain: the kind
    and the day are all she is told; what caused it stays on the programme's side."""

    __tablename__ = "engagement_events"

    placement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    referral_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("referrals.id"), index=True)
    kind: Mapped[EngagementKind] = mapped_column(str_enum(EngagementKind))
    happened_on: Mapped[date]  # the UK day: of the session, the review, the stage change
    at: Mapped[datetime] = mapped_column(default=utcnow)  # when it was recorded
    # What made it ("missed:<session>:<placement>"), so a register or form saved twice makes one
    # event, not two.
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)

    def __repr__(self) -> str:
        return f"<EngagementEvent {self.id} {self.kind}>"


class EngagementRead(db.Model):  # type: ignore[name-defined]
    """Who has read an engagement event: each of her workers has her own "new" (a worker at one
    of her services marking it read must not hide it from her worker at another)."""

    __tablename__ = "engagement_reads"

    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagement_events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class Goals(enum.StrEnum):
    """At exit: how far he met the goals of his programme (the worker's judgement, counted)."""

    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"
    NOT_ASSESSED = "not_assessed"

    @property
    def label(self) -> str:
        return {
            Goals.MET: "Met the programme's goals",
            Goals.PARTLY_MET: "Met some of the programme's goals",
            Goals.NOT_MET: "Did not meet the programme's goals",
            Goals.NOT_ASSESSED: "Could not be assessed",
        }[self]


# When a placement's reviews fall due, in months after it ended: the exit review, then the
# follow-ups the Drive and Home Office standards measure reoffending at.
FOLLOW_UP_MONTHS = (0, 6, 12)


class FollowUp(db.Model, UUIDModel):  # type: ignore[name-defined]
    """The exit review (``months`` 0) and the follow-ups at 6 and 12 months of a placement that
    started and ended. Made when it ends, due on a UK day; ``flask jobs run`` reminds the
    programme's workers of one due. At a follow-up the worker records the further incidents
    reported, and the new referrals naming him since he left are counted from the person index
    (plain columns: nothing is decrypted)."""

    __tablename__ = "placement_follow_ups"
    __table_args__ = (
        sa.UniqueConstraint("placement_id", "months"),
        sa.Index("ix_placement_follow_ups_due", "due_on", "recorded_at"),
    )

    placement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("placements.id", ondelete="CASCADE")
    )
    months: Mapped[int]
    due_on: Mapped[date]
    reminded_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime | None]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    goals: Mapped[Goals | None] = mapped_column(str_enum(Goals))  # the exit review's
    further_incidents: Mapped[int | None]  # reported to the programme since he left
    new_referrals: Mapped[int | None]  # to this partnership, naming him, since he left
    new_marac_referrals: Mapped[int | None]  # of those, routed to Marac
    notes = Encrypted()

    placement: Mapped[Placement] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        return "Exit review" if self.months == 0 else f"{self.months}-month follow-up"

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} {self.months}>"
