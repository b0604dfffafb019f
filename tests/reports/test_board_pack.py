"""The board pack PDF: what a board member reads on its pages (pypdfium2's text layer and
rendered pixels), from a hand-made pack whose every figure is known."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from daservice.reports import board_pack, periods
from daservice.reports.disclosure import disclose
from daservice.reports.sections import (
    BuiltSection,
    Pack,
    ReportQuery,
    Section,
    ShownFigure,
    build_pack,
    registered,
)
from daservice.reports.tables import Chart, Column, Count, Rate, Row, ShownCell, Table

from .. import factories

SHOTS = os.environ.get("E2E_SCREENSHOTS")  # keep the rendered pages to look at

AGENCIES = [
    "Metropolitan Police Service",
    "London Borough of Redbridge",
    "London Fire Brigade",
    "Probation Service",
    "MOPAC",
    "NHS North East London",
    "NELFT",
    "BHRUT",
    "Victim Support",
    "Redbridge CVS",
    "Redbridge Equalities and Community Council",
    "Safer Neighbourhood Board",
    "Refuge",
]


def _table() -> Table:
    # Agency 3 (London Fire Brigade) made 3 standard-risk referrals: "<5" in print.
    rows = [
        Row(name, [Count(3 if i == 2 else 20 + i), Count(10 + i), Count(6 + i)], key=f"A{i}")
        for i, name in enumerate(AGENCIES)
    ]
    return Table(
        key="referrals-by-agency",
        title="Referrals by referring agency and risk level",
        row_heading="Agency",
        columns=[
            Column("Standard", "standard"),
            Column("Medium", "medium"),
            Column("High", "high"),
        ],
        rows=rows,
        total_row=True,
        total_column=True,
        description="Referrals made in the period, by the agency of the person who referred.",
    )


def _section(key: str, title: str, order: int, not_recorded: str = "") -> Section:
    return Section(
        key, title, f"The strategy's words for {title.lower()}", order, lambda q: None, not_recorded
    )


def hand_made_pack(today: date = date(2026, 11, 2)) -> Pack:
    table = disclose(_table())
    first = BuiltSection(
        _section("come-forward", "Victims who come forward and receive help", 10),
        recorded=True,
        figures=(ShownFigure("Referrals", ShownCell("574", 574.0)),),
        tables=(table,),
        charts=(Chart("Referrals by agency", table.key, column=0),),
        notes=("Counted by the date the referral was made.",),
    )
    later = BuiltSection(
        _section(
            "perpetrator-programmes",
            "Availability of and participation in perpetrator programmes",
            40,
            "Perpetrator programme placements are not yet recorded in daservice.",
        ),
        recorded=False,
    )
    query = ReportQuery(periods.parse("2026-Q3"), today=today)
    return Pack(query, (first, later))


def _pages(document: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(document)
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def test_every_page_is_marked_and_numbered_and_each_section_is_there(app):
    document = board_pack.render(hand_made_pack(), "Amira Khan")
    pages = _pages(document)
    assert len(pages) >= 4  # cover, contents, two sections
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, number  # top and bottom
        assert f"Page {number} of {len(pages)}" in text
    whole = "\n".join(pages)
    cover = pages[0]
    assert app.config["SERVICE_NAME"] in cover
    assert "Board pack" in cover and "July to September 2026" in cover
    assert "All agencies (the whole partnership)" in cover
    assert "Amira Khan" in cover and "(UK time)" in cover
    assert "Partial period" not in cover  # the quarter ended on 30 September
    for title in ("Victims who come forward and receive help", "perpetrator programmes"):
        assert title in pages[1]  # the contents
        assert whole.count(title) >= 2
    assert "Not yet recorded. Perpetrator programme placements are not yet recorded" in whole
    assert "<5" in whole and '"<5" means 1 to 4' in whole  # the suppressed count and its key
    assert "London Fire Brigade" in whole


def test_contents_gives_each_section_its_page(app):
    pages = _pages(board_pack.render(hand_made_pack(), None))
    contents = pages[1].replace("\r", "")
    first = next(n for n, text in enumerate(pages, 1) if n > 2 and "Measure of success" in text)
    # The page the section starts on, then its title.
    assert f"Page {first} Victims who come forward and receive help" in contents, contents


def test_a_period_not_yet_ended_says_partial(app):
    pages = _pages(board_pack.render(hand_made_pack(today=date(2026, 8, 14)), None))
    assert "Partial period" in pages[0] and "14 August 2026" in pages[0]


def test_the_pack_names_the_agency_it_is_limited_to(app):
    agency = factories.agency(name="Victim Support")
    pack = hand_made_pack()
    pack = Pack(
        ReportQuery(pack.query.period, agency_id=agency.id, today=pack.query.today), pack.sections
    )
    assert "Agency Victim Support" in _pages(board_pack.render(pack, None))[0]


def test_the_chart_is_drawn_and_readable(app, tmp_path: Path):
    document = board_pack.render(hand_made_pack(), None)
    pdf = pdfium.PdfDocument(document)
    try:
        index = next(
            n
            for n, page in enumerate(pdf)
            if "Referrals by agency" in page.get_textpage().get_text_range()
        )
        page = pdf[index]
        image = page.render(scale=1.5).to_pil().convert("RGB")
        image.save((Path(SHOTS) if SHOTS else tmp_path) / "board-pack-chart-page.png")
        # GOV.UK blue bars (#1d70b8) are drawn: the SVG was laid out, not left out.
        blue = sum(
            1
            for r, g, b in image.get_flattened_data()
            if abs(r - 29) < 20 and abs(g - 112) < 20 and abs(b - 184) < 20
        )
        assert blue > 2000, blue
        # The chart's labels are text, so the figures read without colour.
        assert "Metropolitan Police Service" in page.get_textpage().get_text_range()
    finally:
        pdf.close()


def test_the_real_pack_renders_every_registered_section_in_order(app):
    pack = build_pack(ReportQuery(periods.parse("2026-Q3"), today=date(2026, 11, 2)))
    whole = " ".join(" ".join(_pages(board_pack.render(pack, "Amira Khan"))).split())
    positions = [whole.find(section.title, whole.find("Page 2 of")) for section in registered()]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)


@pytest.mark.parametrize("pages", [(0, 1)])
def test_pages_render_to_png(app, tmp_path: Path, pages):
    pdf = pdfium.PdfDocument(board_pack.render(hand_made_pack(), "Amira Khan"))
    try:
        for index in pages:
            image = pdf[index].render(scale=1).to_pil().convert("L")
            low, high = image.getextrema()
            assert low < high  # something drawn on the page
            image.save((Path(SHOTS) if SHOTS else tmp_path) / f"board-pack-page-{index + 1}.png")
    finally:
        pdf.close()


def test_the_pack_is_tagged_for_screen_readers(app):
    from ..pdf.conftest import read
    from ..pdf.test_render import _structure_kinds

    reader = read(board_pack.render(hand_made_pack(), None))
    catalog = reader.trailer["/Root"]
    assert reader.metadata.title == "Board pack: July to September 2026"
    # Headings to navigate by, and the table with its header cells.
    kinds = _structure_kinds(catalog["/StructTreeRoot"].get_object())
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD"} <= kinds, kinds


def test_a_detail_table_is_named_with_where_to_find_it_not_printed(app):
    """A table of a row per agency and target is on the dashboard and in the CSV files; the
    board reads the summary beside it."""
    summary = disclose(_table())
    detail = disclose(
        Table(
            key="training-coverage",
            title="Staff trained against the targets of plan year 3",
            row_heading="Agency and target",
            columns=[Column("Trained", "trained")],
            rows=[Row(f"{name}: Any awareness course", [Count(40)]) for name in AGENCIES],
            in_board_pack=False,
        )
    )
    section = BuiltSection(
        _section("safe-spaces", "Safe spaces with trained professionals", 30),
        recorded=True,
        tables=(summary, detail),
    )
    pack = Pack(ReportQuery(periods.parse("2026-Q3"), today=date(2026, 11, 2)), (section,))
    whole = " ".join(" ".join(_pages(board_pack.render(pack, "Amira Khan"))).split())
    assert "Referrals by referring agency and risk level" in whole  # the summary is printed
    assert "Any awareness course" not in whole  # the detail's rows are not
    assert (
        "The table “Staff trained against the targets of plan year 3”, a row for each agency "
        "and target, is not printed in the board pack: it is on the dashboard and in the CSV "
        "file safe-spaces/training-coverage.csv."
    ) in whole


def _trend(key: str, title: str) -> Table:
    return Table(
        key=key,
        title=title,
        row_heading="Period",
        columns=[Column("Referrals", "n"), Column("Repeat", "repeat")],
        rows=[Row(f"2026 Q{n}", [Count(100 + n), Count(10 + n)], key=f"Q{n}") for n in (1, 2, 3)],
    )


def test_a_line_chart_is_drawn_into_its_table_as_bars_its_periods_named_once(app):
    """The dashboard draws a trend as a line; the pack draws it into the table, a bar under each
    period, so each period and figure is printed once. Each table gets its own chart."""
    first, second = _trend("first", "The first table"), _trend("second", "The second table")
    section = BuiltSection(
        _section("come-forward", "Victims who come forward and receive help", 10),
        recorded=True,
        tables=(disclose(first), disclose(second)),
        charts=(
            Chart("Chart of the second", "second", column=1, kind="line"),
            Chart("Chart of the first", "first", kind="line"),
        ),
    )
    one, two = board_pack.printed_tables(section)
    assert one.bars is not None and one.bars.title == "Chart of the first"
    assert one.bar_widths == (98.1, 99.0, 100.0)  # 101, 102, 103 referrals: the largest is full
    assert two.bars is not None and two.bars.title == "Chart of the second"
    assert two.bar_widths == (84.6, 92.3, 100.0)  # 11, 12, 13 repeats
    pack = Pack(ReportQuery(periods.parse("2026-Q3"), today=date(2026, 11, 2)), (section,))
    pages = _pages(board_pack.render(pack, "Amira Khan"))
    whole = " ".join(" ".join(pages).split())
    assert whole.count("2026 Q1") == 2  # once in each table, in no drawing
    order = [
        whole.find(text, whole.find("Page 2 of"))
        for text in (
            "The first table",
            "Chart: Chart of the first. The bar under each row's name is drawn to its figure in "
            "the “Referrals” column",
            "The second table",
            "Chart: Chart of the second. The bar under each row's name is drawn to its figure in "
            "the “Repeat” column",
        )
    ]
    assert all(p >= 0 for p in order) and order == sorted(order)


def test_a_bar_chart_is_drawn_into_its_table_a_bar_under_each_label(app, tmp_path: Path):
    """Each agency is named once, with its figures, and the bar under its name is as long as
    its figure in the charted column; the hidden "<5" gets no bar (its size would tell)."""
    table = disclose(_table())
    chart = Chart("Referrals by agency", table.key, column=0)
    section = BuiltSection(
        _section("come-forward", "Victims who come forward and receive help", 10),
        recorded=True,
        tables=(table,),
        charts=(chart,),
    )
    (printed,) = board_pack.printed_tables(section)
    assert printed.bars == chart
    # London Fire Brigade's 3 prints "<5", and one more cell of the column is hidden so that
    # the total does not give it away: neither gets a bar.
    shown = [row.cells[0].value for row in table.body]
    hidden = [row.label for row in table.body if row.cells[0].value is None]
    assert "London Fire Brigade" in hidden and len(hidden) == 2
    # Refuge's 32 is the longest bar; the total row has none.
    assert printed.bar_widths == (
        0, 65.6, 0, 71.9, 75.0, 78.1, 81.2, 84.4, 87.5, 90.6, 93.8, 96.9, 100.0, 0
    )  # fmt: skip

    document = board_pack.render(Pack(hand_made_pack().query, (section,)), None)
    pdf = pdfium.PdfDocument(document)
    try:
        page = next(p for p in pdf if "Referrals by agency" in p.get_textpage().get_text_range())
        text = " ".join(page.get_textpage().get_text_range().split())
        assert (
            "Chart: Referrals by agency. The bar under each row's name is drawn to its figure in "
            "the “Standard” column: the longest bar is the largest figure. A figure of 0, “<5” "
            "or “[c]” has no bar."
        ) in text
        assert text.count("Metropolitan Police Service") == 1  # named once, not in a chart too
        image = page.render(scale=2).to_pil().convert("RGB")
        image.save((Path(SHOTS) if SHOTS else tmp_path) / "board-pack-bars-in-table.png")
        lengths = _blue_runs(image)
    finally:
        pdf.close()
    # One bar per agency but the hidden ones, longer as the figures grow, down the page.
    drawn = [v for v in shown if v is not None]
    assert len(lengths) == len(drawn), lengths
    assert lengths == sorted(lengths)
    assert abs(lengths[0] / lengths[-1] - drawn[0] / drawn[-1]) < 0.03


def test_a_percentage_bar_is_drawn_out_of_100_and_a_chart_with_nothing_to_draw_is_left_out(app):
    sla = disclose(
        Table(
            key="sla",
            title="Within the SLA, by service",
            row_heading="Service",
            columns=[Column("Within the SLA", "in_time")],
            rows=[Row("IDVA", [Rate(43, 100)]), Row("Outreach", [Rate(20, 40)])],
        )
    )
    nothing = disclose(
        Table(
            key="overrides",
            title="Shared without consent",
            row_heading="Lawful basis",
            columns=[Column("Referrals", "n")],
            rows=[Row("Crime", [Count(0)]), Row("Vital interests", [Count(2)])],
        )
    )
    section = BuiltSection(
        _section("earliest-moment", "Support at the earliest moment", 20),
        recorded=True,
        tables=(sla, nothing),
        charts=(
            Chart("First contact within the SLA", "sla", out_of=100),
            Chart("Shared without consent", "overrides"),
        ),
    )
    in_time, left_out = board_pack.printed_tables(section)
    assert in_time.bar_widths == (43.0, 50.0)  # not 86% and 100%: the longest is not "all"
    assert left_out.bars is None and left_out.bar_widths == ()  # 0 and "<5": no bar to draw
    pack = Pack(ReportQuery(periods.parse("2026-Q3"), today=date(2026, 11, 2)), (section,))
    whole = " ".join(" ".join(_pages(board_pack.render(pack, None))).split())
    assert "column: a full bar is 100%." in whole
    assert "Chart: Shared without consent" not in whole
    assert "Shared without consent Lawful basis Referrals Crime 0 Vital interests <5" in whole


def _blue_runs(image) -> list[int]:
    """The length in pixels of each GOV.UK blue (#1d70b8) bar, top to bottom."""
    width, height = image.size
    pixels = image.load()

    def blue(x: int, y: int) -> bool:
        r, g, b = pixels[x, y]
        return abs(r - 29) < 25 and abs(g - 112) < 25 and abs(b - 184) < 25

    lengths, inside = [], False
    for y in range(height):
        run = sum(1 for x in range(width) if blue(x, y))
        if run and not inside:
            lengths.append(run)
        inside = bool(run)
    return lengths


def test_a_second_chart_of_one_table_is_refused_not_dropped(app):
    """The pack draws one chart into each table; a second would vanish from print unseen."""
    from daservice.reports.sections import build_section
    from daservice.reports.tables import SectionContent

    def two_charts(query):
        return SectionContent(
            tables=[_table()],
            charts=[Chart("One", _table().key), Chart("Another", _table().key, column=1)],
        )

    section = Section("come-forward", "Victims", "Words", 10, two_charts)
    query = ReportQuery(periods.parse("2026-Q3"), today=date(2026, 11, 2))
    with pytest.raises(ValueError, match="two charts draw the same table"):
        build_section(section, query)
