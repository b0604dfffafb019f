"""Charts for reports, laid out on the server from a shown table and drawn as inline SVG by
``templates/reports/_chart.html`` (no JavaScript; the same on the page and in the PDF).

Each chart is one series, and every bar or point is labelled with the figure the table prints, so
it reads without colour, and a hidden figure is labelled "<5" or "[c]" with no bar (its size would
give it away). The SVG is an image with a title and a description in words (its text
alternative); the table it is drawn from is always printed beside it.

Bars are horizontal, each labelled above: long agency names stay readable on a phone, where the
chart is scaled down to the width of the screen. This module only does the arithmetic; the
template writes the markup, autoescaped like every page.
"""

from __future__ import annotations

from dataclasses import dataclass

from .tables import Chart, ShownTable

WIDTH = 640
BAR = 18  # bar height
ROW = 46  # label line + bar + gap
TEXT = 15  # font size of labels and figures
LINE_HEIGHT = 240
PAD = 16
FIGURE_ROOM = 90  # space kept right of the longest bar for its figure


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
    line: str = ""  # a line chart's polyline points

    @property
    def bar_height(self) -> int:
        return BAR


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


def layout(chart: Chart, table: ShownTable) -> Layout:
    values = _column(chart, table)
    largest = max((v for _, _, v in values if v is not None), default=0) or 1
    words = description(chart, table)
    if chart.kind == "line":
        return _line(chart, values, largest, words)
    return _bars(chart, values, largest, words)


def _bars(chart: Chart, values: list, largest: float, words: str) -> Layout:
    room = WIDTH - 2 * PAD - FIGURE_ROOM
    marks = []
    for index, (label, text, value) in enumerate(values):
        top = PAD + index * ROW
        length = round(room * value / largest) if value else 0
        if value and not length:
            length = 2  # a figure too small to see still gets a sliver
        bar_top = top + TEXT + 6
        marks.append(
            Mark(
                label=label,
                text=text,
                label_x=PAD,
                label_y=top + TEXT,
                text_x=PAD + length + 8,
                text_y=bar_top + BAR - 4,
                bar_x=PAD,
                bar_y=bar_top,
                bar_width=length,
            )
        )
    return Layout(chart, words, WIDTH, PAD * 2 + ROW * max(1, len(values)), tuple(marks))


def _line(chart: Chart, values: list, largest: float, words: str) -> Layout:
    left, right, top, bottom = PAD + 8, WIDTH - PAD - 8, PAD + 24, LINE_HEIGHT - 44
    step = (right - left) / max(1, len(values) - 1)
    marks = []
    points = []
    for index, (label, text, value) in enumerate(values):
        x = left + step * index if len(values) > 1 else (left + right) / 2
        anchor = "start" if index == 0 else "end" if index == len(values) - 1 else "middle"
        point = None
        y = bottom - 8.0
        if value is not None:
            y = bottom - (bottom - top) * value / largest
            point = (round(x, 1), round(y, 1))
            points.append(point)
        marks.append(
            Mark(
                label=label,
                text=text,
                label_x=round(x, 1),
                label_y=LINE_HEIGHT - 16,
                text_x=round(x, 1),
                text_y=round(y - 12, 1),
                anchor=anchor,
                point=point,
            )
        )
    line = " ".join(f"{x},{y}" for x, y in points) if len(points) > 1 else ""
    return Layout(
        chart, words, WIDTH, LINE_HEIGHT, tuple(marks), (left, bottom, right, bottom), line
    )
