"""The demo programme: the demo partnership's programme service as a Drive-style programme, with
synthetic placements at several stages of the pipeline (made and moved by the demo programme
worker through the same use cases as the pages)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from ..accounts.models import Agency
from ..directory.models import Service
from ..extensions import db
from ..uk_time import uk_today
from .disruption import DisruptionInput
from .disruption import record as record_disruption
from .models import (
    DisruptionKind,
    Programme,
    ProgrammeKind,
    Reason,
    RiskLevel,
    RiskTool,
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


def load(service: Service, worker: Any) -> bool:
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
    take_released_routes()  # any demo referral's route to the programme
    return True
