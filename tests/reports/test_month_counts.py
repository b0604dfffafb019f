"""Ended months counted once (``reports/measures/month_counts.py``, migration 0015): a pack read
from the counts is the pack read from the rows, before and after the rows change; the triggers
mark a month out of date whenever one of its rows changes; the job counts only months that can no
longer change on their own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from daservice.accounts.models import Role
from daservice.directory.models import ServiceKind
from daservice.extensions import db as _db
from daservice.extensions import utcnow
from daservice.jobs import run_due
from daservice.referrals.models import Referral, Route
from daservice.reports import periods
from daservice.reports.measures import month_counts, referral_sql
from daservice.reports.models import counted_months, month_changes, referral_months, route_months
from daservice.reports.sections import ReportQuery, build_pack
from tests import factories

from . import referral_world

SECTIONS = ["come-forward", "earliest-moment", "partnership"]
PERIODS = ["2026-Q3", "2026-07", "2026-09", "2026-Q2", "2026-Q4"]


@pytest.fixture()
def world(app, db):
    app.config["REPORTS_ADULT_FEMALE_POPULATION"] = 100_000
    return referral_world.build()


def _packs(world, *, from_rows: bool = False, monkeypatch=None):
    """Every period and filter's sections, as shown; ``from_rows``: none of them from counts."""
    if from_rows:
        monkeypatch.setattr(month_counts, "up_to_date", lambda source: frozenset())
    shown = {
        (key, tuple(filters)): build_pack(
            ReportQuery(periods.parse(key), **filters), only=SECTIONS
        ).sections
        for key in PERIODS
        for filters in _narrowed(world)
    }
    if from_rows:
        monkeypatch.undo()
    return shown


def _changes(kind: str) -> dict[date, int]:
    """{month: changes to its rows since it was counted}."""
    rows = (
        sa.select(month_changes.c.month, sa.func.count())
        .where(month_changes.c.kind == kind)
        .group_by(month_changes.c.month)
    )
    return {month: changes for month, changes in _db.session.execute(rows).all()}


def _tallies(world, *, from_rows: bool = False, monkeypatch=None):
    """The groups every table is summed from, before disclosure control (a difference of one
    in any of them shows here, where a pack of small numbers would print "<5" either way)."""
    if from_rows:
        monkeypatch.setattr(month_counts, "up_to_date", lambda source: frozenset())
    found = {}
    for key in PERIODS:
        for filters in _narrowed(world):
            query = ReportQuery(periods.parse(key), **filters)
            for name, read in (
                ("trend", referral_sql.referral_trend),
                ("period", referral_sql.referral_period),
                ("routes", referral_sql.routes_released),
            ):
                groups = [sorted(vars(g).items(), key=str) for g in read(query).groups]
                found[(key, tuple(filters.values()), name)] = sorted(groups, key=str)
    if from_rows:
        monkeypatch.undo()
    return found


def _narrowed(world):
    return [
        {},
        {"agency_id": world.agencies["MPS"]},
        {"agency_id": world.agencies["LBR"]},
        {"service_id": world.services[ServiceKind.IDVA]},
        {"service_id": world.services[ServiceKind.OUTREACH]},
    ]


def test_a_pack_read_from_the_counts_is_the_pack_read_from_the_rows(world, db, monkeypatch):
    from_rows = _packs(world, from_rows=True, monkeypatch=monkeypatch)
    tallies = _tallies(world, from_rows=True, monkeypatch=monkeypatch)

    outcome = month_counts.count_closed_months()

    counted = month_counts.up_to_date(month_counts.REFERRALS)
    # April 2025 (OLD) to November 2026: every month since the first referral has ended.
    assert date(2025, 5, 1) in counted and date(2026, 7, 1) in counted
    assert date(2026, 9, 1) in month_counts.up_to_date(month_counts.ROUTES)
    assert outcome.endswith("months counted")
    assert _tallies(world) == tallies
    assert _packs(world) == from_rows
    # Read from the counts, not from the rows: counts altered by hand show.
    db.session.execute(
        sa.update(referral_months)
        .where(referral_months.c.month == date(2026, 7, 1))
        .values(n=referral_months.c.n + 100, high=referral_months.c.high + 100)
    )
    db.session.commit()
    assert _packs(world) != from_rows
    db.session.execute(
        sa.update(route_months)
        .where(route_months.c.month == date(2026, 8, 1))
        .values(in_time=route_months.c.in_time + 1)
    )
    db.session.commit()
    altered = _tallies(world)
    assert altered[("2026-Q3", (), "routes")] != tallies[("2026-Q3", (), "routes")]


def test_the_boundary_moments_fall_in_their_uk_months(world, db):
    """S1 at 00:30 BST on 1 July (23:30 UTC on 30 June) is July's; X0 at 23:30 BST on 30 June is
    June's, in the counts as in the rows."""
    month_counts.count_closed_months()
    counts = dict(
        db.session.execute(
            sa.select(referral_months.c.month, sa.func.sum(referral_months.c.n)).group_by(
                referral_months.c.month
            )
        ).all()
    )
    assert counts[date(2026, 7, 1)] == 9
    assert counts[date(2026, 8, 1)] == 7
    assert counts[date(2026, 9, 1)] == 5
    assert counts[date(2026, 6, 1)] == 1  # X0


def test_a_late_change_is_read_from_the_rows_until_its_month_is_counted_again(
    world, db, monkeypatch
):
    month_counts.count_closed_months()
    # M4's outreach worker logs her first attempt now, months after the route's release in August.
    route = db.session.scalar(
        sa.select(Route).where(
            Route.referral_id == world.referrals["M4"],
            Route.service_id == world.services[ServiceKind.OUTREACH],
        )
    )
    assert route.first_contact_at is None
    route.first_contact_at = utcnow()
    route.first_contact_working_days = 60
    db.session.commit()
    # August's referral S2 is found to be at Marac after all (a change to a referral's row).
    db.session.execute(
        sa.update(Referral).where(Referral.id == world.referrals["S2"]).values(marac=True)
    )
    db.session.commit()

    assert date(2026, 8, 1) not in month_counts.up_to_date(month_counts.ROUTES)
    assert date(2026, 7, 1) in month_counts.up_to_date(month_counts.REFERRALS)  # S2: August
    assert date(2026, 8, 1) not in month_counts.up_to_date(month_counts.REFERRALS)
    expected = _packs(world, from_rows=True, monkeypatch=monkeypatch)
    tallies = _tallies(world, from_rows=True, monkeypatch=monkeypatch)
    assert _packs(world) == expected
    assert _tallies(world) == tallies

    assert month_counts.count_closed_months() == "4 months counted"  # August, September twice
    assert date(2026, 8, 1) in month_counts.up_to_date(month_counts.ROUTES)
    assert _changes("routes") == {} and _changes("referrals") == {}
    assert _packs(world) == expected
    assert _tallies(world) == tallies


def test_a_deleted_referral_leaves_its_months_out_of_date(world, db):
    month_counts.count_closed_months()
    assert date(2026, 9, 1) in month_counts.up_to_date(month_counts.REFERRALS)
    assert date(2026, 9, 1) in month_counts.up_to_date(month_counts.ROUTES)
    db.session.execute(sa.delete(Referral).where(Referral.id == world.referrals["S9"]))
    db.session.commit()
    # S9 was made in September 2026 (UTC): that month's counts and October's are marked.
    assert date(2026, 9, 1) not in month_counts.up_to_date(month_counts.REFERRALS)
    assert date(2026, 9, 1) not in month_counts.up_to_date(month_counts.ROUTES)
    assert _changes("referrals")[date(2026, 10, 1)] == 1


def test_an_update_that_changes_no_counted_value_marks_nothing(world, db):
    month_counts.count_closed_months()
    db.session.execute(
        sa.update(Referral)
        .where(Referral.id == world.referrals["S2"])
        .values(marac=Referral.marac, risk_level=Referral.risk_level)
    )
    db.session.commit()
    assert _changes("referrals") == {}


def test_writes_of_the_present_change_no_counted_month(world, db):
    month_counts.count_closed_months()
    before = {kind: _changes(kind) for kind in ("referrals", "routes")}
    # A referral made now, and a route of it released now: the month they belong to is open.
    referrer = factories.user(Role.REFERRER, agency_row=world.agency("MPS"))
    factories.refer(referrer, factories.referral_payload())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) > 22
    assert {kind: _changes(kind) for kind in ("referrals", "routes")} == before


def test_a_month_is_counted_only_once_it_cannot_change_by_itself(world, db):
    """Not until two days after it ends; for routes, not while one waits for a first attempt
    due in the future (its time being up depends on when the report is read)."""
    first_of_october = datetime(2026, 10, 1, tzinfo=UTC)
    month_counts.count_closed_months(now=first_of_october + timedelta(days=1))
    assert date(2026, 9, 1) not in month_counts.up_to_date(month_counts.REFERRALS)
    month_counts.count_closed_months(now=first_of_october + timedelta(days=3))
    assert date(2026, 9, 1) in month_counts.up_to_date(month_counts.REFERRALS)

    waiting = db.session.scalar(
        sa.select(Route).where(
            Route.referral_id == world.referrals["S9"], Route.first_contact_at.is_(None)
        )
    )
    waiting.due_at = utcnow() + timedelta(days=3)
    db.session.commit()
    month_counts.count_closed_months()
    assert date(2026, 9, 1) not in month_counts.up_to_date(month_counts.ROUTES)
    assert date(2026, 8, 1) in month_counts.up_to_date(month_counts.ROUTES)


def test_the_job_counts_each_month_once(app, world, db):
    first = run_due(app, only=["reports.count_closed_months"], force=True)
    again = run_due(app, only=["reports.count_closed_months"], force=True)
    assert first[0].ok and first[0].summary.endswith("months counted")
    assert again[0].summary == "0 months counted"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(counted_months)) > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(route_months)) > 0


def test_split_reads_whole_counted_months_and_the_rest_from_the_rows():
    year = periods.parse("2026-Q3")
    start, end = year.utc_bounds()
    whole, spans = month_counts.split(start, end, frozenset({date(2026, 8, 1)}))
    assert whole == [date(2026, 8, 1)]
    july, september = periods.parse("2026-07"), periods.parse("2026-09")
    assert spans == [july.utc_bounds(), september.utc_bounds()]
    # A span that starts inside a counted month reads that month's part from the rows.
    mid_august = datetime(2026, 8, 15, tzinfo=UTC)
    whole, spans = month_counts.split(mid_august, end, frozenset({date(2026, 8, 1)}))
    assert whole == [] and spans == [(mid_august, end)]


@given(
    start=st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    length=st.timedeltas(timedelta(0), timedelta(days=800)),
    counted=st.sets(st.dates(date(2024, 12, 1), date(2030, 1, 1)).map(lambda d: d.replace(day=1))),
)
def test_split_covers_the_range_exactly_once(start, length, counted):
    end = start + length
    whole, spans = month_counts.split(start, end, frozenset(counted))
    pieces = sorted([periods.month(m).utc_bounds() for m in whole] + spans)
    if start == end:
        assert pieces == []
        return
    assert pieces[0][0] == start and pieces[-1][1] == end
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:], strict=False))  # no gap, overlap
    assert all(low < high for low, high in pieces)
    assert set(whole) <= counted
    inside = {
        m
        for m in counted
        if start <= periods.month(m).utc_bounds()[0] and periods.month(m).utc_bounds()[1] <= end
    }
    assert set(whole) == inside  # every whole counted month is read from its counts


def test_a_truncated_table_forgets_its_counts(world, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    month_counts.count_closed_months()
    assert month_counts.up_to_date(month_counts.ROUTES)
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(sa.text("TRUNCATE routes CASCADE"))
    assert month_counts.up_to_date(month_counts.ROUTES) == frozenset()
    assert month_counts.up_to_date(month_counts.REFERRALS)  # not truncated
