"""An administrator adds a service worker; the worker sets up her own account from the emailed
link, by keyboard; every page passes axe (desktop and 320 px)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from daservice.accounts import mfa
from daservice.accounts.models import Role, User
from daservice.extensions import db

from .. import factories
from .axe import assert_accessible

NEW_PASSWORD = "violet kettle harbour lamp"
SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder to keep screenshots in, to look at


def _look(page, name: str) -> None:
    """Check a page with axe at desktop width and at 320 px (and keep screenshots if asked)."""
    assert_accessible(page, name)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name.replace(' ', '-')}.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    assert_accessible(page, name + " at 320 px")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name.replace(' ', '-')}-320.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _sign_in_admin(page, live_server) -> None:
    admin = factories.user(Role.ADMIN)
    page.goto("/sign-in")
    page.fill("#email", admin.email)
    page.fill("#password", factories.PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/sign-in/security-code")
    db.session.expire_all()
    page.fill("#code", factories.next_code(db.session.get(User, admin.id)))
    page.click("button:has-text('Continue')")
    page.wait_for_url(live_server.url + "/")


def test_a_new_worker_sets_up_her_own_account_from_the_link(page, browser, live_server):
    factories.directory()
    _sign_in_admin(page, live_server)
    page.goto("/admin/users/new")
    expect(page.get_by_text("Sees only the referrals they made.")).to_be_visible()
    _look(page, "add a user")
    page.fill("#email", "new.worker@example.test")
    page.fill("#display_name", "Nadia Worker")
    page.select_option("#agency", label="Victim Support")
    page.get_by_label("Service worker").check()
    page.click("button:has-text('Add user')")
    page.wait_for_url("**/link-sent?reason=new")
    expect(page.locator("#setup-link-sent")).to_contain_text("new.worker@example.test")
    expect(page.get_by_role("link", name="Add them to a service")).to_be_visible()
    assert "temporary" not in page.content().lower()
    _look(page, "set-up link sent")

    (message,) = factories.deliver()
    link = re.search(r"/account/set-up/\S+", message.body).group(0)

    holder = browser.new_context(
        base_url=live_server.url, locale="en-GB", accept_downloads=True
    ).new_page()
    holder.goto(link)
    holder.wait_for_url("**/account/set-up")
    expect(holder.get_by_role("heading", level=1)).to_have_text("Set up your account")
    _look(holder, "set up your account")
    # Keyboard only, with a mistake first: the passwords do not match.
    holder.focus("#new_password")
    holder.keyboard.type(NEW_PASSWORD)
    holder.keyboard.press("Tab")  # the password's "Show" button, then the confirmation
    holder.keyboard.press("Tab")
    holder.keyboard.type("something else entirely")
    holder.focus("#code")
    holder.keyboard.type("123456")
    holder.keyboard.press("Enter")
    expect(holder.locator(".govuk-error-summary")).to_contain_text("The passwords do not match")
    _look(holder, "set up your account with errors")

    holder.get_by_text("I cannot scan the QR code").click()
    secret = re.sub(r"\s", "", holder.locator("#setup-key").inner_text())
    holder.fill("#new_password", NEW_PASSWORD)
    holder.fill("#confirm_password", NEW_PASSWORD)
    holder.fill("#code", mfa.code_at(secret))
    holder.keyboard.press("Enter")
    holder.wait_for_selector("#recovery-codes")
    assert holder.locator("#recovery-codes li").count() == 10
    expect(holder.locator("#download-recovery-codes")).to_have_attribute(
        "download", "recovery-codes.txt"
    )
    with holder.expect_download() as download:
        holder.click("#download-recovery-codes")
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert holder.locator("#recovery-codes li").first.inner_text() in saved
    _look(holder, "recovery codes after set-up")
    holder.get_by_role("button", name=re.compile("continue", re.I)).click()
    holder.wait_for_url(live_server.url + "/")
    expect(holder.get_by_role("heading", level=1)).to_have_text("Welcome, Nadia Worker")

    holder.goto(link)  # used once
    expect(holder.get_by_role("heading", level=1)).to_have_text("This link does not work")
    _look(holder, "set-up link does not work")
