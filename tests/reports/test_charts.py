"""Chart layouts: readable on a phone (labels wrapped, nothing off the drawing), and a hidden
figure drawn as its symbol only, never as a bar, a point or a line through it."""

from __future__ import annotations

from daservice.reports import charts
from daservice.reports.disclosure import disclose
from daservice.reports.tables import Chart, Column, Count, Rate, Row, Table

LONG = "Barking, Havering and Redbridge University Hospitals NHS Trust"


def _shown(rows: list[tuple[str, int]]):
    return disclose(
        Table(
            "t",
            "T",
            "Agency",
            [Column("Referrals", "n")],
            [Row(label, [Count(n)]) for label, n in rows],
        )
    )


def test_bar_labels_are_wrapped_and_a_hidden_figure_has_no_bar():
    layout = charts.layout(Chart("By agency", "t"), _shown([(LONG, 1204), ("Refuge", 3)]))
    long, small = layout.marks
    assert len(long.lines) == 2 and " ".join(long.lines) == LONG
    assert all(len(line) <= charts.CHARS_PER_LINE for line in long.lines)
    assert long.bar_width == charts.WIDTH - charts.FIGURE_ROOM and long.text == "1,204"
    assert small.bar_width == 0 and small.text == "<5"
    assert small.label_y > long.bar_y + charts.BAR  # the wrapped label pushed the next one down
    assert layout.height >= small.bar_y + charts.BAR


def test_a_line_breaks_at_a_hidden_figure_and_its_labels_stay_inside():
    periods = ["October to December 2025", "January to March 2026", "April to June 2026"]
    layout = charts.layout(
        Chart("By quarter", "t", kind="line"),
        _shown(list(zip(periods, [120, 2, 140], strict=True))),
    )
    assert layout.segments == ()  # 120, hidden, 140: no run of two shown figures to join
    assert layout.marks[1].point is None and layout.marks[1].text == "<5"
    for mark in layout.marks:
        half = max(len(line) for line in mark.lines) * charts.AXIS_CHAR / 2
        assert 0 <= mark.label_x - half and mark.label_x + half <= charts.WIDTH
    joined = charts.layout(
        Chart("By quarter", "t", kind="line"),
        _shown(list(zip(periods, [120, 90, 140], strict=True))),
    )
    assert len(joined.segments) == 1 and joined.segments[0].count(",") == 3


def test_the_description_gives_every_figure_as_the_table_prints_it():
    layout = charts.layout(Chart("By agency", "t"), _shown([("Refuge", 3), ("Victim Support", 12)]))
    assert layout.description == "By agency (Referrals). Refuge: <5; Victim Support: 12."


def test_bar_shares_are_of_the_longest_with_a_sliver_for_a_tiny_figure_and_none_when_hidden():
    table = _shown([("A", 200), ("B", 50), ("C", 3), ("D", 0), ("E", 1)])
    # C (3) and E (1) print as "<5" and get no bar; D is a real 0.
    assert charts.bar_shares(Chart("By agency", "t"), table) == (1.0, 0.25, 0.0, 0.0, 0.0)
    big = _shown([("A", 100_000), ("B", 6)])
    assert charts.bar_shares(Chart("By agency", "t"), big) == (1.0, charts.SLIVER)


def test_a_percentage_bar_is_as_long_as_its_percentage():
    table = disclose(
        Table("t", "T", "Service", [Column("Within", "in")], [Row("IDVA", [Rate(43, 100)])])
    )
    chart = Chart("Within the SLA", "t", out_of=100)
    assert charts.bar_shares(chart, table) == (0.43,)
    (bar,) = charts.layout(chart, table).marks
    assert bar.bar_width == round(0.43 * (charts.WIDTH - charts.FIGURE_ROOM))


def test_a_trend_too_long_to_draw_across_is_drawn_as_bars():
    short = _shown([(f"Q{n}", 10 + n) for n in range(charts.MOST_POINTS)])
    long = _shown([(f"M{n}", 10 + n) for n in range(12)])
    line = Chart("Trend", "t", kind="line")
    assert not charts.drawn_as_bars(line, short) and charts.layout(line, short).axis
    assert charts.drawn_as_bars(line, long) and charts.layout(line, long).axis is None
    assert charts.drawn_as_bars(Chart("By agency", "t"), short)


def test_a_line_of_percentages_tops_at_its_largest_and_its_bars_are_out_of_100():
    """The dashboard draws the repeat rate as a line, read for its change; the board pack draws
    the same chart as bars, each read as a share of the whole."""
    table = disclose(
        Table(
            "t",
            "T",
            "Period",
            [Column("Repeat rate", "rate")],
            [Row("Q1", [Rate(10, 100)]), Row("Q2", [Rate(5, 100)])],
        )
    )
    chart = Chart("Repeat rate", "t", kind="line", out_of=100)
    first, second = charts.layout(chart, table).marks
    assert first.point is not None and second.point is not None
    top, bottom = charts.PAD + 28, charts.LINE_HEIGHT - 40  # as _line draws them
    assert first.point[1] == top  # 10%, the largest, at the top: not a tenth of the way up
    assert second.point[1] == (top + bottom) / 2
    assert charts.bar_shares(chart, table) == (0.1, 0.05)
