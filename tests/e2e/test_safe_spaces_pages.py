"""The public safe spaces page and the coordinator's site pages: axe finds nothing and nothing
scrolls sideways at 320 px or desktop width; "Exit this page" leaves at once; the area filter
works by keyboard."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from daservice.accounts.models import Role

from .. import factories
from ..training.test_safe_spaces import certify, safe_site, site, trainee
from .test_home_and_oversight_pages import check
from .test_referral_journey import sign_in


def test_public_safe_spaces_page(page: Page, live_server):
    safe_site(name="Northgate Library", area="Northgate", address="1 High Street, Northgate")
    safe_site(name="Eastfield Pharmacy", area="Eastfield ward")
    page.goto("/safe-spaces")
    expect(page.get_by_role("heading", name="Safe spaces", level=1)).to_be_visible()
    check(page, "Safe spaces (public)")

    page.focus("#area")
    page.keyboard.press("End")  # the last area: Northgate
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/safe-spaces?area=Northgate")
    expect(page.get_by_role("heading", name="Northgate Library")).to_be_visible()
    expect(page.get_by_text("Eastfield Pharmacy")).to_have_count(0)
    check(page, "Safe spaces filtered by area")

    # The GOV.UK component's script is in the bundle and initialised: Shift three times leaves.
    page.route("https://www.bbc.co.uk/**", lambda route: route.fulfill(body="<p>Weather</p>"))
    page.locator("body").click()
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url("https://www.bbc.co.uk/**")


def test_coordinator_site_pages(page: Page, live_server):
    agency = factories.agency(name="Borough Health")
    place = site(agency, name="Eastfield Surgery", area="Eastfield ward")
    trained = trainee(agency, at=place, name="Amina Trained")
    certify(trained)
    trainee(agency, name="Bella Available", job_role="Receptionist")
    safe_site(name="Northgate Library", area="Northgate")
    sign_in(page, factories.user(Role.TRAINING_COORDINATOR))

    page.goto("/training/sites/")
    check(page, "Sites")
    page.get_by_role("link", name="Eastfield Surgery").click()
    expect(page.get_by_text("It needs 1 more trained person")).to_be_visible()
    check(page, "Site page")

    page.get_by_role("button", name="Add staff").click()
    check(page, "Add staff to a site")
    page.get_by_label("Bella Available").check()
    page.get_by_role("button", name="Add to this site").click()
    expect(page.get_by_text("Added 1 person to Eastfield Surgery")).to_be_visible()

    page.goto(f"/training/sites/{place.id}/edit")
    page.fill("#name", "")
    page.get_by_role("button", name="Save site").click()
    expect(page.get_by_role("link", name="Enter the site name")).to_be_visible()
    check(page, "Site form with errors")
