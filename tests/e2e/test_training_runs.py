"""The runs pages pass axe and never scroll sideways at 320 px or at desktop width: the runs
list, a run (sessions, people by status, the waiting list), its register, the new-run form with
its errors, booking a place, requests to approve and "Your training".

Set ``E2E_SCREENSHOTS`` to a directory to keep a screenshot of each page at each width."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from daservice.accounts.models import Role
from daservice.training import enrolment, runs

from .. import factories
from ..training.conftest import course, run_of, session_on, start_in_the_past, trainee
from .test_home_and_oversight_pages import check
from .test_referral_journey import sign_in


def test_the_runs_pages_are_accessible_at_every_width(page: Page, live_server):
    agency = factories.agency(name="Redbridge Council")
    coordinator = factories.user(Role.TRAINING_COORDINATOR, agency_row=agency)
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=agency)
    worker = factories.user(Role.REFERRER, agency_row=agency)
    checked = course(knowledge_check_pass_mark=70)
    run = run_of(coordinator, checked, capacity=2)
    runs.add_session(coordinator, run.id, session_on(21, 13, 16))
    for name in ("Priya Shah", "Olu Bello", "Ana Lima"):
        enrolment.enrol(coordinator, run.id, trainee(agency, name=name).id)
    trainee(agency, name="Grace Owusu")
    run_of(coordinator, course(), capacity=16, days_ahead=30)
    enrolment.request_place(worker, run.id)
    start_in_the_past(run)  # the day has come: its register can be marked

    sign_in(page, coordinator)
    page.goto("/training/runs/")
    expect(page.get_by_role("heading", name="Course runs")).to_be_visible()
    check(page, "Runs list")
    page.get_by_role("link", name=checked.title).click()
    expect(page.get_by_text("Waiting list (1)")).to_be_visible()
    check(page, "Run page")
    _on_screen_at_320(page, page.get_by_role("link", name="Cancel Priya Shah’s place"))
    page.get_by_role("link", name="Register").first.click()
    check(page, "Register")
    page.get_by_role("button", name="Save register").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    check(page, "Register with errors")
    page.goto(f"/training/runs/{run.id}/enrol")
    check(page, "Book a place")
    page.goto("/training/runs/new")
    page.get_by_role("button", name="Create run").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    check(page, "New run with errors")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, lead)
    page.goto("/training/requests")
    check(page, "Requests to approve")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, worker)
    page.goto("/training/mine")
    expect(page.get_by_text("Requested")).to_be_visible()
    check(page, "Your training")
    # The trial found these at x = 495 inside a sideways-scrolling table: now each row stacks.
    _on_screen_at_320(page, page.get_by_role("link", name=re.compile("^Withdraw request")))
    _on_screen_at_320(page, page.get_by_role("button", name=re.compile("^Ask for a place")).first)


def _on_screen_at_320(page: Page, target: Locator) -> None:
    page.set_viewport_size({"width": 320, "height": 900})
    box = target.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 320, box
    page.set_viewport_size({"width": 1280, "height": 900})
