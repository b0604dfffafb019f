"""The session timeout warning in Chromium (walkthrough B1, WCAG 2.2.1): it opens before the
session ends, takes focus and says how long is left, "Stay signed in" by keyboard keeps the
session, another tab's activity is not lost, and at the end a page's form marked
data-save-on-timeout is sent with timed_out=1 so what was typed is saved (a test-only page, and a
referral journey page whose draft keeps it).

The sessions here last 35 seconds with a 25-second warning (the dialog signs out 5 seconds before
the server would), so each wait is short; the real settings are 15 minutes and 2 minutes."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, redirect, render_template_string, request, url_for
from playwright.sync_api import Page, expect

from daservice.accounts.models import Role, UserSession
from daservice.extensions import db, utcnow

from .. import factories
from .axe import assert_accessible
from .test_referral_journey import sign_in

IDLE_SECONDS, WARNING_SECONDS = 35, 25
WAIT_FOR_WARNING_MS = (IDLE_SECONDS - WARNING_SECONDS + 5) * 1000
WAIT_FOR_SIGN_OUT_MS = (IDLE_SECONDS + 5) * 1000

# A stand-in for a journey page (those views belong to the journey): its form is marked to be
# saved on timeout, and what it receives is kept for the test to read.
NOTES_PAGE = """{% extends "base.html" %}
{% block title %}Notes{% endblock %}
{% block content %}
<h1 class="govuk-heading-l">Notes</h1>
<form method="post" data-save-on-timeout novalidate>
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <div class="govuk-form-group">
    <label class="govuk-label" for="notes">Notes</label>
    <textarea class="govuk-textarea" id="notes" name="notes" rows="5"></textarea>
  </div>
  <button class="govuk-button" type="submit">Save and continue</button>
</form>
{% endblock %}"""


@pytest.fixture
def app(app: Flask) -> Flask:
    app.config["SESSION_IDLE_TIMEOUT"] = timedelta(seconds=IDLE_SECONDS)
    app.config["SESSION_TIMEOUT_WARNING"] = timedelta(seconds=WARNING_SECONDS)
    app.config["received_notes"] = []

    @app.route("/test-only/notes", methods=["GET", "POST"])
    def notes() -> Any:
        if request.method == "POST":
            app.config["received_notes"].append(request.form.to_dict())
            return redirect(url_for("accounts.timed_out"))
        return render_template_string(NOTES_PAGE)

    return app


def _last_seen() -> Any:
    db.session.expire_all()
    return db.session.scalars(sa.select(UserSession.last_seen_at)).one()


def _screenshots(page: Page, name: str, directory: Path) -> None:
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(directory / f"{name}-{width}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_warning_takes_focus_and_stay_signed_in_by_keyboard_keeps_the_session(
    page: Page, live_server, tmp_path: Path
):
    sign_in(page, factories.user(Role.REFERRER))
    page.goto("/")
    page.get_by_role("link", name="Referrals", exact=True).focus()
    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    expect(dialog).to_be_visible(timeout=WAIT_FOR_WARNING_MS)

    # Focus is inside the dialog, on its main action, and the dialog describes the countdown.
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    expect(dialog.get_by_role("button", name="Close")).to_be_hidden()  # only at the limit
    expect(dialog).to_have_accessible_description(
        re.compile(r"we will sign you out in \d+ seconds if you do not do anything")
    )
    # The page behind is inert: Tab stays among the dialog's controls.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    page.keyboard.press("Shift+Tab")
    assert_accessible(page, "timeout warning open")
    screenshots = Path(os.environ.get("DASERVICE_E2E_ARTIFACTS") or tmp_path)
    screenshots.mkdir(parents=True, exist_ok=True)
    _screenshots(page, "timeout-dialog", screenshots)

    # Announced politely, not every second: at 20 seconds left, not before.
    announcer = dialog.locator("[aria-live=polite]")
    expect(announcer).to_have_text("We will sign you out in 20 seconds.", timeout=10_000)

    before = _last_seen()
    expect(stay).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(
        page.get_by_role("link", name="Referrals", exact=True)
    ).to_be_focused()  # back where it was
    assert _last_seen() > before

    # Escape also means "Stay signed in", the next time it opens.
    expect(dialog).to_be_visible(timeout=WAIT_FOR_WARNING_MS)
    before = _last_seen()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert _last_seen() > before
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_at_the_end_the_marked_form_is_sent_with_timed_out_so_typing_is_saved(
    page: Page, live_server, app: Flask
):
    sign_in(page, factories.user(Role.REFERRER))
    page.goto("/test-only/notes")
    page.focus("#notes")
    page.keyboard.type("Spoke to her at 3pm; call back on the safe number only")

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=WAIT_FOR_WARNING_MS)
    expect(dialog.get_by_text("We will save your answers on this page.")).to_be_visible()

    page.wait_for_url("**/signed-out/timed-out", timeout=WAIT_FOR_SIGN_OUT_MS)
    received = app.config["received_notes"]
    assert len(received) == 1
    assert received[0]["notes"] == "Spoke to her at 3pm; call back on the safe number only"
    assert received[0]["timed_out"] == "1"
    expect(page.get_by_role("heading", level=1)).to_have_text("You have been signed out")
    expect(page.get_by_text("We saved your answers.")).to_be_visible()
    assert_accessible(page, "signed out after the timeout")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0


COUNTDOWN_JS = """() => {
  const countdown = '[data-timeout-idle] .app-timeout-dialog__countdown'
  const text = document.querySelector(countdown).textContent
  return /^\\d+ seconds?$/.test(text) ? parseInt(text, 10) : null
}"""


def _countdown(page: Page) -> int:
    return int(page.evaluate(COUNTDOWN_JS))


def test_staying_signed_in_in_another_tab_is_not_lost(page: Page, live_server):
    sign_in(page, factories.user(Role.REFERRER))
    page.goto("/")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=WAIT_FOR_WARNING_MS)
    page.wait_for_function(f"() => ({COUNTDOWN_JS})() <= 8", timeout=WAIT_FOR_SIGN_OUT_MS)

    # Near the end, the user carries on in another tab.
    other = page.context.new_page()
    other.goto("/referrals/")
    token = other.locator("dialog").get_attribute("data-csrf-token")
    response = other.request.post("/session/keep-alive", headers={"X-CSRFToken": token or ""})
    assert response.ok

    # When the first tab's countdown runs out it asks the server first, finds the session
    # extended, and counts down from the new end instead of signing out.
    page.wait_for_timeout(10_000)
    assert page.url == live_server.url_for("/")
    assert _countdown(page) > 10
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_at_the_absolute_limit_the_warning_cannot_extend_the_session(page: Page, live_server):
    sign_in(page, factories.user(Role.REFERRER))
    # The session is 20 seconds short of its absolute limit (8 hours), which comes first.
    db.session.execute(
        sa.update(UserSession).values(
            created_at=utcnow() - timedelta(hours=8) + timedelta(seconds=20)
        )
    )
    db.session.commit()
    page.goto("/")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=WAIT_FOR_WARNING_MS)
    expect(dialog).to_contain_text("You have been signed in for nearly 8 hours")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_hidden()
    expect(dialog.get_by_role("button", name="Sign out")).to_be_focused()
    assert_accessible(page, "timeout warning at the absolute limit")
    page.keyboard.press("Escape")  # closes it to finish what she was doing; nothing extends
    expect(dialog).to_be_hidden()
    page.wait_for_url("**/signed-out/timed-out?reason=limit", timeout=WAIT_FOR_SIGN_OUT_MS)
    expect(page.get_by_text("you had been signed in for 8 hours")).to_be_visible()


def test_without_javascript_there_is_no_dialog_and_forms_still_work(browser, live_server, app):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, factories.user(Role.REFERRER))
        page.goto("/test-only/notes")
        expect(page.locator("dialog")).to_be_hidden()
        page.fill("#notes", "Typed without JavaScript")
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_url("**/signed-out/timed-out")
        assert app.config["received_notes"][0]["notes"] == "Typed without JavaScript"
    finally:
        context.close()


def test_a_referral_page_left_open_is_saved_to_its_draft_when_the_session_ends(
    page: Page, live_server
):
    from daservice.referrals.models import ReferralDraft

    factories.directory()
    sign_in(page, factories.user(Role.REFERRER))
    page.goto("/referrals/")
    page.get_by_role("button", name="Start a referral").click()
    page.get_by_role("link", name="About the person you are referring").click()
    page.wait_for_url("**/victim")
    page.fill("#first_name", "Zoë")  # the last name is still empty: saved anyway, no errors

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=WAIT_FOR_WARNING_MS)
    expect(dialog.get_by_text("We will save your answers on this page.")).to_be_visible()
    page.wait_for_url("**/signed-out/timed-out", timeout=WAIT_FOR_SIGN_OUT_MS)
    expect(page.get_by_text("We saved your answers.")).to_be_visible()

    db.session.expire_all()
    draft = db.session.scalars(sa.select(ReferralDraft)).one()
    assert draft.answers["victim"]["first_name"] == "Zoë"
