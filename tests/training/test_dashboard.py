"""The training dashboard: progress against targets (RAG against the whole number of people due
by now), runs and their waiting lists, certificates expiring, safe spaces; a training lead sees
her agency only."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest

from daservice.accounts.models import Role
from daservice.extensions import db, utcnow
from daservice.training import dashboard, planning
from daservice.training.dashboard import Rag
from daservice.training.models import (
    EnrolmentStatus,
    Level,
    SafeSpaceChange,
    Site,
    SiteKind,
    Target,
)
from daservice.uk_time import uk_today

from .. import factories
from . import plan_fixtures as make

# Year 1 runs from 1 April 2022 to 31 March 2023 (365 days); on 30 September 2022, 183 days of it
# have gone by (today included), so a target of 10 has 10 x 183 / 365 = 5.01 due by now, shown and
# judged as 5 whole people, and one of 20 has 10.03: 10 people.
DAY = date(2022, 9, 30)


@pytest.fixture()
def world(app):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    plan = planning.save_plan(coordinator, None, name="Plan", starts_on=date(2022, 4, 1))
    year = plan.years[0]
    police, health = factories.agency(name="Police"), factories.agency(name="Health")
    awareness = make.course(Level.AWARENESS, "Awareness course")
    practitioner_a = make.course(Level.PRACTITIONER, "Practitioner A")
    practitioner_b = make.course(Level.PRACTITIONER, "Practitioner B")
    db.session.add_all(
        [
            Target(
                plan_year_id=year.id, agency_id=police.id, course_id=awareness.id, target_count=10
            ),
            Target(
                plan_year_id=year.id, agency_id=police.id, level=Level.PRACTITIONER, target_count=20
            ),
            Target(
                plan_year_id=year.id, agency_id=health.id, level=Level.AWARENESS, target_count=10
            ),
        ]
    )
    db.session.commit()
    in_year = date(2022, 6, 1)
    officers = [make.trainee(police) for _ in range(14)]
    # Police, awareness course: 6 different people, one of them twice.
    for person in officers[:6]:
        make.certificate(person, awareness, in_year)
    make.certificate(officers[0], awareness, date(2022, 9, 1))
    make.certificate(officers[6], awareness, in_year, revoked=True)  # revoked: not counted
    make.certificate(officers[7], awareness, date(2022, 3, 31))  # the year before
    make.certificate(officers[8], awareness, date(2023, 4, 1))  # the year after
    # Police, practitioner level: 8 people over two courses of that level.
    for person in officers[6:11]:
        make.certificate(person, practitioner_a, in_year)
    for person in officers[11:14]:
        make.certificate(person, practitioner_b, in_year)
    # Health, awareness level: 3 people.
    nurses = [make.trainee(health) for _ in range(3)]
    for person in nurses:
        make.certificate(person, awareness, in_year)
    return {"coordinator": coordinator, "year": year, "police": police, "health": health}


def test_progress_against_the_pro_rata_target_is_red_amber_or_green(world):
    progress = {a.name: a for a in dashboard.progress(world["year"], None, today=DAY)}
    police, health = progress["Police"], progress["Health"]
    course, level = police.targets[1], police.targets[0]
    assert (level.level, level.target, level.achieved) == (Level.PRACTITIONER, 20, 8)
    assert level.due == 10
    assert level.rag is Rag.AMBER  # 8 >= 0.75 x 10 = 7.5, below 10
    assert (course.course_title, course.achieved, course.rag) == ("Awareness course", 6, Rag.GREEN)
    assert police.rag is Rag.AMBER  # its furthest-behind target
    only = health.targets[0]
    assert (only.achieved, only.due, only.rag) == (3, 5, Rag.RED)  # 3 < 0.75 x 5 = 3.75
    assert health.rag is Rag.RED


def test_the_rule_at_its_edges():
    assert dashboard.rag(5, 5) is Rag.GREEN
    assert dashboard.rag(3, 4) is Rag.AMBER  # exactly 75%
    assert dashboard.rag(2, 4) is Rag.RED
    assert dashboard.rag(0, 0) is Rag.GREEN  # a year not started yet is not behind


def test_due_by_now_is_whole_people_rounded_down(world):
    year = world["year"]  # 1 April 2022 to 31 March 2023, 365 days
    # The trial's case: a target of 2, two thirds of the year gone (243 days): 1.33 due, so 1.
    assert dashboard.due_by_now(2, year, date(2022, 11, 29)) == 1
    # 12 a year: the first is due only once 365 / 12 = 30.4 days have gone by.
    assert dashboard.due_by_now(12, year, date(2022, 4, 30)) == 0  # 30 days
    assert dashboard.due_by_now(12, year, date(2022, 5, 1)) == 1  # 31 days
    assert dashboard.due_by_now(10, year, date(2022, 3, 1)) == 0  # before the year
    assert dashboard.due_by_now(10, year, date(2023, 3, 31)) == 10  # its last day
    assert dashboard.due_by_now(10, year, date(2024, 1, 1)) == 10  # after it


def test_the_status_agrees_with_the_figure_shown(app, client, login_as):
    """The trial's contradiction: "Well behind – 1 of 1 due by now (2 this year)". One person
    of a target of 2, two thirds of the year gone: 1 of 1 due, so on track."""
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    today = uk_today()
    plan = planning.save_plan(coordinator, None, name="Plan", starts_on=today - timedelta(days=242))
    year = plan.years[0]
    agency = factories.agency(name="Housing")
    course = make.course(Level.AWARENESS, "Awareness course")
    db.session.add(
        Target(plan_year_id=year.id, agency_id=agency.id, course_id=course.id, target_count=2)
    )
    db.session.commit()
    make.certificate(make.trainee(agency), course, today)
    expected = 2 * 243 // ((year.ends_on - year.starts_on).days + 1)
    assert expected == 1  # 243 of 365 (or 366) days: 1.33 people, a whole 1
    login_as(coordinator)
    page = html.unescape(client.get("/training/?year=1").get_data(as_text=True))
    assert "1 of 1 due by now" in page
    assert "app-rag--green" in page
    assert "app-rag--red" not in page and "app-rag--amber" not in page


def test_a_lead_sees_her_own_agency_only(world, client, login_as):
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=world["health"])
    login_as(lead)
    page = html.unescape(client.get("/training/?year=1").get_data(as_text=True))
    assert f'id="progress-{world["health"].id}"' in page
    assert f'id="progress-{world["police"].id}"' not in page
    assert "Well behind" in page  # said in words, not only by colour
    assert client.get(f"/training/?agency={world['police'].id}").status_code == 404


def test_the_coordinator_sees_every_agency_and_can_pick_one(world, client, login_as):
    login_as(world["coordinator"])
    page = client.get("/training/?year=1").get_data(as_text=True)
    assert (
        f'id="progress-{world["health"].id}"' in page
        and f'id="progress-{world["police"].id}"' in page
    )
    assert "75% of the number due by now" in page
    picked = client.get(f"/training/?year=1&agency={world['police'].id}").get_data(as_text=True)
    assert f'id="progress-{world["health"].id}"' not in picked


def test_runs_expiring_certificates_and_safe_spaces(app):
    today = uk_today()
    course = make.course()
    agency = factories.agency()
    full = make.run(course, today + timedelta(days=3), capacity=2, places_taken=2)
    make.run(course, today + timedelta(days=5), capacity=4, places_taken=1)
    make.run(course, today - timedelta(days=1), capacity=4)  # started: not upcoming
    for _ in range(3):
        make.enrol(full, make.trainee(agency), EnrolmentStatus.WAITLISTED)
    runs = dashboard.upcoming_runs(today)
    assert [(r.places_taken, r.capacity, r.fill_percent, r.waiting) for r in runs] == [
        (2, 2, 100, 3),
        (1, 4, 25, 0),
    ]
    person = make.trainee(agency)
    make.certificate(
        person, course, today - timedelta(days=1000), expires_on=today + timedelta(days=10)
    )
    make.certificate(
        person, course, today - timedelta(days=900), expires_on=today + timedelta(days=200)
    )
    make.certificate(
        person,
        course,
        today - timedelta(days=800),
        expires_on=today + timedelta(days=5),
        revoked=True,
    )
    assert dashboard.expiring_by_agency(None, timedelta(days=90), today) == [(agency.name, 1)]

    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    plan = planning.save_plan(coordinator, None, name="Plan", starts_on=date(2022, 4, 1))
    year = planning.current_year(plan)
    year.safe_space_target = 12
    library = Site(name="Library", kind=SiteKind.LIBRARY, safe_space_since=utcnow())
    surgery = Site(name="Surgery", kind=SiteKind.GP_SURGERY, agency_id=agency.id)
    unnamed = Site(
        name="Refuge office", kind=SiteKind.LIBRARY, safe_space_since=utcnow(), listed=False
    )
    db.session.add_all([library, surgery, unnamed])
    db.session.flush()
    db.session.add_all(
        [
            SafeSpaceChange(site_id=library.id, gained=True, at=utcnow()),
            SafeSpaceChange(site_id=surgery.id, gained=True, at=utcnow() - timedelta(days=20)),
            SafeSpaceChange(site_id=surgery.id, gained=False, at=utcnow() - timedelta(days=10)),
            SafeSpaceChange(site_id=surgery.id, gained=True, at=utcnow() - timedelta(days=800)),
        ]
    )
    db.session.commit()
    assert dashboard.safe_spaces(year, None) == dashboard.SafeSpaces(
        now=2, not_listed=1, target=12, gained=2, lost=1
    )
    assert dashboard.safe_spaces(year, [agency.id]) == dashboard.SafeSpaces(
        now=0, not_listed=0, target=None, gained=1, lost=1
    )


def test_the_dashboard_shows_the_safe_space_target_and_those_not_listed(app, client, login_as):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    plan = planning.save_plan(coordinator, None, name="Plan", starts_on=uk_today())
    db.session.add_all(
        [
            Site(name="Library", kind=SiteKind.LIBRARY, safe_space_since=utcnow()),
            Site(name="Office", kind=SiteKind.LIBRARY, safe_space_since=utcnow(), listed=False),
        ]
    )
    db.session.commit()
    login_as(coordinator)
    page = html.unescape(client.get("/training/?year=1").get_data(as_text=True))
    assert "1 listed on the public safe spaces page; 1 asked not to be named publicly" in page
    assert "No target set" in page
    plan.years[0].safe_space_target = 9
    db.session.commit()
    page = html.unescape(client.get("/training/?year=1").get_data(as_text=True))
    assert f"9 by {plan.years[0].ends_on.day}" in page
