"""The coordinator's plan, targets, courses, staff import and dashboard pages, and a training
lead's dashboard, pass axe and never scroll sideways at 320 px or at desktop width.

Set ``E2E_SCREENSHOTS`` to keep a screenshot of each (see test_home_and_oversight_pages).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page

from daservice.accounts.models import Role
from daservice.extensions import db
from daservice.training import planning
from daservice.training.models import Level, Target
from daservice.uk_time import uk_today

from .. import factories
from ..training import plan_fixtures as make
from .test_home_and_oversight_pages import check
from .test_referral_journey import sign_in


def test_training_plan_pages_at_320_px_and_desktop(page: Page, live_server, tmp_path: Path):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    plan = planning.save_plan(
        coordinator, None, name="Frontline training", starts_on=date(2022, 4, 1)
    )
    year = planning.current_year(plan)
    police = factories.agency(name="Metropolitan Police Service (Redbridge)")
    health = factories.agency(name="Barking, Havering and Redbridge University Hospitals")
    course = make.course(Level.PRACTITIONER, "Responding to disclosures of domestic abuse")
    db.session.add_all(
        [
            Target(
                plan_year_id=year.id, agency_id=police.id, level=Level.AWARENESS, target_count=120
            ),
            Target(plan_year_id=year.id, agency_id=health.id, course_id=course.id, target_count=40),
        ]
    )
    db.session.commit()
    for _ in range(3):
        make.certificate(
            make.trainee(health), course, uk_today(), expires_on=uk_today() + timedelta(days=30)
        )
    make.run(course, uk_today() + timedelta(days=5), capacity=12, places_taken=12)
    # The trial's 417 px staff list: long agency names and many-word teams and roles in three
    # columns (the demo's staff, roughly).
    for name, team, role in [
        ("Agnieszka Kowalczyk-Wiśniewska", "Commissioning, Safeguarding", "Multi-agency"),
        ("Bartholomew Oyelaran-Fitzgerald", "Safeguarding (Public Protection)", "Coordinator"),
    ]:
        someone = make.trainee(health, name=name)
        someone.team, someone.job_role = team, role
    db.session.commit()
    sign_in(page, coordinator)
    for path, name in [
        ("/training/", "training dashboard"),
        ("/training/plan/", "training plan"),
        (f"/training/plan/years/{year.id}/targets", "targets"),
        ("/training/courses/new", "new course"),
        ("/training/staff/", "staff"),
    ]:
        page.goto(path)
        check(page, name)
    page.goto(f"/training/plan/years/{year.id}/targets")
    page.fill(f"#t-{police.id}-level-awareness", "many")
    page.get_by_role("button", name="Save targets").click()
    check(page, "targets with an error")
    bad = tmp_path / "staff.csv"
    bad.write_text("name,work_email,team,job_role\n,nobody@example.test,,\nAda,not-an-email,,\n")
    page.goto("/training/staff/import")
    page.select_option("#agency", str(police.id))
    page.set_input_files("#file", str(bad))
    page.get_by_role("button", name="Import staff").click()
    check(page, "staff import with rejected rows")
