"""Charts for reports, laid out on the server from a shown table and drawn as inline SVG by
``templates/reports/_chart.html`` (no JavaScript). The dashboard draws every chart so; the board
pack draws every chart, bar or line, into its own table as bars, from ``bar_shares``
(``reports/board_pack.py`` says why).

Each chart is one series, and every bar or point is labelled with the figure the table prints (in
the board pack, a bar drawn into its table has the figure in its row), so it reads without
colour, and a hidden figure is labelled "<5" or "[c]" with no bar (its size would give it
away). The SVG is an image with a title and a description in words (its text alternative); the
table it is drawn from is always printed beside it, or around it.

Bars are horizontal, each labelled above: long agency names stay readable on a phone. The
drawing is narrow (360 units) with 17-unit text, and the page shows it at most 27em wide: text
prints at about 20 px on a desktop and 14 px on a 320 px screen, where a wider drawing scaled
down would print its labels at 7 px. Labels too long for one line are wrapped onto more lines
(SVG text does not wrap by itself). This module only does the arithmetic; the template writes
the markup, autoescaped like every page.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from .tables import Chart, ShownTable

WIDTH = 360
BAR = 20  # bar height
TEXT = 17  # font size of labels and figures
LEADING = 21  # from one line of a label to the next
GAP = 14  # below each bar
LINE_HEIGHT = 230  # a line chart's drawing, without its wrapped period labels
PAD = 8
MOST_POINTS = 6  # a line chart's points that fit across; a longer trend is drawn as bars
SLIVER = 0.01  # the shortest bar drawn for a figure that is not 0: 1% of a full bar
FIGURE_ROOM = 72  # space kept right of the longest bar for its figure ("12,345")
CHARS_PER_LINE = 34  # of a bar's label, at TEXT units across WIDTH (generous, as AXIS_CHAR)
AXIS_TEXT = 14  # a line chart's period labels, smaller to fit five across
AXIS_LEADING = 17
AXIS_CHAR = 9.0  # a character's width at AXIS_TEXT, generous: DejaVu, the fallback, is wide
AXIS_GAP = 6  # between two period labels


@dataclass(frozen=True)
class Mark:
    """One category: its label, the figure printed, and where they go."""

    label: str
    text: str
    label_x: float
    label_y: float
    text_x: float
    text_y: float
    anchor: str = "start"
    lines: tuple[str, ...] = field(default=())  # the label wrapped (each line under the last)
    line_height: int = LEADING
    label_size: int = TEXT
    bar_x: float = 0  # a bar chart's bar (width 0: none, as for a hidden figure)
    bar_y: float = 0
    bar_width: float = 0
    point: tuple[float, float] | None = None  # a line chart's point (None: hidden)


@dataclass(frozen=True)
class Layout:
    chart: Chart
    description: str
    width: int
    height: int
    marks: tuple[Mark, ...]
    axis: tuple[float, float, float, float] | None = None  # a line chart's x axis
    # A line chart's polylines' points: one run of shown figures each (broken at a hidden one).
    segments: tuple[str, ...] = ()

    @property
    def bar_height(self) -> int:
        return BAR

    @property
    def font_size(self) -> int:
        return TEXT


def wrap(label: str, width: int) -> tuple[str, ...]:
    """A label as lines of at most ``width`` characters (a longer word keeps its own line)."""
    return tuple(textwrap.wrap(label, width, break_long_words=False)) or ("",)


def _column(chart: Chart, table: ShownTable) -> list[tuple[str, str, float | None]]:
    """(label, printed figure, value) for each body row of the chart's column."""
    return [
        (row.label, row.cells[chart.column].text, row.cells[chart.column].value)
        for row in table.body
    ]


def description(chart: Chart, table: ShownTable) -> str:
    """The chart in words: every category and its figure, as the table prints it."""
    parts = [f"{label}: {text}" for label, text, _ in _column(chart, table)]
    return f"{chart.title} ({table.headings[chart.column]}). " + "; ".join(parts) + "."


def drawn_as_bars(chart: Chart, table: ShownTable) -> bool:
    """Whether ``layout`` draws bars: a bar chart, or a trend too long to draw across.

    Twelve months do not fit across a phone, nor their figures above the points: a long trend is
    drawn as bars, one under another, oldest first, each labelled.
    """
    return chart.kind == "bar" or len(table.body) > MOST_POINTS


def bar_shares(chart: Chart, table: ShownTable) -> tuple[float, ...]:
    """Each body row's bar as a share (0 to 1) of a full bar (``chart.out_of``, or the largest
    figure): 0 for a hidden or zero figure (a hidden figure's bar would give its size away), and
    a sliver for one too small to see."""
    values = _column(chart, table)
    full = _full_bar(chart, values)
    return tuple(_share(value, full) for _, _, value in values)


def _full_bar(chart: Chart, values: list[tuple[str, str, float | None]]) -> float:
    if chart.out_of is not None:
        return chart.out_of
    return max((v for _, _, v in values if v is not None), default=0) or 1


def _share(value: float | None, full: float) -> float:
    if not value:
        return 0.0
    return min(max(value / full, SLIVER), 1.0)


def layout(chart: Chart, table: ShownTable) -> Layout:
    values = _column(chart, table)
    words = description(chart, table)
    if drawn_as_bars(chart, table):
        return _bars(chart, values, _full_bar(chart, values), words)
    # A line's top is its largest figure whatever ``out_of`` says: a line is read for its
    # change, a bar's length as a share of the whole (and the board pack draws it as bars).
    largest = max((v for _, _, v in values if v is not None), default=0) or 1
    return _line(chart, values, largest, words)


def _bars(chart: Chart, values: list, full: float, words: str) -> Layout:
    room = WIDTH - FIGURE_ROOM
    marks = []
    top = PAD
    for label, text, value in values:
        lines = wrap(label, CHARS_PER_LINE)
        length = round(room * _share(value, full))
        bar_top = top + LEADING * len(lines) + 2
        marks.append(
            Mark(
                label=label,
                text=text,
                label_x=0,
                label_y=top + TEXT,
                text_x=length + 6,
                text_y=bar_top + BAR - 4,
                lines=lines,
                bar_x=0,
                bar_y=bar_top,
                bar_width=length,
            )
        )
        top = bar_top + BAR + GAP
    return Layout(chart, words, WIDTH, max(top, PAD * 2 + BAR) + PAD, tuple(marks))


def _line(chart: Chart, values: list, largest: float, words: str) -> Layout:
    count = max(1, len(values))
    # Period labels are wrapped to the room each has below its point, all centred on it, the
    # outermost inset by half that room so nothing runs off the drawing or into its neighbour.
    room = (WIDTH - AXIS_GAP * (count - 1)) / count
    per_line = max(4, int(room // AXIS_CHAR))
    left, right = room / 2, WIDTH - room / 2
    top, bottom = PAD + 28, LINE_HEIGHT - 40
    step = (right - left) / (count - 1) if count > 1 else 0
    marks = []
    segments: list[list[tuple[float, float]]] = [[]]
    deepest = 1
    for index, (label, text, value) in enumerate(values):
        x = round(left + step * index if count > 1 else WIDTH / 2, 1)
        point = None
        y = bottom - 8.0
        if value is None:
            segments.append([])  # no line through a hidden figure: it would show its size
        else:
            y = bottom - (bottom - top) * value / largest
            point = (x, round(y, 1))
            segments[-1].append(point)
        lines = wrap(label, per_line)
        deepest = max(deepest, len(lines))
        half = max(len(line) for line in lines) * AXIS_CHAR / 2 + 2
        marks.append(
            Mark(
                label=label,
                text=text,
                label_x=round(min(max(x, half), WIDTH - half), 1),  # a long word stays inside
                label_y=bottom + 22,
                text_x=x,
                text_y=round(y - 12, 1),
                anchor="middle",
                lines=lines,
                line_height=AXIS_LEADING,
                label_size=AXIS_TEXT,
                point=point,
            )
        )
    drawn = tuple(" ".join(f"{x},{y}" for x, y in part) for part in segments if len(part) > 1)
    height = bottom + 22 + AXIS_LEADING * (deepest - 1) + PAD + 4
    return Layout(
        chart, words, WIDTH, round(height), tuple(marks), (0, bottom, WIDTH, bottom), drawn
    )
