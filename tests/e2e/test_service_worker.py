"""A service worker works a referral by keyboard alone: reads who referred her and the safe-
contact instructions, is refused a voicemail her instructions forbid, confirms it with a reason,
and sees it on the timeline. Every page passes axe, at desktop width and at 320 px."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from daservice.accounts.models import Role
from daservice.directory.models import ServiceKind, ServiceMember
from daservice.extensions import db
from daservice.referrals import route_actions

from .. import factories
from .axe import assert_accessible
from .test_referral_journey import sign_in


def _press(page: Page, locator) -> None:
    locator.focus()
    page.keyboard.press("Enter")


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def _referral_to_outreach(**changes: object):
    """A referral routed to outreach, a worker there, and its referrer."""
    services = factories.directory()
    referrer = factories.user(Role.REFERRER)
    worker = factories.user(Role.SERVICE_WORKER)
    outreach = services[ServiceKind.OUTREACH]
    db.session.add(ServiceMember(service_id=outreach.id, user_id=worker.id))
    db.session.commit()
    referral = factories.refer(referrer, factories.referral_payload(**changes))
    route = next(r for r in referral.routes if r.service_id == outreach.id)
    return referral, route, referrer, worker


def test_an_unsafe_contact_attempt_is_refused_then_confirmed_with_a_reason(
    page: Page, live_server, app
):
    referral, route, referrer, worker = _referral_to_outreach()  # voicemail is not safe
    route_actions.accept(worker, route.id)

    sign_in(page, worker)
    page.goto("/inbox/")
    assert_accessible(page, "inbox")
    page.set_viewport_size({"width": 320, "height": 800})
    _no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    _press(page, page.get_by_role("link", name=referral.reference))
    page.wait_for_url(f"**/referrals/{referral.id}")
    expect(page.locator(".app-referred-by")).to_contain_text(referrer.display_name)
    expect(page.locator(".app-safe-contact")).to_contain_text("No – do not leave voicemail")
    assert_accessible(page, "referral page")

    _press(page, page.get_by_role("button", name="Log a contact attempt"))
    page.wait_for_url("**/contact")
    expect(
        page.get_by_text("Not safe: their instructions say do not leave a voicemail.")
    ).to_be_visible()
    assert_accessible(page, "contact attempt form")
    page.get_by_label("Phone call").focus()
    page.keyboard.press("Space")
    page.get_by_label("Left a voicemail").focus()
    page.keyboard.press("Space")
    page.get_by_label("Notes (optional)").focus()
    page.keyboard.type("Rang at 10:15, left a message")
    _press(page, page.get_by_role("button", name="Log contact attempt"))

    # Refused: the error summary takes focus and says why; what was typed is still there.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Her safe-contact instructions say not to contact her this way")
    expect(page.get_by_label("Notes (optional)")).to_have_value("Rang at 10:15, left a message")
    expect(page.locator(".app-safe-contact--unsafe").last).to_contain_text(
        "Their instructions say do not leave them a voicemail."
    )
    assert_accessible(page, "contact attempt refused")
    page.set_viewport_size({"width": 320, "height": 800})
    _no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    _press(page, summary.get_by_role("link"))
    expect(page.locator("#override_reason")).to_be_focused()
    page.keyboard.type("She asked the referrer today for a voicemail on this number")
    _press(page, page.get_by_role("button", name="Log contact attempt"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Contact attempt logged"
    )
    timeline = page.locator(".app-timeline")
    expect(timeline).to_contain_text("Against their safe-contact instructions")
    expect(timeline).to_contain_text("She asked the referrer today for a voicemail")
    expect(timeline).to_contain_text("Rang at 10:15, left a message")
    assert_accessible(page, "referral page with the timeline")
    page.set_viewport_size({"width": 320, "height": 800})
    _no_sideways_scroll(page)


def test_not_safe_to_contact_is_a_warning_naming_the_referrer(page: Page, live_server, app):
    referral, _, referrer, worker = _referral_to_outreach(safe_contact__safe_to_contact=False)
    sign_in(page, worker)
    page.goto(f"/referrals/{referral.id}")
    warning = page.locator(".app-safe-contact--unsafe .govuk-warning-text")
    expect(warning).to_contain_text("Do not contact them directly. It is not safe.")
    expect(warning).to_contain_text(f"Speak to {referrer.display_name}")
    assert_accessible(page, "referral page, not safe to contact")
    page.set_viewport_size({"width": 320, "height": 800})
    _no_sideways_scroll(page)
    assert_accessible(page, "referral page, not safe to contact, 320 px")
