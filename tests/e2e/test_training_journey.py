"""Issue 11's browser journeys through the training programme.

A training coordinator, from the home page and by links alone, creates a run of two sessions with
two places, books three people (the third waits), cancels one (the waiting one is booked and
told), marks one register by keyboard and the other with "Mark everyone present", downloads the
run's certificates PDF and, signed out, checks the code printed on its first page. The public
verify form answers an unknown code calmly and a malformed one with the error summary. An agency
training lead sees only her own agency's people and certificates. axe checks every page (the
main ones at 320 px too) and nothing scrolls sideways at 320 px.

Set ``E2E_SCREENSHOTS`` to a directory to keep a screenshot of each page at each width.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pypdfium2
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from daservice.accounts.models import Role
from daservice.extensions import db
from daservice.training import enrolment, planning, registers
from daservice.training.models import Certificate, CourseRun, Mark, Target
from daservice.uk_time import uk_today

from .. import factories
from ..training.conftest import course, messages, run_of, start_in_the_past, trainee
from .axe import assert_accessible
from .conftest import LiveServer
from .test_home_and_oversight_pages import SHOTS, check
from .test_referral_journey import sign_in, tab_to

CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{4}(?:-[2-9A-HJKMNP-Z]{4}){2,}\b")
COURSE = "Recognising domestic abuse"


def _fill_session(page: Page, days_ahead: int, starts: str, ends: str) -> None:
    day = uk_today() + timedelta(days=days_ahead)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Start time").fill(starts)
    page.get_by_label("End time").fill(ends)
    page.get_by_label("In person, at a venue").check()
    page.get_by_label("Venue, or how to join online").fill("Town Hall, Room 2")


def _choose_staff(page: Page, name: str) -> None:
    """Choose a person by name in "Member of staff" (a coordinator sees "Name (Agency)")."""
    select = page.get_by_label("Member of staff")
    option = select.locator("option", has_text=name)
    select.select_option(value=option.get_attribute("value"))
    page.get_by_role("button", name="Book a place").click()


def _book(page: Page, name: str, then: str) -> None:
    page.get_by_role("link", name="Book a place").click()
    _choose_staff(page, name)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(then)


def _blank(png: pypdfium2.PdfBitmap) -> bool:
    """Every pixel the same colour (a white page, or nothing drawn)."""
    image = png.to_pil().convert("L")
    low, high = image.getextrema()
    return bool(low == high)


def _first_page(pdf: Path, out: Path) -> tuple[str, bool]:
    """Page 1's text (pypdf) and whether its PDFium rendering is blank (saved to *out*)."""
    text = PdfReader(pdf).pages[0].extract_text()
    document = pypdfium2.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=1)
        bitmap.to_pil().save(out)
        return text, _blank(bitmap)
    finally:
        document.close()


def test_a_coordinator_runs_a_course_from_home_page_to_verified_certificate(
    page: Page, browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    council = factories.agency(name="Redbridge Council")
    health = factories.agency(name="Borough Health")
    coordinator = factories.user(Role.TRAINING_COORDINATOR, agency_row=council)
    course(title=COURSE)  # attendance only: no evaluation, no knowledge check
    course(title="Safe enquiry in practice", knowledge_check_pass_mark=70)
    people = {
        "Priya Shah": trainee(council, name="Priya Shah"),
        "Olu Bello": trainee(health, name="Olu Bello"),
        "Ana Lima": trainee(council, name="Ana Lima"),
    }

    sign_in(page, coordinator)
    check(page, "Home as training coordinator")
    page.get_by_role("link", name="Go to the training dashboard").click()
    check(page, "Training dashboard")
    page.get_by_role("navigation", name="Training programme").get_by_role(
        "link", name="Course runs"
    ).click()
    check(page, "Course runs")
    page.get_by_role("link", name="Create a run").click()
    check(page, "Create a run")

    page.get_by_label(COURSE).check()
    page.get_by_label("Trainer").fill("Sam Trainer")
    page.get_by_label("Places").fill("2")
    _fill_session(page, 7, "9:30am", "12:30pm")
    page.get_by_role("button", name="Create run").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)
    page.get_by_role("link", name="Add a session").click()
    check(page, "Add a session")
    _fill_session(page, 8, "13:30", "16:30")
    page.get_by_role("button", name="Save session").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Session added")

    _book(page, "Priya Shah", "Priya Shah is booked on this run")
    _book(page, "Olu Bello", "Olu Bello is booked on this run")
    page.get_by_role("link", name="Book a place").click()
    expect(page.get_by_text("The run is full")).to_be_visible()
    check(page, "Book a place on a full run")
    _choose_staff(page, "Ana Lima")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The run is full. Ana Lima is number 1 on the waiting list"
    )
    expect(page.get_by_text("Waiting list (1)")).to_be_visible()
    check(page, "Run with a waiting list")

    page.get_by_role("link", name="Cancel Priya Shah’s place").click()
    check(page, "Cancel a place")
    page.get_by_label("Why is the place cancelled? (optional)").fill("Off sick")
    page.get_by_role("button", name="Cancel place").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Place cancelled. Ana Lima is booked from the waiting list"
    )
    expect(page.get_by_text("Waiting list (")).to_have_count(0)
    (told,) = messages("training.promoted")
    assert told.address == people["Ana Lima"].work_email

    # The run's days come (a register is marked once its session has started).
    run_id = uuid.UUID(page.url.rsplit("/", 1)[1])
    start_in_the_past(db.session.get(CourseRun, run_id))
    page.reload()

    # The first session's register by keyboard: Tab into each person's radios, Space chooses
    # the first (Present), the arrow key the next (Late); Enter on "Save register".
    page.get_by_role("link", name="Register").first.click()
    check(page, "Register of the first session")
    ana = page.get_by_role("group", name="Ana Lima")
    olu = page.get_by_role("group", name="Olu Bello")
    tab_to(page, ana.get_by_role("radio", name="Present"))
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(olu.get_by_role("radio", name="Present")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(ana.get_by_role("radio", name="Present")).to_be_checked()
    expect(olu.get_by_role("radio", name="Late")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Save register"))
    page.keyboard.press("Enter")
    banner = page.locator(".govuk-notification-banner__content")
    expect(banner).to_have_text("Register saved")  # not the last session: no certificates yet

    page.get_by_role("link", name="Register").nth(1).click()
    expect(page.get_by_text("This is the run’s last session")).to_be_visible()
    check(page, "Register of the last session")
    page.get_by_role("button", name="Mark everyone present and save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Register saved. 2 certificates issued"
    )
    expect(page.get_by_text("Completed (2)")).to_be_visible()
    check(page, "Run with its certificates")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the certificates for this run")).click()
    pdf = tmp_path / "certificates.pdf"
    download.value.save_as(pdf)
    text, blank = _first_page(pdf, Path(SHOTS or tmp_path) / "certificate-page-1.png")
    assert not blank, "page 1 of the run's certificates PDF renders blank"
    found = CODE.search(text)
    assert found, f"no certificate code on page 1 of the PDF: {text!r}"
    holder = next(name for name in ("Ana Lima", "Olu Bello") if name in text)

    # Signed out, in a fresh browser: the public verify form confirms the printed code.
    public = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        visitor = public.new_page()
        visitor.goto("/verify")
        visitor.get_by_label("Certificate code").fill(found.group(0))
        visitor.get_by_role("button", name="Check certificate").click()
        expect(visitor.get_by_role("heading", level=1)).to_have_text("This certificate is valid")
        expect(visitor.locator(".govuk-summary-list")).to_contain_text(holder)
        expect(visitor.locator(".govuk-summary-list")).to_contain_text(COURSE)
        check(visitor, "Verify: valid")
    finally:
        public.close()


def test_the_public_verify_form_answers_unknown_and_malformed_codes(page: Page, live_server):
    page.goto("/verify")
    check(page, "Verify form")
    page.get_by_label("Certificate code").fill("2345-6789-ABCD-EFGH")
    page.get_by_role("button", name="Check certificate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("not found")
    check(page, "Verify: not found")

    page.goto("/verify")
    page.get_by_label("Certificate code").fill("not a code!")
    page.get_by_role("button", name="Check certificate").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(page.get_by_label("Certificate code")).to_have_value("not a code!")
    check(page, "Verify form with an error")


def test_an_agency_training_lead_sees_only_her_agency(page: Page, live_server) -> None:
    council = factories.agency(name="Redbridge Council")
    health = factories.agency(name="Borough Health")
    coordinator = factories.user(Role.TRAINING_COORDINATOR, agency_row=council)
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=council)
    awareness = course(title=COURSE)
    run = run_of(coordinator, awareness, capacity=4)
    year = planning.current_year(
        planning.save_plan(coordinator, None, name="Frontline training", starts_on=date(2024, 4, 1))
    )
    db.session.add_all(
        Target(plan_year_id=year.id, agency_id=a.id, course_id=awareness.id, target_count=n)
        for a, n in ((council, 40), (health, 25))
    )
    db.session.commit()
    ours = trainee(council, name="Priya Shah")
    theirs = trainee(health, name="Olu Bello")
    booked = [enrolment.enrol(coordinator, run.id, t.id).enrolment for t in (ours, theirs)]
    start_in_the_past(run)
    (session,) = run.sessions
    saved = registers.save(coordinator, session.id, {e.id: Mark.PRESENT for e in booked})
    their_certificate: Certificate = next(
        c for c in saved.certificates if c.trainee_id == theirs.id
    )

    sign_in(page, lead)
    page.get_by_role("link", name="Go to your agency's training").click()
    expect(page.locator("main")).to_contain_text("(40 this year)")  # her agency's target
    expect(page.locator("main")).not_to_contain_text("(25 this year)")
    expect(page.locator("main")).not_to_contain_text("Borough Health")
    check(page, "Lead's training dashboard")

    sections = page.get_by_role("navigation", name="Training programme")
    sections.get_by_role("link", name="Course runs").click()
    check(page, "Course runs as the lead")
    page.get_by_role("link", name=COURSE).first.click()
    expect(page.get_by_role("heading", name="People from your agency")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Priya Shah")
    expect(page.locator("main")).not_to_contain_text("Olu Bello")
    expect(page.locator("main")).not_to_contain_text("Borough Health")
    check(page, "Run as the lead")

    _to_section(page, "Your agency's staff")
    expect(page.locator("main")).to_contain_text("Priya Shah")
    expect(page.locator("main")).not_to_contain_text("Olu Bello")
    check(page, "Lead's staff list")

    _to_section(page, "Certificates")
    expect(page.locator("main")).to_contain_text("Priya Shah")
    expect(page.locator("main")).not_to_contain_text("Olu Bello")
    check(page, "Lead's certificates")

    for url in (f"/training/staff/{theirs.id}", f"/training/certificates/{their_certificate.id}"):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        assert_accessible(page, f"not found: {url}")


def _to_section(page: Page, name: str) -> None:
    """From anywhere, through the service navigation's Training page to one of its sections."""
    page.locator(".govuk-service-navigation").get_by_role("link", name="Training").click()
    page.get_by_role("navigation", name="Training programme").get_by_role("link", name=name).click()
