"""A frontline professional refers a victim by keyboard alone; a service worker accepts the
referral and logs a contact attempt. Every page passes axe."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from daservice.accounts.models import Role, User
from daservice.directory.models import ServiceKind, ServiceMember
from daservice.extensions import db

from .. import factories
from .axe import assert_accessible


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


def type_into(page: Page, selector: str, text: str) -> None:
    page.focus(selector)
    page.keyboard.type(text)


def choose(page: Page, selector: str) -> None:
    """Select a radio or tick a checkbox with the keyboard."""
    page.focus(selector)
    page.keyboard.press("Space")


def submit(page: Page, name: str = "Save and continue") -> None:
    page.get_by_role("button", name=name).focus()
    page.keyboard.press("Enter")


def test_refer_by_keyboard_then_a_service_worker_works_it(page: Page, live_server, app):
    services = factories.directory()
    referrer = factories.user(Role.REFERRER)
    worker = factories.user(Role.SERVICE_WORKER)
    db.session.add(ServiceMember(service_id=services[ServiceKind.IDVA].id, user_id=worker.id))
    db.session.commit()

    sign_in(page, referrer)
    page.goto("/referrals/")
    assert_accessible(page, "referrals")
    submit(page, "Start a referral")

    page.wait_for_url("**/victim")
    assert_accessible(page, "victim page")
    type_into(page, "#first_name", "Zoë")
    type_into(page, "#last_name", "Okafor")
    type_into(page, "#date_of_birth-day", "14")
    type_into(page, "#date_of_birth-month", "6")
    type_into(page, "#date_of_birth-year", "1991")
    type_into(page, "#postcode", "IG1 1DD")
    choose(page, "#interpreter_needed-2")
    submit(page)

    page.wait_for_url("**/safe-contact")
    submit(page)  # nothing chosen: the error summary appears and is accessible
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "safe contact with errors")
    choose(page, "#safe_to_contact")
    type_into(page, "#phone", "07700 900123")
    type_into(page, "#safe_times", "Weekdays 10am to 2pm")
    choose(page, "#methods-2")
    type_into(page, "#code_word", "bluebell")
    submit(page)

    page.wait_for_url("**/perpetrator")
    assert_accessible(page, "perpetrator page")
    choose(page, "#known")
    type_into(page, "#first_name", "Kyle")
    type_into(page, "#last_name", "Example")
    type_into(page, "#relationship", "ex-partner")
    choose(page, "#refer_to_programme-2")
    submit(page)

    page.wait_for_url("**/children")
    assert_accessible(page, "children page")
    type_into(page, "#name", "Child One")
    submit(page, "Add this child")
    expect(page.locator("dt", has_text="Child One")).to_be_visible()
    submit(page, "Continue")

    page.wait_for_url("**/risk")
    assert_accessible(page, "risk page")
    for n in range(1, 25):
        choose(page, f"#q{n}" if n <= 15 else f"#q{n}-2")
    choose(page, "#professional_judgement-2")
    submit(page)

    page.wait_for_url("**/about")
    assert_accessible(page, "needs and narrative page")
    type_into(page, "#narrative", "Synthetic account for a browser test.")
    submit(page)

    page.wait_for_url("**/consent")
    assert_accessible(page, "consent page")
    choose(page, "#status")
    submit(page)

    page.wait_for_url("**/check")
    assert_accessible(page, "check your answers")
    expect(page.get_by_text("Zoë Okafor")).to_be_visible()
    submit(page, "Send referral")

    page.wait_for_url("**/confirmation")
    assert_accessible(page, "confirmation")
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"DA-\d{4}-\d{6}", reference)
    expect(page.locator("#risk-result")).to_contain_text("high risk")
    expect(page.locator("#routes")).to_contain_text("Redbridge IDVA service")
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/sign-in")

    # The IDVA worker finds it in the inbox, reads the safe-contact instructions, accepts, calls.
    sign_in(page, worker)
    page.goto("/inbox/")
    assert_accessible(page, "inbox")
    page.get_by_role("link", name=reference).click()
    expect(page.locator(".app-safe-contact")).to_contain_text("bluebell")
    assert_accessible(page, "referral page for the service")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Referral accepted")
    page.get_by_role("button", name="Log a contact attempt").click()
    page.wait_for_url("**/contact")
    expect(page.locator(".app-safe-contact")).to_be_visible()
    assert_accessible(page, "contact attempt page")
    page.get_by_label("Phone call").check()
    page.get_by_label("Spoke to her").check()
    page.get_by_role("button", name="Log contact attempt").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Contact attempt logged"
    )
