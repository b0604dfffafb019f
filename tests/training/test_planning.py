"""The plan and its years, courses, and the targets grid (training coordinators only)."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.extensions import db
from daservice.training import planning
from daservice.training.models import Course, Level, Target, TrainingPlan
from daservice.training.plan_forms import target_field
from daservice.training.planning import TargetKey

from .. import factories
from . import plan_fixtures as make


def _text(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))


def _plan(coordinator):
    return planning.save_plan(
        coordinator, None, name="Frontline training", starts_on=date(2022, 4, 1)
    )


def test_creating_the_plan_creates_five_uk_financial_years(client, login_as):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    login_as(coordinator)
    response = login_as.post(
        "/training/plan/",
        {
            "name": "Frontline training",
            "starts_on": ["1", "4", "2022"],
        },
        page="/training/plan/",
    )
    assert response.status_code == 302
    plan = db.session.scalar(sa.select(TrainingPlan))
    assert [(y.number, y.starts_on, y.ends_on) for y in plan.years] == [
        (n, date(2021 + n, 4, 1), date(2022 + n, 3, 31)) for n in range(1, 6)
    ]
    assert plan.years[2].label == "Year 3 (2024 to 2025)"
    page = _text(client.get("/training/plan/"))
    # Today (from 1 April 2026 to 31 March 2027) is year 5.
    today_year = planning.current_year(plan)
    assert today_year is not None
    assert f"{today_year.label} Current year" in page
    assert page.count("Current year") == 1


def test_a_plan_without_a_start_date_is_not_created(client, login_as):
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    response = login_as.post(
        "/training/plan/",
        {"name": "Plan", "starts_on": ["31", "2", "2022"]},
        page="/training/plan/",
    )
    assert response.status_code == 400
    assert "There is a problem" in _text(response)
    assert "The start date must be a real date" in _text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingPlan)) == 0


def test_moving_the_start_moves_every_year(app):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    plan = _plan(coordinator)
    planning.save_plan(coordinator, plan, name="Renamed", starts_on=date(2023, 1, 1))
    assert plan.years[0].starts_on == date(2023, 1, 1)
    assert plan.years[4].ends_on == date(2027, 12, 31)


COURSE = {
    "title": "Recognising domestic abuse",
    "level": "awareness",
    "audience": "Reception staff",
    "description": "",
    "duration_minutes": "90",
    "expires": "yes",
    "validity_months": "36",
    "refresher_window_days": "90",
    "attendance_threshold_percent": "100",
    "requires_evaluation": "yes",
    "knowledge_check_pass_mark": "",
}


def test_coordinator_adds_and_edits_a_course(client, login_as):
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    assert (
        login_as.post("/training/courses/new", COURSE, page="/training/courses/new").status_code
        == 302
    )
    course = db.session.scalar(sa.select(Course))
    assert (course.level, course.validity_months, course.knowledge_check_pass_mark) == (
        Level.AWARENESS,
        36,
        None,
    )
    changed = dict(
        COURSE,
        expires="no",
        validity_months="",
        knowledge_check_pass_mark="80",
        level="practitioner",
    )
    assert (
        login_as.post(
            f"/training/courses/{course.id}", changed, page="/training/courses/"
        ).status_code
        == 302
    )
    db.session.refresh(course)
    assert (course.level, course.validity_months, course.knowledge_check_pass_mark) == (
        Level.PRACTITIONER,
        None,
        80,
    )
    assert "Does not expire" in _text(client.get("/training/courses/"))


def test_a_bad_course_gets_the_error_summary_and_keeps_what_was_typed(client, login_as):
    make.course(title="Recognising domestic abuse")
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    bad = dict(
        COURSE, validity_months="", duration_minutes="ninety", attendance_threshold_percent="120"
    )
    response = login_as.post("/training/courses/new", bad, page="/training/courses/new")
    page = _text(response)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Enter how many months the certificate is valid for" in page
    assert "Length must be a whole number of minutes" in page
    assert "Attendance must be between 1 and 100" in page
    assert 'value="ninety"' in response.get_data(as_text=True)
    response = login_as.post("/training/courses/new", COURSE, page="/training/courses/new")
    assert response.status_code == 400 and "There is already a course with this title" in _text(
        response
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 1


def test_targets_are_saved_in_one_go_and_blank_or_zero_means_no_target(client, login_as):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    plan = _plan(coordinator)
    year = plan.years[1]
    first, second = factories.agency(), factories.agency()
    course = make.course()
    db.session.add(
        Target(plan_year_id=year.id, agency_id=second.id, level=Level.SPECIALIST, target_count=3)
    )
    db.session.commit()
    login_as(coordinator)
    url = f"/training/plan/years/{year.id}/targets"
    form = {
        target_field(TargetKey(first.id, level=Level.AWARENESS)): "25",
        target_field(TargetKey(first.id, course_id=course.id)): "10",
        target_field(TargetKey(second.id, level=Level.PRACTITIONER)): "0",
        target_field(TargetKey(second.id, level=Level.SPECIALIST)): "",  # was 3: now none
        "safe_spaces": "40",
    }
    assert login_as.post(url, form, page=url).status_code == 302
    assert planning.targets_of(year) == {
        TargetKey(first.id, level=Level.AWARENESS): 25,
        TargetKey(first.id, course_id=course.id): 10,
    }
    db.session.refresh(year)
    assert year.safe_space_target == 40
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "training.targets_saved")
    )
    assert event is not None and event.target_id == str(year.id)
    assert 'value="25"' in client.get(url).get_data(as_text=True)


def test_a_bad_target_saves_nothing_and_says_which_box(client, login_as):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    year = _plan(coordinator).years[0]
    agency = factories.agency(name="Borough Police")
    login_as(coordinator)
    url = f"/training/plan/years/{year.id}/targets"
    form = {
        target_field(TargetKey(agency.id, level=Level.AWARENESS)): "12",
        target_field(TargetKey(agency.id, level=Level.PRACTITIONER)): "lots",
    }
    response = login_as.post(url, form, page=url)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Borough Police, any practitioner course: enter a whole number" in _text(response)
    assert f'href="#{target_field(TargetKey(agency.id, level=Level.PRACTITIONER))}"' in page
    assert 'value="lots"' in page and 'value="12"' in page
    assert planning.targets_of(year) == {}


def test_an_agency_training_lead_cannot_open_the_plan(client, login_as):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    year = _plan(coordinator).years[0]
    login_as(factories.user(Role.AGENCY_TRAINING_LEAD))
    assert client.get("/training/plan/").status_code == 403
    assert client.get(f"/training/plan/years/{year.id}/targets").status_code == 403
