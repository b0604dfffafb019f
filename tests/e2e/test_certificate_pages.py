"""Certificate pages in Chromium: axe finds nothing and nothing scrolls sideways at 320 px."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from daservice.accounts.models import Role
from daservice.training import certificates

from .. import factories
from ..training import _certificates as make
from .test_home_and_oversight_pages import check
from .test_referral_journey import sign_in


def test_certificate_pages_pass_axe(page: Page, app, live_server) -> None:
    app.config["SERVICE_URL"] = make.SERVICE_URL
    agency = factories.agency(name="London Borough of Redbridge")
    coordinator = factories.user(Role.TRAINING_COORDINATOR, agency_row=agency)
    valid = make.certificate(agency, name="Grace Okafor")
    make.certificate(agency, name="Old Holder", completed_on=date(2020, 1, 6), validity_months=12)
    revoked = make.certificate(agency, name="Revoked Holder")
    certificates.revoke(coordinator, revoked, "Issued to the wrong person")

    page.goto("/verify")
    check(page, "verify form")
    page.fill("#code", "O0O0")
    page.get_by_role("button", name="Check certificate").click()
    check(page, "verify form error")
    page.fill("#code", valid.code.lower())
    page.get_by_role("button", name="Check certificate").click()
    # Waits for the page (content() straight after the click could read it half-parsed).
    expect(page.get_by_role("heading", level=1)).to_have_text("This certificate is valid")
    check(page, "verify valid")
    page.goto(f"/verify/{revoked.code}")
    check(page, "verify revoked")
    page.goto("/verify/NOPE-NOPE")
    check(page, "verify not found")

    sign_in(page, coordinator)
    for i in range(51):  # enough for a second page
        make.certificate(agency, name=f"Holder {i:02d}")
    page.goto("/training/certificates/")
    check(page, "certificates list")
    assert page.get_by_role("navigation", name="Pagination").is_visible()
    page.fill("#name", "grace")
    page.get_by_role("button", name="Show certificates").click()
    check(page, "certificates list searched")
    page.get_by_role("link", name="Grace Okafor").click()
    check(page, "certificate detail")
    page.get_by_role("link", name="Back to certificates").click()
    assert page.input_value("#name") == "grace"  # back to the list as it was filtered
    page.goto("/training/certificates/?expiring=y")
    assert page.is_checked("#expiring")
    page.goto(f"/training/certificates/{revoked.id}")
    check(page, "certificate revoked detail")
    assert page.get_by_role("link", name="Download the certificate (PDF)").count() == 0
    page.goto(f"/training/certificates/{revoked.id}/reissue")
    check(page, "reissue refused: revoked")
    page.goto(f"/training/certificates/{valid.id}/revoke")
    page.get_by_role("button", name="Revoke certificate").click()
    check(page, "revoke error")
    page.goto(f"/training/certificates/{valid.id}/reissue")
    check(page, "reissue")
    page.goto("/training/certificates/mine")
    check(page, "mine")
