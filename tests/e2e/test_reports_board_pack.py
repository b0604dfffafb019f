"""A manager prepares the board pack from her exports page: the status page shows its progress
and becomes a download (prepared on a background thread, as in production); the PDF's pages,
rendered to PNG, hold the chart and the table. The status page and the exports list pass axe
and do not scroll sideways at 320 px.

Set ``E2E_SCREENSHOTS`` to keep the screenshots and the rendered pages."""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from daservice.accounts.models import Agency, Role
from daservice.extensions import db
from daservice.reports import periods
from daservice.uk_time import uk_today

from .. import factories
from .test_home_and_oversight_pages import check
from .test_referral_journey import sign_in

SHOTS = os.environ.get("E2E_SCREENSHOTS")


def _blue_pixels(image) -> int:
    """GOV.UK blue (#1d70b8): the chart's bars."""
    return sum(
        1
        for r, g, b in image.convert("RGB").get_flattened_data()
        if abs(r - 29) < 25 and abs(g - 112) < 25 and abs(b - 184) < 25
    )


def _under(page, text: str, scale: float):
    """The strip of ``page`` (rendered at ``scale``) from the top of ``text`` to 8 mm below it,
    as wide as the text column: where the board pack draws that row's bar."""
    textpage = page.get_textpage()
    index, _ = textpage.search(text, match_case=True).get_next()
    left, _, _, top = textpage.get_charbox(index)
    height = page.get_height()
    image = page.render(scale=scale).to_pil()
    y = (height - top) * scale
    return image.crop(
        (int(left * scale), int(y), int(left * scale) + 200, int(y + 8 * 2.835 * scale))
    )


def test_a_manager_prepares_and_downloads_the_board_pack(page: Page, live_server, tmp_path: Path):
    factories.directory()
    police = db.session.scalar(sa.select(Agency).where(Agency.code == "MPS"))
    referrer = factories.user(Role.REFERRER, agency_row=police)
    for n in range(6):
        factories.refer(referrer, factories.referral_payload(victim__last_name=f"Test{n}"))
    manager = factories.user(Role.MANAGER)
    this_quarter = periods.quarter(uk_today())

    sign_in(page, manager)
    page.goto("/reports/exports")
    expect(page.get_by_role("heading", name="Prepare a board pack")).to_be_visible()
    check(page, "exports page, none yet")
    page.select_option("#period", this_quarter.key)
    page.get_by_label("Board pack (PDF)").check()
    page.get_by_role("button", name="Prepare").click()

    # The status page refreshes itself until the thread has finished.
    page.wait_for_url("**/reports/exports/*")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Your board pack is ready", timeout=60_000)
    check(page, "export ready")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download board pack").click()
    download = waiting.value
    assert download.suggested_filename == f"board-pack-{this_quarter.key}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    document = pypdfium2.PdfDocument(saved)
    out = Path(SHOTS) if SHOTS else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    try:
        texts = [p.get_textpage().get_text_range() for p in document]
        assert "Board pack" in texts[0] and "Partial period" in texts[0]
        assert all("OFFICIAL-SENSITIVE" in text for text in texts)
        chart_page = next(n for n, t in enumerate(texts) if "Referrals by agency" in t)
        table_page = next(n for n, t in enumerate(texts) if "Referrals by referring agency" in t)
        pngs = {}
        for index in sorted({0, 1, chart_page, table_page}):
            image = document[index].render(scale=1.5).to_pil()
            image.save(out / f"e2e-board-pack-page-{index + 1}.png")
            pngs[index] = image
        # The only bar in the agency table is under the MPS's name: its 6 referrals.
        assert _blue_pixels(_under(document[chart_page], "Metropolitan Police Service", 1.5)) > 500
        assert _blue_pixels(_under(document[chart_page], "London Fire Brigade", 1.5)) == 0
        table_text = " ".join(texts[table_page].split())
        assert "Agency Standard Medium High Total" in table_text
        assert "Metropolitan Police Service" in table_text
        assert "6" in table_text.split("Metropolitan Police Service", 1)[1][:40]
        # A table is drawn: its rules are grey lines the width of the text block.
        grey = pngs[table_page].convert("L")
        assert grey.getextrema()[0] < 100
    finally:
        document.close()

    page.goto("/reports/exports")
    expect(
        page.get_by_role("link", name=f"Download board pack for {this_quarter.label}")
    ).to_be_visible()
    check(page, "exports list")


def test_the_status_page_while_running_and_after_a_failure_passes_axe(page: Page, live_server):
    from daservice.extensions import utcnow
    from daservice.reports import exports
    from daservice.reports.models import ExportFormat, ExportStatus, ReportExport

    manager = factories.user(Role.MANAGER)
    running = ReportExport(
        requested_by_id=manager.id,
        format=ExportFormat.PDF,
        period_key="2026-Q3",
        status=ExportStatus.RUNNING,
        steps_done=2,
        steps_total=6,
        heartbeat_at=utcnow(),
    )
    failed = ReportExport(
        requested_by_id=manager.id,
        format=ExportFormat.CSV,
        period_key="2026-Q3",
        status=ExportStatus.FAILED,
        failure=exports.BROKEN,
    )
    db.session.add_all([running, failed])
    db.session.commit()
    sign_in(page, manager)

    # The page refreshes itself every 2 seconds, which would reload it under axe: serve it as
    # the app wrote it, less the refresh (checked to be there first).
    def without_refresh(route):
        response = route.fetch()
        html = response.text()
        refresh = '<meta http-equiv="refresh" content="2">'
        assert refresh in html
        route.fulfill(response=response, body=html.replace(refresh, ""))

    page.route(f"**/reports/exports/{running.id}", without_refresh)
    page.goto(f"/reports/exports/{running.id}")
    expect(page.get_by_role("status")).to_contain_text("Section 3 of 6")
    check(page, "export being prepared")
    page.goto(f"/reports/exports/{failed.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your CSV tables could not be prepared"
    )
    check(page, "export failed")
