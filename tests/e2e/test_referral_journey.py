"""A frontline professional refers someone through the task list by keyboard alone (Tab, Enter,
Space and the arrow keys, as a keyboard user moves), from "Start a referral" to a sent referral,
and a service worker finds it in the inbox. axe checks every page; the pages reflow at 320 px."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from daservice.accounts.models import Role, User
from daservice.directory.models import ServiceKind, ServiceMember
from daservice.extensions import db

from .. import factories
from .axe import assert_accessible, format_violations, run_axe


def sign_in(page: Page, user: User) -> None:
    page.goto("/sign-in")
    page.focus("#email")
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/sign-in/security-code")
    db.session.expire_all()
    page.focus("#code")
    page.keyboard.type(factories.next_code(db.session.get(User, user.id)))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/$"))


def tab_to(page: Page, target: str | Locator, limit: int = 150) -> None:
    """Press Tab until the target has focus: every control used is reached by keyboard."""
    element = page.locator(target).first if isinstance(target, str) else target.first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if element.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def type_in(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose_first(page: Page, name: str) -> None:
    """Tab into a radio group (its first option) and select it with Space."""
    tab_to(page, f"#{name}")
    page.keyboard.press("Space")


def choose_second(page: Page, name: str) -> None:
    """Tab into a radio group and move to its second option with the arrow key."""
    tab_to(page, f"#{name}")
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#{name}-2")).to_be_checked()


def save(page: Page, name: str = "Save and continue") -> None:
    tab_to(page, page.get_by_role("button", name=name))
    page.keyboard.press("Enter")


def open_section(page: Page, title: str) -> None:
    page.wait_for_url(re.compile(r".*/drafts/[0-9a-f-]+$"))
    tab_to(page, page.get_by_role("link", name=title))
    page.keyboard.press("Enter")


def assert_accessible_with_reveals(page: Page, where: str) -> None:
    """axe, for a page with a GOV.UK conditional reveal. GOV.UK Frontend sets aria-expanded on
    the radio that reveals a question, which axe flags (aria-allowed-attr); the Design System
    keeps it on purpose because screen readers announce it (alphagov/govuk-frontend#979). Only
    that is let through: the attribute on such a radio, nothing else, on no other element."""
    found = run_axe(page)
    others = [
        v
        for v in found
        if not (
            v["id"] == "aria-allowed-attr"
            and all(
                'type="radio"' in node["html"] and 'aria-controls="conditional-' in node["html"]
                for node in v["nodes"]
            )
        )
    ]
    assert not others, f"{where}: " + format_violations(others)


def fits(page: Page, where: str) -> None:
    """At 320 px nothing pushes the page sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{where} is {width}px wide at 320px"


def test_refer_through_the_task_list_by_keyboard(page: Page, live_server, app, tmp_path):
    services = factories.directory()
    referrer = factories.user(Role.REFERRER)
    worker = factories.user(Role.SERVICE_WORKER)
    db.session.add(ServiceMember(service_id=services[ServiceKind.IDVA].id, user_id=worker.id))
    db.session.commit()

    sign_in(page, referrer)
    page.goto("/referrals/")
    assert_accessible(page, "referrals")
    save(page, "Start a referral")

    page.wait_for_url(re.compile(r".*/drafts/[0-9a-f-]+$"))
    expect(page.locator(".govuk-task-list__status").first).to_have_text("Not started")
    assert_accessible(page, "task list")

    open_section(page, "About the person you are referring")
    page.wait_for_url("**/victim")
    save(page)  # nothing entered: the error summary appears and takes focus
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page, "victim page with errors")
    type_in(page, "#first_name", "Zoë")
    type_in(page, "#last_name", "Okafor")
    type_in(page, "#date_of_birth-day", "14")
    type_in(page, "#date_of_birth-month", "6")
    type_in(page, "#date_of_birth-year", "1991")
    type_in(page, "#pronouns", "she/her")
    save(page)
    page.wait_for_url("**/victim-address")
    assert_accessible(page, "address page")
    type_in(page, "#postcode", "ig11dd")
    save(page)
    page.wait_for_url("**/victim-needs")
    choose_second(page, "interpreter_needed")
    save(page)

    open_section(page, "Contacting them safely")
    page.wait_for_url("**/safe-contact")
    assert_accessible(page, "safe contact page")
    choose_first(page, "safe_to_contact")
    type_in(page, "#safe_phone", "07700 900123")
    type_in(page, "#safe_times", "Weekdays 10am to 2pm")
    save(page)
    page.wait_for_url("**/safe-methods")
    tab_to(page, "#methods-2")
    page.keyboard.press("Space")
    type_in(page, "#code_word", "bluebell")
    save(page)

    open_section(page, "The person causing harm")
    page.wait_for_url("**/perpetrator")
    choose_first(page, "known")
    save(page)
    page.wait_for_url("**/perpetrator-details")
    assert_accessible(page, "perpetrator details page")
    type_in(page, "#perp_first_name", "Kyle")
    type_in(page, "#perp_last_name", "Example")
    type_in(page, "#relationship", "ex-partner")
    choose_second(page, "refer_to_programme")
    save(page)

    open_section(page, "Children in the household")
    page.wait_for_url("**/children")
    assert_accessible(page, "children question")
    choose_first(page, "has_children")
    save(page)
    page.wait_for_url("**/children/new")
    assert_accessible(page, "add a child")
    type_in(page, "#name", "Child One")
    type_in(page, "#school", "Synthetic Primary")
    save(page)
    page.wait_for_url("**/children")
    expect(page.locator("#children-list")).to_contain_text("Child One")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Child One added")
    assert_accessible(page, "children summary")
    choose_second(page, "add_another")
    save(page)

    open_section(page, "Risk questions")
    for number in range(1, 5):
        page.wait_for_url(f"**/risk-{number}")
        if number == 1:
            assert_accessible(page, "first risk page")
            page.screenshot(path=str(tmp_path / "risk-1.png"), full_page=True)
            page.set_viewport_size({"width": 320, "height": 900})
            fits(page, "first risk page")
            page.set_viewport_size({"width": 1280, "height": 900})
        for n in range(number * 6 - 5, number * 6 + 1):
            (choose_first if n <= 15 else choose_second)(page, f"q{n}")
        save(page)
    page.wait_for_url("**/risk-5")
    assert_accessible_with_reveals(page, "Marac judgement page")
    choose_second(page, "professional_judgement")
    save(page)

    open_section(page, "Needs and what happened")
    page.wait_for_url("**/about")
    assert_accessible(page, "needs and what happened")
    type_in(page, "#narrative", "Synthetic account for a browser test.")
    save(page)

    open_section(page, "Consent")
    page.wait_for_url("**/consent")
    choose_second(page, "status")  # refused: the lawful basis question is revealed
    expect(page.locator("#refused_legal_basis")).to_be_visible()
    assert_accessible_with_reveals(page, "consent with the override revealed")
    page.screenshot(path=str(tmp_path / "consent.png"), full_page=True)
    page.keyboard.press("ArrowLeft")  # focus is still in the group: back to "Yes"
    expect(page.locator("#status")).to_be_checked()
    expect(page.locator("#refused_legal_basis")).to_be_hidden()
    save(page)

    page.wait_for_url(re.compile(r".*/drafts/[0-9a-f-]+$"))
    expect(page.locator("#progress")).to_have_text("You have completed 7 of 7 sections.")
    page.set_viewport_size({"width": 320, "height": 900})
    fits(page, "task list")
    page.screenshot(path=str(tmp_path / "task-list-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    tab_to(page, page.get_by_role("button", name="Check your answers"))
    page.keyboard.press("Enter")

    page.wait_for_url("**/check")
    assert_accessible(page, "check your answers")
    page.screenshot(path=str(tmp_path / "check.png"), full_page=True)
    expect(page.get_by_text("Zoë Okafor").first).to_be_visible()
    expect(page.get_by_text("IG1 1DD")).to_be_visible()
    expect(page.get_by_text("Yes, they have given consent")).to_be_visible()
    change = page.get_by_role("link", name="Change Postcode")
    assert change.get_attribute("href").endswith("/victim-address?return=check#postcode")
    # By keyboard: the Change link opens the page with focus in the postcode box itself, and
    # saving goes straight back to Check answers.
    tab_to(page, change)
    page.keyboard.press("Enter")
    page.wait_for_url("**/victim-address?return=check#postcode")
    expect(page.locator("#postcode")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("IG1 2AB")
    save(page)
    page.wait_for_url("**/check")
    expect(page.get_by_text("IG1 2AB")).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 900})
    fits(page, "check your answers")
    assert_accessible(page, "check your answers at 320px")
    page.screenshot(path=str(tmp_path / "check-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    save(page, "Send referral")

    page.wait_for_url("**/confirmation")
    assert_accessible(page, "confirmation")
    page.screenshot(path=str(tmp_path / "confirmation.png"), full_page=True)
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"DA-\d{4}-\d{6}", reference)
    expect(page.locator(".govuk-notification-banner")).to_have_count(0)  # the panel only
    expect(page.locator("#what-happens-next")).to_contain_text("The first attempt is due by")
    expect(page.locator("#routes")).to_contain_text("Redbridge IDVA service")
    page.goto("/referrals/")
    expect(page.locator("#referrals")).to_contain_text(reference)
    assert_accessible(page, "referrals with one sent")
    tab_to(page, page.get_by_role("button", name="Sign out"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/sign-in")

    sign_in(page, worker)
    page.goto("/inbox/")
    expect(page.get_by_role("link", name=reference)).to_be_visible()


def test_a_draft_is_resumed_and_deleted_from_the_list(page: Page, live_server, app):
    factories.directory()
    referrer = factories.user(Role.REFERRER)
    sign_in(page, referrer)
    page.goto("/referrals/")
    save(page, "Start a referral")
    open_section(page, "About the person you are referring")
    type_in(page, "#first_name", "Aisha")
    type_in(page, "#last_name", "Khan")
    save(page)
    page.wait_for_url("**/victim-address")
    page.goto("/referrals/")
    draft = page.get_by_role("link", name=re.compile(r"^Referral for A\. K\., 0 of 7 sections"))
    expect(draft).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 800})
    fits(page, "referrals list")
    page.set_viewport_size({"width": 1280, "height": 900})
    tab_to(page, draft)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/drafts/[0-9a-f-]+$"))
    expect(page.locator(".govuk-task-list__status").first).to_contain_text("In progress")
    tab_to(page, page.get_by_role("link", name="Delete this draft"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/delete")
    assert_accessible(page, "delete draft")
    save(page, "Yes, delete this draft")
    page.wait_for_url("**/referrals/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Draft referral for Aisha Khan deleted"
    )
    expect(page.locator("#drafts")).to_have_count(0)
