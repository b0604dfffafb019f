"""Placements: made from the referral route (the perpetrator's side only) or directly, and moved
along the pipeline with every change kept; invalid moves, missing reasons and starts on a full
programme refused with a message; rows scoped to the provider agency."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.exceptions import InvalidTransition, NotFound, PermissionDenied
from daservice.extensions import db
from daservice.perpetrators import queries
from daservice.perpetrators.models import (
    TRANSITIONS,
    Placement,
    PlacementChange,
    ProgrammeStatus,
    Reason,
    Source,
    Stage,
)
from daservice.perpetrators.placements import (
    DirectPlacement,
    move,
    place_directly,
    take_released_routes,
)
from daservice.perpetrators.refusals import Refused
from daservice.referrals.models import Route, RouteStatus
from tests import factories


def _direct(worker, programme, last_name="Example", **changes):
    data = DirectPlacement(source=Source.PROBATION, first_name="Kyle", last_name=last_name)
    for name, value in changes.items():
        object.__setattr__(data, name, value)
    return place_directly(worker, programme, data)


def _referral_with_programme(perpetrator=True):
    changes = {"consent": {"status": "given"}, "refer_perpetrator_to_programme": True}
    if perpetrator:
        changes["perpetrator"] = {
            "first_name": "Kyle",
            "last_name": "Example",
            "relationship": "ex-partner",
        }
    return factories.refer(factories.user(Role.REFERRER), factories.referral_payload(**changes))


def test_a_released_route_to_the_programme_becomes_one_placement_of_the_perpetrator(partnership):
    referral = _referral_with_programme()
    route = db.session.scalar(
        sa.select(Route).where(
            Route.referral_id == referral.id,
            Route.service_id == partnership["programme"].service_id,
        )
    )
    assert route is not None and route.released_at is not None

    assert take_released_routes() == 1
    assert take_released_routes() == 0  # a route makes one placement, however often it runs

    placement = db.session.scalar(sa.select(Placement))
    assert placement.route_id == route.id
    assert placement.referral_id == referral.id
    assert placement.person_id == referral.perpetrator_id != referral.victim_id
    assert placement.source is Source.REFERRAL_ROUTE
    assert placement.stage is Stage.REFERRED
    assert [c.to_stage for c in placement.changes] == [Stage.REFERRED]
    made = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "placement.made"))
    assert made is not None and made.target_id == str(placement.id)


def test_a_route_held_for_consent_makes_no_placement_until_it_is_released(partnership):
    body = factories.referral_payload(
        consent={"status": "not_sought"},
        perpetrator={"first_name": "Kyle", "last_name": "Example", "relationship": "partner"},
        refer_perpetrator_to_programme=True,
    )
    referral = factories.refer(factories.user(Role.REFERRER), body)
    route = db.session.scalar(
        sa.select(Route).where(
            Route.referral_id == referral.id,
            Route.service_id == partnership["programme"].service_id,
        )
    )
    if route is None or route.released_at is not None:
        pytest.fail("the programme's route should be held for consent in this referral")
    assert take_released_routes() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Placement)) == 0


def test_the_whole_pipeline_is_kept_change_by_change(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    placement = _direct(worker, programme)
    for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.WAITING_LIST, Stage.ATTENDING):
        move(worker, placement, stage)
    move(worker, placement, Stage.SUSPENDED, reason=Reason.AWAITING_COURT)
    move(worker, placement, Stage.ATTENDING)
    move(worker, placement, Stage.COMPLETED)

    db.session.expire_all()
    placement = db.session.get(Placement, placement.id)
    assert [(c.from_stage, c.to_stage) for c in placement.changes] == [
        (None, Stage.REFERRED),
        (Stage.REFERRED, Stage.CONTACTED),
        (Stage.CONTACTED, Stage.ASSESSED),
        (Stage.ASSESSED, Stage.WAITING_LIST),
        (Stage.WAITING_LIST, Stage.ATTENDING),
        (Stage.ATTENDING, Stage.SUSPENDED),
        (Stage.SUSPENDED, Stage.ATTENDING),
        (Stage.ATTENDING, Stage.COMPLETED),
    ]
    assert all(c.by_id == worker.id for c in placement.changes)
    assert placement.changes[5].reason is Reason.AWAITING_COURT
    assert placement.started_at == placement.changes[4].at  # the first start, not the second
    assert placement.ended_at == placement.changes[-1].at
    assert placement.stage is Stage.COMPLETED


@pytest.mark.parametrize("stage", [s for s in Stage if s.ended])
def test_an_ended_placement_moves_nowhere(partnership, stage):
    assert TRANSITIONS[stage] == frozenset()
    worker = partnership["worker"]
    placement = _direct(worker, partnership["programme"])
    path = {
        Stage.NOT_SUITABLE: [(Stage.CONTACTED, None), (Stage.NOT_SUITABLE, Reason.DENIES_ABUSE)],
        Stage.DROPPED_OUT: [(Stage.DROPPED_OUT, Reason.MOVED_AWAY)],
        Stage.EXCLUDED: [
            (Stage.CONTACTED, None),
            (Stage.ASSESSED, None),
            (Stage.ATTENDING, None),
            (Stage.EXCLUDED, Reason.FURTHER_ABUSE),
        ],
        Stage.COMPLETED: [
            (Stage.CONTACTED, None),
            (Stage.ASSESSED, None),
            (Stage.ATTENDING, None),
            (Stage.COMPLETED, None),
        ],
    }[stage]
    for step, reason in path:
        move(worker, placement, step, reason=reason)
    with pytest.raises(InvalidTransition, match="has ended"):
        move(worker, placement, Stage.ATTENDING)
    assert placement.stage is stage


def test_a_move_the_pipeline_does_not_allow_is_refused_and_changes_nothing(partnership):
    worker = partnership["worker"]
    placement = _direct(worker, partnership["programme"])
    with pytest.raises(InvalidTransition, match="referred cannot become attending"):
        move(worker, placement, Stage.ATTENDING)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).stage is Stage.REFERRED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlacementChange)) == 1


def test_a_reason_is_needed_where_the_stage_asks_for_one(partnership):
    worker = partnership["worker"]
    placement = _direct(worker, partnership["programme"])
    with pytest.raises(Refused) as refused:
        move(worker, placement, Stage.DROPPED_OUT)
    assert set(refused.value.errors) == {"reason"}
    with pytest.raises(Refused):  # a reason offered for another stage
        move(worker, placement, Stage.DROPPED_OUT, reason=Reason.FURTHER_ABUSE)
    with pytest.raises(Refused) as refused:
        move(worker, placement, Stage.DROPPED_OUT, reason=Reason.OTHER)
    assert set(refused.value.errors) == {"detail"}
    move(worker, placement, Stage.DROPPED_OUT, reason=Reason.OTHER, detail="DETAIL-CANARY")
    assert placement.stage is Stage.DROPPED_OUT and placement.reason is Reason.OTHER


def test_what_a_worker_writes_is_ciphertext_at_rest(partnership):
    worker = partnership["worker"]
    placement = _direct(worker, partnership["programme"])
    move(worker, placement, Stage.DROPPED_OUT, reason=Reason.OTHER, detail="DETAIL-CANARY")
    stored = db.session.execute(sa.text("SELECT detail FROM placement_changes")).scalars().all()
    assert [value for value in stored if value] and not any(
        "DETAIL-CANARY" in (value or "") for value in stored
    )
    events = db.session.execute(sa.text("SELECT purpose FROM audit_events")).scalars().all()
    assert not any("DETAIL-CANARY" in (p or "") or "Kyle" in (p or "") for p in events)


def test_a_start_on_a_full_programme_is_refused(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    placements = [_direct(worker, programme, last_name=f"Example{n}") for n in range(3)]
    for placement in placements:
        for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.WAITING_LIST):
            move(worker, placement, stage)
    move(worker, placements[0], Stage.ATTENDING)
    move(worker, placements[1], Stage.ATTENDING)
    with pytest.raises(InvalidTransition, match="full \\(2 places\\)"):
        move(worker, placements[2], Stage.ATTENDING)
    db.session.rollback()
    move(worker, placements[0], Stage.SUSPENDED, reason=Reason.RISK_REVIEW)
    with pytest.raises(InvalidTransition):  # a suspended man keeps his place
        move(worker, placements[2], Stage.ATTENDING)
    db.session.rollback()
    move(worker, placements[0], Stage.ATTENDING)  # coming back from suspension needs no place
    move(worker, placements[1], Stage.COMPLETED)
    move(worker, placements[2], Stage.ATTENDING)  # a place came free
    assert placements[2].stage is Stage.ATTENDING


def test_a_form_sent_twice_moves_once(partnership):
    worker = partnership["worker"]
    placement = _direct(worker, partnership["programme"])
    move(worker, placement, Stage.CONTACTED, expected=Stage.REFERRED)
    with pytest.raises(InvalidTransition, match="someone changed it"):
        move(worker, placement, Stage.CONTACTED, expected=Stage.REFERRED)
    assert len(placement.changes) == 2


def test_a_direct_placement_needs_his_name_and_an_open_programme(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    with pytest.raises(Refused) as refused:
        blank = DirectPlacement(source=Source.PROBATION, first_name=" ", last_name="")
        place_directly(worker, programme, blank)
    assert set(refused.value.errors) == {"first_name", "last_name"}
    with pytest.raises(Refused) as refused:
        _direct(worker, programme, source=Source.REFERRAL_ROUTE)
    assert set(refused.value.errors) == {"source"}
    programme.status = ProgrammeStatus.PAUSED
    db.session.commit()
    with pytest.raises(Refused) as refused:
        _direct(worker, programme)
    assert set(refused.value.errors) == {"programme"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Placement)) == 0


def test_a_direct_placement_links_to_the_person_the_index_knows(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    from datetime import date

    first = _direct(worker, programme, date_of_birth=date(1985, 3, 2))
    again = _direct(worker, programme, date_of_birth=date(1985, 3, 2))
    other = _direct(worker, programme, date_of_birth=date(1986, 3, 2))
    assert first.person_id == again.person_id != other.person_id


def test_only_the_provider_agency_s_programme_workers_see_a_placement(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    placement = _direct(worker, programme)
    assert queries.placement_for(worker, placement.id) is placement
    outsiders = [
        factories.user(Role.PROGRAMME_WORKER),  # another agency's
        factories.user(Role.SERVICE_WORKER, agency_row=programme.agency),  # her agency, no role
        factories.user(Role.MANAGER, agency_row=programme.agency),
    ]
    for outsider in outsiders:
        with pytest.raises(NotFound):
            queries.placement_for(outsider, placement.id)
        with pytest.raises(NotFound):
            queries.programme_for(outsider, programme.id)
        # A use case reached with the row anyway refuses too, and changes nothing.
        refusal = NotFound if Role.PROGRAMME_WORKER in outsider.roles else PermissionDenied
        with pytest.raises(refusal):
            move(outsider, placement, Stage.CONTACTED)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).stage is Stage.REFERRED


def test_of_two_moves_made_at_once_from_the_same_stage_one_is_refused(app, partnership):
    """Two workers' requests, each with the placement as it was read (two sessions)."""
    from sqlalchemy.orm import Session

    worker = partnership["worker"]
    placement = _direct(worker, partnership["programme"])
    with Session(db.engine) as other:
        theirs = other.get(Placement, placement.id)
        theirs.stage = Stage.CONTACTED
        theirs.version += 0  # an ordinary change: the version moves on at flush
        other.commit()
    with pytest.raises(InvalidTransition, match="just been changed"):
        move(worker, placement, Stage.DROPPED_OUT, reason=Reason.DISENGAGED)
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).stage is Stage.CONTACTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlacementChange)) == 1


def test_no_one_starts_on_a_closed_programme(partnership):
    worker, programme = partnership["worker"], partnership["programme"]
    placement = _direct(worker, programme)
    for stage in (Stage.CONTACTED, Stage.ASSESSED):
        move(worker, placement, stage)
    programme.status = ProgrammeStatus.CLOSED
    db.session.commit()
    with pytest.raises(InvalidTransition, match="has closed"):
        move(worker, placement, Stage.ATTENDING)


def test_declined_routes_and_paused_programmes_make_no_placement(partnership):
    programme = partnership["programme"]
    programme.status = ProgrammeStatus.PAUSED
    db.session.commit()
    _referral_with_programme()
    assert take_released_routes() == 0  # a paused programme's routes wait
    programme.status = ProgrammeStatus.OPEN
    db.session.commit()
    route = db.session.scalar(sa.select(Route).where(Route.service_id == programme.service_id))
    route.status = RouteStatus.DECLINED
    db.session.commit()
    assert take_released_routes() == 0
    route.status = RouteStatus.PENDING
    db.session.commit()
    assert take_released_routes() == 1
