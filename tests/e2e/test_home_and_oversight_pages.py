"""Each role's home page, the admin's and the DPO's pages, and the public footer pages pass axe
and never scroll sideways at 320 px (WCAG 1.4.10) or at desktop width; the admin's navigation
fits on one line at 1280 px.

Set ``E2E_SCREENSHOTS`` to a directory to keep a full-page screenshot of each page at each
width (for looking at them, not for asserting).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from daservice.accounts.models import Role, User
from daservice.directory.models import ServiceKind, ServiceMember
from daservice.extensions import db

from .. import factories
from .axe import assert_accessible
from .test_referral_journey import sign_in

WIDTHS = {"320": 320, "desktop": 1280}
SHOTS = os.environ.get("E2E_SCREENSHOTS")


def check(page: Page, name: str, reveals: bool = False) -> None:
    """axe finds nothing, and nothing pushes the page sideways, at each width. ``reveals``: the
    page has GOV.UK conditional reveals on radios, whose aria-expanded alone is let through
    (``assert_accessible_with_reveals``)."""
    from .test_referral_journey import assert_accessible_with_reveals

    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{name} scrolls sideways at {label}"
        )
        if reveals:
            assert_accessible_with_reveals(page, f"{name} at {label}")
        else:
            assert_accessible(page, f"{name} at {label}")
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            page.screenshot(path=f"{SHOTS}/{slug}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _world() -> dict:
    """Two referrals: one to a staffed Idva service, one to community outreach (nobody works
    it), so the outbox has a message it could not send."""
    services = factories.directory()
    referrer = factories.user(Role.REFERRER)
    worker = factories.user(Role.SERVICE_WORKER)
    db.session.add(ServiceMember(service_id=services[ServiceKind.IDVA].id, user_id=worker.id))
    db.session.commit()
    high = factories.referral_payload(risk__answers=factories.high_risk_answers())
    referral = factories.refer(referrer, high)
    factories.refer(referrer, factories.referral_payload(victim__last_name="Mensah"))
    factories.deliver()
    return {"referrer": referrer, "worker": worker, "referral": referral}


def test_home_pages_say_what_needs_each_role(page: Page, live_server):
    world = _world()
    sign_in(page, world["worker"])
    expect(page.locator("#worker-attention")).to_contain_text(re.compile(r"1 new referral"))
    check(page, "Home as service worker")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, world["referrer"])
    expect(page.locator("#referrer-attention")).to_be_visible()
    check(page, "Home as referrer")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, factories.user(Role.MANAGER))  # her home page is the reports dashboard
    expect(page.get_by_role("heading", name="Contents")).to_be_visible()
    check(page, "Home as manager")


def test_admin_pages_fit_the_screen(page: Page, live_server):
    _world()
    sign_in(page, factories.user(Role.ADMIN))
    expect(page.locator("#unstaffed-services")).to_contain_text("Community outreach")
    expect(page.locator("#failed-notifications")).to_contain_text("could not be sent")
    check(page, "Home as admin")
    # C10: the admin's navigation fits on one line beside the service name at 1280 px.
    tops = page.evaluate(
        """() => [".govuk-service-navigation__service-name",
                  ...Array.from(document.querySelectorAll(".govuk-service-navigation__item"),
                                (_, i) => `.govuk-service-navigation__item:nth-child(${i + 1})`)]
             .map(s => Math.round(document.querySelector(s).getBoundingClientRect().bottom))"""
    )
    assert max(tops) - min(tops) <= 12, f"navigation wraps at 1280 px: {tops}"

    page.goto("/admin/users")
    check(page, "Users")
    page.goto("/admin/services/")
    check(page, "Services")
    page.get_by_role("link", name="Community outreach").click()
    page.fill("#minimum_age", "Sixteen")
    page.fill("#capacity_available", "30")
    page.fill("#capacity_maximum", "20")
    page.get_by_role("button", name="Save service").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Minimum age must be a whole number, like 16"
    )
    check(page, "Service with errors")
    page.goto("/admin/notifications")
    check(page, "Notifications")


def test_dpo_finds_a_record_and_sees_who_accessed_it(page: Page, live_server):
    world = _world()
    sign_in(page, factories.user(Role.DPO))
    check(page, "Home as DPO")
    page.get_by_role("link", name="Find a record and see who accessed it").click()
    check(page, "Find a record")

    page.get_by_label("Referral reference").fill("DA-2026")
    page.get_by_role("button", name="Find referral").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page, "Find a record with an error")

    page.get_by_label("Referral reference").fill(world["referral"].reference)
    page.get_by_role("button", name="Find referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Referral {world['referral'].reference}"
    )
    check(page, "Access log")

    page.goto("/dpo/access?reference=DA-2026-999999")
    expect(page.get_by_role("heading", level=1)).to_contain_text("No record found")
    check(page, "No record found")

    page.goto("/dpo/people?last_name=Okafor&date_of_birth=14&date_of_birth=6&date_of_birth=1991")
    expect(page.get_by_role("heading", level=1)).to_have_text("1 person found")
    check(page, "People found")

    db.session.expire_all()
    worker = db.session.get(User, world["worker"].id)
    page.goto(f"/dpo/users?q={worker.email}")
    check(page, "Users found")
    page.get_by_role("link", name=worker.display_name).click()
    page.get_by_role("link", name="See what this user did").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"What {worker.display_name} did")
    check(page, "What a user did")


def test_footer_pages_are_public_and_accessible(page: Page, live_server):
    page.goto("/sign-in")
    expect(page.get_by_role("link", name="contact support")).to_be_visible()
    for link, name in (
        ("Accessibility statement", "Accessibility statement"),
        ("Privacy and cookies", "Privacy notice"),
        ("Get help", "Get help with this service"),
    ):
        page.goto("/sign-in")
        page.locator(".govuk-footer").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        check(page, name)
