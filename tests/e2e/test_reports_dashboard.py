"""A manager signs in to the reports dashboard, filters it by keyboard, downloads a table as CSV
and reads it; axe finds nothing and nothing scrolls sideways at 320 px or on a desktop.

Set ``E2E_SCREENSHOTS`` to keep a screenshot of each page (see test_home_and_oversight_pages).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, expect

from .. import factories
from ..reports import world
from .test_home_and_oversight_pages import check
from .test_referral_journey import sign_in, tab_to


def test_a_manager_filters_the_dashboard_and_downloads_a_table(page: Page, live_server):
    factories.directory()
    police = world.agency("MPS")
    hospital = world.agency("BHRUT")
    world.referrals(police, datetime(2026, 5, 12, 11, tzinfo=UTC), 6)
    world.referrals(hospital, datetime(2026, 5, 20, 15, tzinfo=UTC), 5, high=True)
    world.referrals(hospital, datetime(2026, 6, 2, 9, tzinfo=UTC), 2)

    sign_in(page, world.manager())
    assert page.url.endswith("/reports/")  # her home page is the dashboard
    expect(page.get_by_role("heading", name="Contents")).to_be_visible()
    expect(page.locator("svg.app-chart").first).to_be_visible()
    check(page, "Reports dashboard")
    # 200% zoom on a 1280 px screen is a 640 px wide page: nothing may scroll sideways there.
    page.set_viewport_size({"width": 640, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    chart_width = page.locator("svg.app-chart").first.bounding_box()["width"]
    assert chart_width <= 640 - 30
    page.set_viewport_size({"width": 1280, "height": 900})

    # By keyboard: a month, an agency, then Show figures.
    tab_to(page, "#period")
    page.keyboard.type("May 2026")
    tab_to(page, "#agency")
    page.keyboard.type("Metropolitan")
    tab_to(page, "button:has-text('Show figures')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reports/?period=2026-05*")
    expect(page.get_by_role("heading", level=1)).to_have_text("May 2026")
    rows = page.locator("#table-referrals-by-agency tbody th")
    expect(rows).to_have_text(["Metropolitan Police Service", "Total"])
    check(page, "Reports dashboard for one agency and month")

    with page.expect_download() as download:
        page.locator('#come-forward a[href*="/referrals-by-agency.csv"]').focus()
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "referrals-by-agency-2026-05.csv"
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [
        ["Agency", "Standard", "Medium", "High", "Total"],
        ["Metropolitan Police Service", "6", "0", "0", "6"],
        ["Total", "6", "0", "0", "6"],
    ]

    # A typo in the address is an error on the page, not a 500 or a 404.
    page.goto("/reports/?period=2026-Q5")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a period like")
    check(page, "Reports dashboard with an error")
