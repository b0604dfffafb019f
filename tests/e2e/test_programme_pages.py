"""A programme worker, by keyboard: from her home page to a placement made from a referral, moved
from referred to attending; a direct placement's form with errors. axe finds nothing and nothing
scrolls sideways at 320 px or desktop width; no page shows the victim's details."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from daservice.uk_time import uk_today

from ..perpetrators.conftest import a_programme_and_its_worker
from ..perpetrators.test_pages import VICTIM_CANARIES, _placement_from_a_referral
from .test_home_and_oversight_pages import check
from .test_referral_journey import choose_first, choose_second, sign_in, tab_to


@pytest.fixture()
def partnership(app):
    return a_programme_and_its_worker()


def _no_victim_details(page: Page) -> None:
    text = page.content()
    assert not [c for c in VICTIM_CANARIES if c in text], page.url


def test_programme_worker_moves_a_placement_by_keyboard(page: Page, live_server, partnership):
    _placement_from_a_referral()
    sign_in(page, partnership["worker"])
    expect(page.get_by_text("1 placement is waiting for first contact")).to_be_visible()

    tab_to(page, page.get_by_role("link", name="Go to your programmes"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Programmes", level=1)).to_be_visible()
    check(page, "Programmes")
    _no_victim_details(page)

    tab_to(page, page.get_by_role("link", name=partnership["programme"].name))
    page.keyboard.press("Enter")
    check(page, "A programme's placements")
    _no_victim_details(page)

    tab_to(page, page.get_by_role("link", name="Kyle Example"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Kyle Example")).to_be_visible()
    check(page, "A placement", reveals=True)
    _no_victim_details(page)

    tab_to(page, page.get_by_role("button", name="Save"))  # nothing chosen
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Select what has happened")).to_be_visible()
    check(page, "A placement with an error", reveals=True)
    choose_second(page, "stage")  # dropped out: its own reasons are revealed under it
    expect(page.get_by_role("group", name="Why?")).to_be_visible()
    expect(page.get_by_label("Moved away")).to_be_visible()
    check(page, "A placement with a stage's reasons revealed", reveals=True)
    page.keyboard.press("ArrowUp")  # back to contacted: the reasons are hidden again
    expect(page.locator("#stage")).to_be_checked()
    expect(page.get_by_label("Moved away")).to_be_hidden()

    for heading in ("Contacted", "Assessed as suitable", "On the waiting list", "Attending"):
        choose_first(page, "stage")
        tab_to(page, page.get_by_role("button", name="Save"))
        page.keyboard.press("Enter")
        expect(page.get_by_text(f"Saved: {heading.lower()}")).to_be_visible()
    expect(page.get_by_text("Attending").first).to_be_visible()
    _no_victim_details(page)

    tab_to(page, page.get_by_role("link", name="Record a risk review"))
    page.keyboard.press("Enter")
    check(page, "Record a risk review")
    tab_to(page, page.get_by_role("button", name="Save risk review"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Enter the date of the review")).to_be_visible()
    check(page, "Record a risk review with errors")
    today = uk_today()
    choose_first(page, "tool")
    choose_first(page, "level")
    page.fill("#reviewed_on-day", str(today.day))
    page.fill("#reviewed_on-month", str(today.month))
    page.fill("#reviewed_on-year", str(today.year))
    page.fill("#reason", "Engaging well; no new incidents.")
    page.get_by_role("button", name="Save risk review").click()
    expect(page.get_by_text("Risk review saved")).to_be_visible()
    check(page, "A placement with a risk review", reveals=True)


def test_direct_placement_form(page: Page, live_server, partnership):
    sign_in(page, partnership["worker"])
    page.goto(f"/programmes/{partnership['programme'].id}/placements/new")
    check(page, "Make a placement")
    page.get_by_role("button", name="Make the placement").click()
    expect(page.get_by_role("link", name="Select who referred him")).to_be_visible()
    check(page, "Make a placement with errors")
    choose_first(page, "source")
    page.fill("#first_name", "Dan")
    page.fill("#last_name", "Example")
    page.get_by_role("button", name="Make the placement").click()
    expect(page.get_by_role("heading", name="Dan Example")).to_be_visible()


def test_programme_form(page: Page, live_server, partnership):
    sign_in(page, partnership["worker"])
    page.goto("/programmes/")
    page.get_by_role("button", name="Add a programme").click()
    check(page, "Add a programme")
    page.get_by_role("button", name="Save programme").click()
    expect(page.get_by_role("link", name="Enter the programme's name")).to_be_visible()
    check(page, "Add a programme with errors")
    page.fill("#name", "Caring Dads")
    choose_first(page, "kind")
    page.check("#accredited-2")
    page.fill("#capacity", "10")
    page.fill("#eligibility", "Fathers who have used abuse.")
    page.check("#status")
    page.get_by_role("button", name="Save programme").click()
    expect(page.get_by_role("heading", name="Caring Dads")).to_be_visible()


def test_disruption_form(page: Page, live_server, partnership):
    placement = _placement_from_a_referral()
    sign_in(page, partnership["worker"])
    page.goto(f"/programmes/placements/{placement.id}")
    page.get_by_role("link", name="Record a disruption action").click()
    check(page, "Record a disruption action")
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_role("link", name="Select the agency that took the action")).to_be_visible()
    check(page, "Record a disruption action with errors")
    _no_victim_details(page)


def test_a_session_register_by_keyboard_and_her_idva_sees_the_updates_only(
    page: Page, live_server, partnership
):
    from daservice.perpetrators.models import Stage
    from daservice.perpetrators.placements import move

    from ..perpetrators.test_partner_support import PROGRAMME_SECRETS, _her_worker

    worker = partnership["worker"]
    placement = _placement_from_a_referral()
    for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING):
        move(worker, placement, stage)
    her_worker, _service = _her_worker(placement)
    sign_in(page, worker)
    page.goto(f"/programmes/{partnership['programme'].id}")
    tab_to(page, page.get_by_role("link", name="Add a session"))
    page.keyboard.press("Enter")
    check(page, "Add a session", reveals=True)
    tab_to(page, page.get_by_role("button", name="Add the session"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Enter the date of the session")).to_be_visible()
    check(page, "Add a session with errors", reveals=True)
    choose_first(page, "kind")
    today = uk_today()
    for part, value in (("day", today.day), ("month", today.month), ("year", today.year)):
        tab_to(page, f"#held_on-{part}")
        page.keyboard.type(str(value))
    tab_to(page, "#topic")
    page.keyboard.type("Week 1: what abuse is")
    tab_to(page, page.get_by_role("button", name="Add the session"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Register for {today.day}")).to_be_visible()
    check(page, "A session's register")
    _no_victim_details(page)

    tab_to(page, page.get_by_role("button", name="Save register"))  # nothing marked
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Select whether Kyle Example attended")).to_be_visible()
    check(page, "A register with errors")

    mark = f"mark-{placement.id}"
    tab_to(page, f"#{mark}")
    page.keyboard.press("ArrowDown")  # attended, then late
    page.keyboard.press("ArrowDown")  # absent
    expect(page.locator(f"#{mark}-3")).to_be_checked()
    tab_to(page, f"#concern_raised-{placement.id}")
    page.keyboard.press("Space")
    tab_to(page, f"#concern-{placement.id}")
    page.keyboard.type("CONCERN-SECRET: did not answer calls.")
    tab_to(page, "#notes")
    page.keyboard.type("NOTES-SECRET: a quiet group.")
    check(page, "A register filled in")
    tab_to(page, page.get_by_role("button", name="Save register"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Register saved: 1 man")).to_be_visible()

    page.goto(f"/programmes/placements/{placement.id}")
    expect(page.get_by_text("Concern raised")).to_be_visible()
    _no_victim_details(page)

    page.context.clear_cookies()
    sign_in(page, her_worker)
    link = page.get_by_role("link", name="3 new programme updates")  # started, missed, concern
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Programme updates")).to_be_visible()
    for words in ("Started the programme", "Missed a session", "A concern was raised"):
        expect(page.get_by_text(words)).to_be_visible()
    text = page.content()
    assert not [s for s in PROGRAMME_SECRETS if s in text]
    check(page, "Programme updates for her worker")
    tab_to(page, page.get_by_role("button", name="Mark 3 new updates as read"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Marked 3 updates as read")).to_be_visible()


def test_a_completed_placement_s_exit_review_by_keyboard(page: Page, live_server, partnership):
    from daservice.perpetrators.models import Stage
    from daservice.perpetrators.placements import move

    worker = partnership["worker"]
    placement = _placement_from_a_referral()
    for stage in (Stage.CONTACTED, Stage.ASSESSED, Stage.ATTENDING):
        move(worker, placement, stage)
    sign_in(page, worker)
    page.goto(f"/programmes/placements/{placement.id}")
    choose_second(page, "stage")  # suspended, then completed
    tab_to(page, page.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Saved: completed")).to_be_visible()
    page.goto("/")
    tab_to(page, page.get_by_role("link", name="1 exit review or follow-up is due"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Exit review: Kyle Example"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Exit review")).to_be_visible()
    check(page, "Exit review")
    _no_victim_details(page)
    tab_to(page, page.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("link", name="Select how far he met the programme's goals")
    ).to_be_visible()
    check(page, "Exit review with errors")
    choose_first(page, "goals")
    tab_to(page, page.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Exit review saved")).to_be_visible()
    expect(page.get_by_text("Met the programme's goals")).to_be_visible()
    expect(page.get_by_text("6-month follow-up")).to_be_visible()
    check(page, "A placement with its exit review", reveals=True)


def test_the_provider_s_figures_by_keyboard(page: Page, live_server, partnership):
    from daservice.perpetrators.models import Stage
    from daservice.perpetrators.placements import move

    placement = _placement_from_a_referral()
    move(partnership["worker"], placement, Stage.CONTACTED)
    sign_in(page, partnership["worker"])
    page.goto("/programmes/")
    tab_to(page, page.get_by_role("link", name="Your programmes' figures"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Availability of and participation")).to_be_visible()
    check(page, "Your programmes' figures")
    _no_victim_details(page)
    assert "Kyle" not in page.content()
