"""Safe spaces with trained professionals: every figure against a hand-counted fixture.

The plan starts on 1 April 2026, so plan year 1 runs to 31 March 2027 (365 days). The board pack
is for 2026-Q3 (July to September), made on 1 December 2026: coverage is measured on 30 September,
the quarter's last day, when 183 days of the year had gone by. A target of 10 then has
10 x 183 / 365 = 5.01 due (5 people), one of 20 has 10.03 (10), one of 4 has 2.01 (2).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.extensions import db
from daservice.reports import periods
from daservice.reports.disclosure import HIDDEN, SMALL
from daservice.reports.measures import safe_spaces as measure
from daservice.reports.sections import ReportQuery, build_pack
from daservice.security.crypto import ColumnCipher
from daservice.training import planning
from daservice.training.dashboard import Rag
from daservice.training.models import Certificate, Level, SafeSpaceChange, Site, SiteKind, Target

from .. import factories
from ..training import plan_fixtures as make

TODAY = date(2026, 12, 1)
Q3 = periods.parse("2026-Q3")


@pytest.fixture()
def world(app):
    police = factories.agency(code="POL", name="Police")
    health = factories.agency(code="HLT", name="Health")
    coordinator = factories.user(Role.TRAINING_COORDINATOR, agency_row=police)
    plan = planning.save_plan(coordinator, None, name="Plan", starts_on=date(2026, 4, 1))
    year = plan.years[0]
    year.safe_space_target = 12
    awareness = make.course(Level.AWARENESS, "Awareness course")
    practitioner = make.course(Level.PRACTITIONER, "Practitioner course")
    specialist = make.course(Level.SPECIALIST, "Specialist course")
    db.session.add_all(
        [
            Target(
                plan_year_id=year.id, agency_id=police.id, level=Level.AWARENESS, target_count=10
            ),
            Target(
                plan_year_id=year.id,
                agency_id=police.id,
                course_id=practitioner.id,
                target_count=20,
            ),
            Target(
                plan_year_id=year.id, agency_id=health.id, level=Level.PRACTITIONER, target_count=4
            ),
            # 8 x 183 / 365 = 4.01: 4 due, and one specialist trained.
            Target(
                plan_year_id=year.id, agency_id=health.id, course_id=specialist.id, target_count=8
            ),
        ]
    )
    db.session.commit()

    officers = [make.trainee(police) for _ in range(12)]
    # Police, awareness: six people in the quarter, one of them twice (seven certificates).
    expiries = {1: date(2026, 12, 15), 2: date(2027, 2, 1), 3: date(2026, 11, 30)}
    expiries[4] = date(2026, 12, 20)  # replaced by a refresher below: not "expiring"
    for n, person in enumerate(officers[:6]):
        make.certificate(person, awareness, date(2026, 8, 10), expires_on=expiries.get(n))
    make.certificate(officers[0], awareness, date(2026, 9, 1))
    # Revoked: counted nowhere, not even as expiring.
    make.certificate(
        officers[6], awareness, date(2026, 8, 15), expires_on=date(2026, 12, 10), revoked=True
    )
    make.certificate(officers[7], awareness, date(2026, 10, 5))  # after the quarter
    make.certificate(officers[8], awareness, date(2026, 5, 10))  # earlier in the plan year
    make.certificate(officers[4], awareness, date(2026, 11, 1), expires_on=date(2029, 11, 1))
    # Police, the practitioner course: three people.
    for person in officers[9:12]:
        make.certificate(person, practitioner, date(2026, 7, 20))

    nurses = [make.trainee(health) for _ in range(6)]
    # Health: five practitioners on the quarter's last day, expiring in January; one specialist
    # on its first day (a specialist does not count towards a practitioner-level target).
    for person in nurses[:5]:
        make.certificate(person, practitioner, date(2026, 9, 30), expires_on=date(2027, 1, 10))
    make.certificate(nurses[5], specialist, date(2026, 7, 1))
    # Before the plan began (2025-Q4): in the trend, not in coverage.
    for person in nurses[:5]:
        make.certificate(person, awareness, date(2025, 11, 15))

    # Safe spaces: the police station and the clinic are safe spaces now; the library was one
    # for six weeks in the quarter; a police office stopped being one at 00:30 BST on 1 October
    # (23:30 UTC on 30 September: the next quarter). The clinic's gain at 00:30 BST on 1 July is
    # in the quarter.
    def site(name: str, agency, safe: bool) -> Site:
        row = Site(
            name=name,
            kind=SiteKind.AGENCY_PREMISES,
            agency_id=agency.id,
            safe_space_since=datetime(2026, 7, 5, tzinfo=UTC) if safe else None,
        )
        db.session.add(row)
        db.session.flush()
        return row

    station, clinic = site("Station", police, True), site("Clinic", health, True)
    library, office = site("Library", health, False), site("Office", police, False)
    for where, gained, at in [
        (station, True, datetime(2026, 7, 5, 10, tzinfo=UTC)),
        (clinic, True, datetime(2026, 6, 30, 23, 30, tzinfo=UTC)),
        (library, True, datetime(2026, 8, 1, 9, tzinfo=UTC)),
        (library, False, datetime(2026, 9, 15, 9, tzinfo=UTC)),
        (office, True, datetime(2026, 1, 5, 9, tzinfo=UTC)),
        (office, False, datetime(2026, 9, 30, 23, 30, tzinfo=UTC)),
    ]:
        db.session.add(SafeSpaceChange(site_id=where.id, gained=gained, at=at))
    db.session.commit()
    return {"police": police, "health": health, "year": year}


def section(period=Q3, agency_id=None, today=TODAY):
    pack = build_pack(ReportQuery(period, agency_id=agency_id, today=today), only=["safe-spaces"])
    (built,) = pack.sections
    assert built.recorded
    return built


def texts(table) -> list[list[str]]:
    return [[row.label, *(cell.text for cell in row.cells)] for row in table.rows]


def test_coverage_against_targets_on_the_quarters_last_day(world):
    built = section()
    assert texts(built.table("training-coverage")) == [
        # 7 different officers with an awareness certificate by 30 September (the one trained
        # twice counts once; the revoked one and October's do not count); 5 due: on track.
        ["Health: Any practitioner course", "5", "2", "4", "On track"],
        # 1 of 4 due is well behind, but 3 would be "Behind" and 4 "On track": the status would
        # tell which of 1 to 4 it is, so it is not shown.
        ["Health: Specialist course", SMALL, "4", "8", "Not shown"],
        ["Police: Any awareness course", "7", "5", "10", "On track"],
        # 3 of 10 due, below three quarters of it.
        ["Police: Practitioner course", SMALL, "10", "20", "Well behind"],
    ]
    assert texts(built.table("training-by-agency")) == [
        # The specialist counts as trained; the agency's status and how many of its targets are
        # on track would give away the specialist course's hidden status.
        ["Health", "6", "Not shown", "Not shown"],
        ["Police", "10", "1 of 2", "Well behind"],
    ]
    assert any("plan year its last day falls in: plan year 1" in note for note in built.notes)
    assert any("30 September 2026" in note for note in built.notes)


def test_a_status_is_shown_for_a_small_count_only_when_it_cannot_tell_which_one():
    assert measure.status(3, 10) is Rag.RED  # 1 to 4 are all below 7.5
    assert measure.status(3, 4) is None  # 1 and 2 well behind, 3 behind, 4 on track
    assert measure.status(1, 2) is None
    assert measure.status(2, 1) is Rag.GREEN  # 1 to 4 all reach 1
    assert measure.status(0, 4) is Rag.RED  # 0 is shown as 0
    assert measure.status(5, 4) is Rag.GREEN


def test_a_plan_year_is_measured_to_today_while_it_runs(world):
    year = world["year"]
    built = section(periods.plan_year(year.starts_on, year.ends_on, 1))
    rows = {row[0]: row[1:] for row in texts(built.table("training-coverage"))}
    # 1 December: 245 days of 365 gone, 10 x 245 / 365 = 6.7 due; October's officer now counts.
    assert rows["Police: Any awareness course"] == ["8", "6", "10", "On track"]
    assert any(note.startswith("This is plan year 1") for note in built.notes)


def test_a_period_outside_the_plan_has_no_coverage_but_its_certificates(world):
    built = section(periods.parse("2025-Q4"))
    assert [t.key for t in built.tables][0] == "certificates-issued"
    assert texts(built.table("certificates-issued"))[-1] == ["Total", "5", "0", "0", "5"]
    assert any("outside the training plan" in note for note in built.notes)


def test_certificates_issued_in_the_quarter_by_agency_and_level(world):
    table = section().table("certificates-issued")
    # Raw: Health 0 / 5 / 1 (6), Police 7 / 3 / 0 (10), total 7 / 8 / 1 (16). The small ones are
    # "<5"; Health's 5 and Police's 7 are hidden too, else their row totals give them away (and
    # then the awareness total, else 7 - 0 gives Police's 7 back). The practitioner total can
    # show: its hidden 5 and 3 could be any two numbers adding up to 8.
    assert table.headings == ("Awareness", "Practitioner", "Specialist", "Total")
    assert texts(table) == [
        ["Health", "0", HIDDEN, SMALL, "6"],
        ["Police", HIDDEN, SMALL, "0", "10"],
        ["Total", HIDDEN, "8", SMALL, "16"],
    ]
    figures = {f.label: f.shown.text for f in section().figures}
    assert figures["Certificates issued"] == "16"


def test_certificates_expiring_leave_out_the_expired_revoked_and_replaced(world):
    table = section().table("certificates-expiring")
    assert table.headings == ("By 1 March 2027", "In October to December 2026")
    # Police in the next 90 days: 15 December and 1 February; not 30 November (expired), not
    # the revoked one (10 December), not the one replaced by November's refresher (20 December).
    # In October to December, all of it: 15 December and 30 November. Health: five in January,
    # hidden as the 90-day total (7) less it would give Police's 2 away.
    assert texts(table) == [
        ["Health", HIDDEN, "0"],
        ["Police", SMALL, SMALL],
        ["Total", "7", SMALL],
    ]
    figures = {f.label: f.shown.text for f in section().figures}
    assert figures["Certificates expiring in the next 90 days"] == "7"
    # The board pack prints these totals instead of the table, hidden as the table hides them.
    assert figures["Certificates expiring in October to December 2026"] == SMALL


def test_the_counts_behind_the_small_ones(world):
    """What "<5" stands for, before disclosure control, so each exclusion is seen to count."""
    query = ReportQuery(Q3, today=TODAY)

    def raw(table):
        return {row.label: [getattr(cell, "n", None) for cell in row.cells] for row in table.rows}

    assert raw(measure.expiring(query)) == {"Health": [5, 0], "Police": [2, 2]}
    assert raw(measure.issued(query)) == {"Health": [0, 5, 1], "Police": [7, 3, 0]}
    by_agency, detail = measure.coverage(query, world["year"])
    assert raw(detail)["Police: Practitioner course"][0] == 3
    assert raw(measure.trend(query)) == {
        "2025 Q3": [0],
        "2025 Q4": [5],
        "2026 Q1": [0],
        "2026 Q2": [1],
        "2026 Q3": [16],
    }


def test_the_trend_of_certificates_issued(world):
    built = section()
    assert texts(built.table("certificates-trend")) == [
        ["2025 Q3", "0"],
        ["2025 Q4", "5"],
        ["2026 Q1", "0"],
        ["2026 Q2", SMALL],
        ["2026 Q3", "16"],
    ]
    assert [(c.table, c.kind) for c in built.charts] == [
        ("training-by-agency", "bar"),
        ("certificates-trend", "line"),
    ]


def test_safe_spaces_now_against_the_target_and_gained_and_lost_in_the_quarter(world):
    assert texts(section().table("safe-spaces")) == [
        ["Safe spaces now", "2"],
        ["Target for the plan year", "12"],
        ["Became a safe space in the period", "3"],
        ["Stopped being one in the period", "1"],
    ]


def test_an_agency_sees_its_own_figures_only(world):
    built = section(agency_id=world["police"].id)
    assert [row[0] for row in texts(built.table("training-coverage"))] == [
        "Police: Any awareness course",
        "Police: Practitioner course",
    ]
    assert [row.label for row in built.table("certificates-issued").rows] == ["Police", "Total"]
    assert texts(built.table("certificates-trend"))[1:] == [
        ["2025 Q4", "0"],
        ["2026 Q1", "0"],
        ["2026 Q2", SMALL],
        ["2026 Q3", "10"],
    ]
    assert texts(built.table("safe-spaces")) == [
        ["Safe spaces now", "1"],
        ["Target for the plan year", "No target"],  # the borough's, not an agency's
        ["Became a safe space in the period", "1"],
        ["Stopped being one in the period", "0"],  # the office's loss was on 1 October
    ]


def test_nothing_is_decrypted_to_build_the_section(world, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a report decrypted a protected field")

    monkeypatch.setattr(ColumnCipher, "decrypt", refuse)
    db.session.expire_all()
    built = section()
    assert texts(built.table("certificates-issued"))[-1][-1] == "16"
    # The patch is live: reading a certificate's code would have failed the build.
    certificate = db.session.scalars(sa.select(Certificate).limit(1)).one()
    with pytest.raises(AssertionError, match="decrypted"):
        _ = certificate.code


def test_the_trend_withholds_this_period_where_the_certificates_table_hides_its_total(
    world, monkeypatch
):
    """4 awareness and 4 practitioner certificates: the issued table shows "<5", "<5" and
    hides its total, else 8 - 4 gives each back. The trend's last row is that same total, so
    it is hidden there too, as is the headline."""
    from daservice.reports.tables import Column, Count, Row, Table

    four_and_four = Table(
        key="certificates-issued",
        title="Certificates issued by agency and course level",
        row_heading="Agency",
        columns=[Column("Awareness", "a"), Column("Practitioner", "p"), Column("Specialist", "s")],
        rows=[
            Row("Health", [Count(4), Count(0), Count(0)]),
            Row("Police", [Count(0), Count(4), Count(0)]),
        ],
        total_row=True,
        total_column=True,
        in_board_pack=False,
    )
    real_trend = measure.trend

    def trend_ending_in_8(query):
        table = real_trend(query)
        last = table.rows[-1]
        return Table(
            **{
                **table.__dict__,
                "rows": (*table.rows[:-1], Row(last.label, [Count(8)], key=last.key)),
            }
        )

    monkeypatch.setattr(measure, "issued", lambda query, agencies=None: four_and_four)
    monkeypatch.setattr(measure, "trend", trend_ending_in_8)
    built = section()
    assert texts(built.table("certificates-issued"))[-1] == ["Total", SMALL, SMALL, "0", HIDDEN]
    assert texts(built.table("certificates-trend"))[-1] == ["2026 Q3", HIDDEN]
    figures = {f.label: f.shown.text for f in built.figures}
    assert figures["Certificates issued"] == HIDDEN
