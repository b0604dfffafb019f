"""The demo programme: the demo partnership's programme service as a Drive-style programme, with
synthetic placements at several stages of the pipeline, group sessions with their registers, and
one placement made from a demo referral, so the demo IDVA has programme updates waiting (all made
and moved by the demo programme worker through the same use cases as the pages)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from ..accounts.models import Agency
from ..directory.models import Service
from ..extensions import db
from ..uk_time import uk_today
from . import sessions
from .disruption import DisruptionInput
from .disruption import record as record_disruption
from .models import (
    Attendance,
    DisruptionKind,
    EngagementEvent,
    FollowUp,
    Placement,
    Programme,
    ProgrammeKind,
    Reason,
    RiskLevel,
    RiskTool,
    SessionKind,
    Source,
    Stage,
)
from .placements import DirectPlacement, move, place_directly, take_released_routes
from .risk import ReviewInput, review

PROGRAMME_NAME = "Drive case management"

# (first, last, source, the stages he has been moved through, the reason for the last)
PLACEMENTS: list[tuple[str, str, Source, tuple[Stage, ...], Reason | None]] = [
    ("Daniel", "Demo-Harris", Source.PROBATION, (), None),
    ("Marcus", "Demo-Reid", Source.CHILDRENS_SERVICES, (Stage.CONTACTED,), None),
    (
        "Tomasz",
        "Demo-Nowak",
        Source.FAMILY_COURT,
        (Stage.CONTACTED, Stage.ASSESSED, Stage.WAITING_LIST),
        None,
    ),
    (
        "Ryan",
        "Demo-Clarke",
        Source.PROBATION,
        (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING),
        None,
    ),
    (
        "Imran",
        "Demo-Shah",
        Source.SELF_REFERRAL,
        (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING, Stage.COMPLETED),
        None,
    ),
    (
        "Lee",
        "Demo-Watts",
        Source.OTHER_AGENCY,
        (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING, Stage.DROPPED_OUT),
        Reason.DISENGAGED,
    ),
]


def load(service: Service, worker: Any, referrer: Any = None) -> bool:
    """The demo programme and its placements, once (False if they were there already)."""
    if db.session.scalar(sa.select(Programme).where(Programme.service_id == service.id)):
        return False
    programme = Programme(
        name=PROGRAMME_NAME,
        agency_id=service.agency_id,
        service_id=service.id,
        kind=ProgrammeKind.CASE_MANAGEMENT,
        accredited=True,
        capacity=12,
        eligibility="Adults causing high-risk harm to a partner or ex-partner, in the borough.",
    )
    db.session.add(programme)
    db.session.commit()
    for n, (first, last, source, stages, reason) in enumerate(PLACEMENTS):
        data = DirectPlacement(
            source=source, first_name=first, last_name=last, date_of_birth=date(1980 + n, 4, 9)
        )
        placement = place_directly(worker, programme, data)
        for i, stage in enumerate(stages):
            move(worker, placement, stage, reason=reason if i == len(stages) - 1 else None)
        if Stage.ATTENDING in stages:  # assessed at the start, and again since: one risen
            levels = (RiskLevel.MEDIUM, RiskLevel.HIGH if n == 3 else RiskLevel.STANDARD)
            for level, words in zip(levels, ("At assessment.", "Reviewed at week 6."), strict=True):
                review(worker, placement, ReviewInput(RiskTool.SARA, level, uk_today(), words))
        police = db.session.scalar(sa.select(Agency.id).where(Agency.code == "MPS"))
        if Stage.DROPPED_OUT in stages and police is not None:  # he stopped coming: police act
            action = DisruptionInput(
                police, DisruptionKind.POLICE_ACTION, uk_today(), "Warning given (synthetic)."
            )
            record_disruption(worker, placement, action)
    if referrer is not None:
        _linked_placement(referrer, worker)
    _sessions(worker, programme)
    return True


def _back_date(placement: Placement, weeks: int) -> None:
    """His whole story moved ``weeks`` into the past (the demo's placements are made and moved
    in one go, now): every date on it, its history, reviews, actions and follow-ups alike."""
    by = timedelta(weeks=weeks)
    for name in ("created_at", "stage_changed_at", "started_at", "ended_at"):
        if getattr(placement, name) is not None:
            setattr(placement, name, getattr(placement, name) - by)
    for change in placement.changes:
        change.at -= by
    for row in placement.risk_reviews:
        row.reviewed_on -= by
    for action in placement.disruptions:
        action.taken_on -= by
    for follow_up in db.session.scalars(
        sa.select(FollowUp).where(FollowUp.placement_id == placement.id)
    ):
        follow_up.due_on -= by
    for event in db.session.scalars(
        sa.select(EngagementEvent).where(EngagementEvent.placement_id == placement.id)
    ):
        event.at -= by
        event.happened_on -= by


def _linked_placement(referrer: Any, worker: Any) -> None:
    """A high-risk demo referral that asks for the perpetrator to be referred to the programme:
    its route to the IDVA service is the victim's, its route here his placement."""
    from ..referrals import drafts
    from ..referrals import services as referral_services

    body = {
        "victim": {
            "first_name": "Demo",
            "last_name": "Partner-Support",
            "date_of_birth": "1990-02-12",
            "postcode": "IG1 1DD",
            "phone": "07700 900555",
        },
        "safe_contact": {
            "safe_to_contact": True,
            "phone": "07700 900555",
            "safe_times": "Weekdays 10am to 2pm",
            "text_ok": True,
            "voicemail_ok": False,
            "letters_ok": False,
            "code_word": "demo",
        },
        "perpetrator": {
            "first_name": "Jason",
            "last_name": "Demo-Linked",
            "date_of_birth": "1987-08-03",
            "relationship": "ex-partner",
        },
        "refer_perpetrator_to_programme": True,
        "risk": {
            "tool": "dash",
            "answers": {str(q): "yes" if q <= 15 else "no" for q in range(1, 25)},
        },
        "consent": {"status": "given"},
        "narrative": "Synthetic demo referral. Nothing here is about a real person.",
    }
    draft = drafts.start(referrer)
    drafts.save(referrer, draft.id, body)
    referral_services.submit_draft(referrer, draft.id)
    take_released_routes()


def _sessions(worker: Any, programme: Programme) -> None:
    """Three weekly group sessions; the last two weeks' registers are taken (the linked man missed
    one and a concern was raised), this week's is waiting for the demo worker."""
    linked = db.session.scalar(
        sa.select(Placement).where(
            Placement.programme_id == programme.id, Placement.referral_id.is_not(None)
        )
    )
    if linked is not None:
        for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING):
            move(worker, linked, stage)
        review(
            worker, linked, ReviewInput(RiskTool.DASH, RiskLevel.MEDIUM, uk_today(), "At start.")
        )
        review(
            worker, linked, ReviewInput(RiskTool.DASH, RiskLevel.HIGH, uk_today(), "After week 2.")
        )
    # The demo's story began six weeks ago; the linked man started three weeks ago. So the two
    # past weeks' registers have on them the men attending then, and the men who completed or
    # dropped out six weeks ago have their exit reviews due.
    for placement in db.session.scalars(
        sa.select(Placement).where(Placement.programme_id == programme.id)
    ):
        _back_date(placement, 3 if linked is not None and placement.id == linked.id else 6)
    db.session.commit()
    today = uk_today()
    for weeks_ago, topic in ((2, "Week 1: what abuse is"), (1, "Week 2: jealousy and control")):
        session = sessions.add_session(
            worker,
            programme,
            sessions.SessionInput(SessionKind.GROUP, today - timedelta(weeks=weeks_ago), topic),
        )
        sheet = sessions.register(worker, session)
        lines = {}
        for line in sheet.lines:
            missed = linked is not None and line.placement.id == linked.id and weeks_ago == 1
            lines[line.placement.id] = sessions.LineInput(
                Attendance.ABSENT if missed else Attendance.ATTENDED,
                concern_raised=missed,
                concern="Did not attend and did not answer calls (synthetic)." if missed else "",
            )
        sessions.save_register(worker, session, lines, "Synthetic facilitators' notes.")
    sessions.add_session(
        worker, programme, sessions.SessionInput(SessionKind.GROUP, today, "Week 3: respect")
    )
