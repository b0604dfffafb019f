"""The perpetrator-programme measures, against a world made by hand: six placements on one
provider's programme in July to September 2026, with their starts, endings, risk reviews and
follow-ups at known times, and one placement of another provider's. Each figure is the one
counted here by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Agency, Role
from daservice.extensions import db
from daservice.perpetrators import risk
from daservice.perpetrators.models import (
    FollowUp,
    Placement,
    Programme,
    ProgrammeKind,
    Reason,
    RiskLevel,
    RiskTool,
    Source,
    Stage,
)
from daservice.perpetrators.placements import DirectPlacement, move, place_directly
from daservice.reports import periods
from daservice.reports.disclosure import disclose
from daservice.reports.measures import perpetrator_programmes as measure
from daservice.reports.sections import ReportQuery
from daservice.reports.tables import Average, Count, Rate, Words
from tests import factories

Q3 = periods.parse("2026-Q3")


def _at(day: int, month: int) -> datetime:
    return datetime(2026, month, day, 11, tzinfo=UTC)


def _programme(name: str, agency: Agency) -> tuple[Programme, object]:
    programme = Programme(
        name=name, agency_id=agency.id, kind=ProgrammeKind.GROUP, capacity=10, eligibility=""
    )
    db.session.add(programme)
    db.session.commit()
    return programme, factories.user(Role.PROGRAMME_WORKER, agency_row=agency)


def _placement(worker, programme, name, source, stages, reason=None) -> Placement:
    placement = place_directly(
        worker, programme, DirectPlacement(source=source, first_name="Synth", last_name=name)
    )
    for i, stage in enumerate(stages):
        move(worker, placement, stage, reason=reason if i == len(stages) - 1 else None)
    placement.created_at = _at(10, 7)
    if placement.started_at is not None:
        placement.started_at = _at(20, 7)
    if placement.ended_at is not None:
        placement.ended_at = _at(1, 9)
    db.session.commit()
    return placement


START = (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING)


@pytest.fixture()
def world(app):
    provider = factories.agency("PROV", "Synthetic provider")
    programme, worker = _programme("Synthetic group", provider)
    done = _placement(worker, programme, "One", Source.PROBATION, (*START, Stage.COMPLETED))
    left = _placement(
        worker,
        programme,
        "Two",
        Source.PROBATION,
        (*START, Stage.DROPPED_OUT),
        Reason.DISENGAGED,
    )
    _placement(worker, programme, "Three", Source.FAMILY_COURT, START)
    _placement(worker, programme, "Four", Source.SELF_REFERRAL, START[:2])
    _placement(worker, programme, "Five", Source.CHILDRENS_SERVICES, ())
    _placement(
        worker,
        programme,
        "Six",
        Source.PROBATION,
        (Stage.CONTACTED, Stage.NOT_SUITABLE),
        Reason.DENIES_ABUSE,
    )
    for placement, levels in (
        (done, (RiskLevel.MEDIUM, RiskLevel.STANDARD)),
        (left, (RiskLevel.HIGH,)),
    ):
        for on, level in zip((date(2026, 7, 15), date(2026, 8, 30)), levels, strict=False):
            risk.review(worker, placement, risk.ReviewInput(RiskTool.SARA, level, on, "Synthetic"))
    for placement, incidents, referrals in ((done, 0, 1), (left, 2, 0)):
        six = db.session.scalar(
            sa.select(FollowUp).where(FollowUp.placement_id == placement.id, FollowUp.months == 6)
        )
        six.recorded_at = _at(15, 9)
        six.further_incidents, six.new_referrals, six.new_marac_referrals = incidents, referrals, 0
    db.session.commit()
    other, other_worker = _programme("Another provider's", factories.agency("OTH", "Other"))
    _placement(other_worker, other, "Seven", Source.PROBATION, ())
    return provider


def _cells(table, row_key):
    return next(list(row.cells) for row in table.rows if row.key == row_key)


def test_the_provider_s_figures_are_those_counted_by_hand(world):
    query = ReportQuery(Q3, agency_id=world.id)
    content = measure.build(query)
    assert content is not None
    places, sources, endings, risk_table, follow_ups = content.tables
    assert [row.label for row in places.rows] == ["Synthetic group"]
    assert _cells(places, places.rows[0].key) == [Words("10"), Count(1), Count(1)]
    assert [(row.key, row.cells[0]) for row in sources.rows] == [
        ("referral_route", Count(0)),
        ("probation", Count(3)),
        ("childrens_services", Count(1)),
        ("family_court", Count(1)),
        ("other_agency", Count(0)),
        ("self_referral", Count(1)),
    ]
    assert [(row.key, row.cells[0]) for row in endings.rows] == [
        ("completed", Count(1)),
        ("dropped_out:disengaged", Count(1)),
        ("excluded", Count(0)),
    ]
    # done: medium, then standard; left: high throughout. Each column adds up to the endings'
    # total (2, shown there), so with a count of 1 to 4 in it every non-zero count is hidden.
    hidden = Words("[c]")
    assert _cells(risk_table, "standard") == [Count(0), hidden]
    assert _cells(risk_table, "medium") == [hidden, Count(0)]
    assert _cells(risk_table, "high") == [hidden, hidden]
    # Named in a referral (1) less named to Marac (0) is 1: neither rate is shown.
    assert _cells(follow_ups, "6") == [Count(2), Rate(1, 2), hidden, hidden]
    assert _cells(follow_ups, "12") == [Count(0), Rate(0, 0), Rate(0, 0), Rate(0, 0)]
    figures = {f.label: f.cell for f in content.figures}
    assert figures["Started a programme"] == Count(3)
    # The endings table hides its small counts, which the rates and its total would give back.
    assert figures["Completion rate"] == figures["Drop-out rate"] == hidden
    assert figures["Time from referral to start"] == Average(10.0, 3, unit="days", unit_one="day")


def test_rates_are_shown_where_the_endings_table_hides_nothing(app):
    provider = factories.agency("PROV", "Synthetic provider")
    programme, worker = _programme("Synthetic group", provider)
    for n in range(6):
        _placement(worker, programme, f"Done{n}", Source.PROBATION, (*START, Stage.COMPLETED))
        _placement(
            worker,
            programme,
            f"Left{n}",
            Source.PROBATION,
            (*START, Stage.DROPPED_OUT),
            Reason.DISENGAGED,
        )
    content = measure.build(ReportQuery(Q3, agency_id=provider.id))
    assert content is not None
    figures = {f.label: f.cell for f in content.figures}
    assert figures["Completion rate"] == Rate(6, 12) == figures["Drop-out rate"]
    risk_table = content.tables[3]
    assert _cells(risk_table, "none") == [Count(12), Count(12)]  # no reviews: nothing hidden


def test_the_partnership_counts_every_provider_and_small_counts_are_hidden(world):
    content = measure.build(ReportQuery(Q3))
    assert content is not None
    sources = content.tables[1]
    assert _cells(sources, "probation") == [Count(4)]  # the other provider's man too
    shown = disclose(sources)
    probation = next(row for row in shown.rows if row.key == "probation")
    assert probation.cells[0].text == "<5"
    assert measure.build(ReportQuery(Q3, agency_id=factories.agency("NONE", "None").id)) is None


def test_the_provider_sees_her_agency_s_figures_and_a_manager_the_partnership_s(app, world):
    from tests.conftest import LoginActions

    def page(user, path):
        actions = LoginActions(app.test_client())
        actions(user)
        return actions.client.get(path)

    path = "/programmes/figures/?period=2026-Q3"
    provider_worker = factories.user(Role.PROGRAMME_WORKER, agency_row=world)
    mine = page(provider_worker, path)
    assert mine.status_code == 200
    body = mine.get_data(as_text=True)
    assert "Synthetic group" in body and "Another provider" not in body
    assert "Completion rate" in body
    assert not [n for n in ("One", "Two", "Three", "Four", "Five", "Six") if f"Synth {n}" in body]

    elsewhere = page(factories.user(Role.PROGRAMME_WORKER), path).get_data(as_text=True)
    assert "Not yet recorded" in elsewhere and "Synthetic group" not in elsewhere

    assert page(factories.user(Role.SERVICE_WORKER), path).status_code == 403
    bad = page(provider_worker, "/programmes/figures/?period=1999-Q9")
    assert bad.status_code == 400 and "govuk-error-summary" in bad.get_data(as_text=True)

    manager = factories.user(Role.MANAGER)
    dashboard = page(manager, "/reports/?period=2026-Q3").get_data(as_text=True)
    assert "Placements taken now" in dashboard and "Another provider" in dashboard
