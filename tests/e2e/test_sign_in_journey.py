"""A user signs in with MFA in Chromium, by keyboard, and every page passes axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from daservice.accounts import mfa
from daservice.accounts.models import Role, User
from daservice.extensions import db

from .. import factories
from .axe import assert_accessible


def _secret_from_page(page) -> str:
    page.get_by_text("I cannot scan the QR code").click()
    return re.sub(r"\s", "", page.locator("#setup-key").inner_text())


def test_first_sign_in_enrols_mfa_and_reaches_home_by_keyboard(page, live_server):
    user = factories.user(Role.REFERRER, enrolled=False)

    page.goto("/sign-in")
    assert_accessible(page, "sign-in page")
    # Keyboard only: tab from the skip link into the form, type, press Enter.
    page.keyboard.press("Tab")
    page.focus("#email")
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url("**/sign-in/set-up-authenticator")
    expect(page.locator("img.app-qr")).to_be_visible()
    assert_accessible(page, "MFA set-up page")
    secret = _secret_from_page(page)
    page.focus("#code")
    page.keyboard.type(mfa.code_at(secret))
    page.keyboard.press("Enter")

    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    assert_accessible(page, "recovery codes page")
    page.get_by_role("button", name=re.compile("continue", re.I)).press("Enter")

    page.wait_for_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.display_name}")
    assert_accessible(page, "home page")


def test_returning_user_enters_code_and_error_states_are_accessible(page, live_server):
    user = factories.user(Role.ADMIN)
    page.goto("/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", "wrong password entirely")
    page.click("button:has-text('Sign in')")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page, "sign-in page with errors")

    page.fill("#password", factories.PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/sign-in/security-code")
    page.fill("#code", "12")
    page.click("button:has-text('Continue')")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "security code page with errors")
    db.session.expire_all()
    page.fill("#code", factories.next_code(db.session.get(User, user.id)))
    page.click("button:has-text('Continue')")
    page.wait_for_url(live_server.url + "/")
    assert_accessible(page, "home page (admin)")
    page.get_by_role("link", name="Users").first.click()
    page.wait_for_url("**/admin/users")
    assert_accessible(page, "users page")
    factories.directory()
    page.goto("/admin/services/")
    assert_accessible(page, "services page")
    page.get_by_role("link", name="Redbridge IDVA service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redbridge IDVA service")
    assert_accessible(page, "service page")

    from daservice import notify
    from daservice.notify.models import MessageStatus

    notify.register_template("e2e.waiting", subject="Waiting", body="{service_url}")
    message = notify.enqueue("e2e.waiting", to="worker@demo.daservice.invalid")
    message.status, message.attempts, message.last_error = MessageStatus.FAILED, 8, "SMTPError"
    db.session.commit()
    page.get_by_role("link", name="Notifications").first.click()
    page.wait_for_url("**/admin/notifications")
    expect(page.get_by_text("worker@demo.daservice.invalid", exact=True)).to_be_visible()
    assert_accessible(page, "notifications not sent")
    page.get_by_role("button", name="Try again to send to worker@demo.daservice.invalid").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("sent again")
    expect(page.get_by_text("Every notification has been sent")).to_be_visible()
    assert_accessible(page, "notifications, all sent")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
