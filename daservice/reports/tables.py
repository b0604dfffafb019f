"""The tables a report is made of, before disclosure control.

A section builds ``Table``s of raw figures from SQL. ``disclosure.disclose`` turns each into a
``ShownTable``: totals added, counts of 1 to 4 shown as "<5", further cells hidden where a total
would give a hidden one away, and every cell written out as text. The dashboard, the board pack,
the CSV files and the charts all read the same ``ShownTable``, so a figure can never be hidden in
one and shown in another.

Cells say what kind of figure they hold, because each kind is protected differently:

- ``Count``: people or cases. 1 to 4 is shown as "<5"; 0 is shown (nobody is not a small group).
- ``Rate``: ``part`` of ``whole`` as a percentage. Shown only when neither the part nor the rest
  is 1 to 4: 80% of 10 tells you 2 were not, which is a count of 2.
- ``Average``: a mean or median of ``n`` values. Shown only when ``n`` is 5 or more.
- ``Words``: text that is not a figure about people ("On track", a target, a benchmark).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Count:
    n: int


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int


@dataclass(frozen=True)
class Average:
    value: float | None  # None: nothing to average
    n: int  # how many values it is the average of
    unit: str = ""  # "working days", "hours", "points"
    places: int = 1
    unit_one: str = ""  # the unit after a figure of exactly 1 ("working day"); "": ``unit``


@dataclass(frozen=True)
class Words:
    text: str


Cell = Count | Rate | Average | Words


@dataclass(frozen=True)
class Column:
    heading: str  # as the page and the PDF print it: "High risk"
    key: str  # the CSV heading: "high_risk"


@dataclass(frozen=True)
class Row:
    label: str  # "Metropolitan Police Service", "July 2026"
    cells: Sequence[Cell]
    key: str = ""  # the CSV value for the row (an agency code, a period key); the label if empty

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", tuple(self.cells))


@dataclass(frozen=True)
class Table:
    """A table of raw figures.

    ``total_row``: the rows partition the whole (every case is in exactly one row), so a "Total"
    row is added, summing counts and the parts and wholes of rates. Referrals by agency partition;
    referrals by Marac criterion do not (one referral can meet several), so that table has none.
    ``total_column``: the count columns partition each row (standard, medium, high risk), so a
    "Total" column is added. Disclosure control protects hidden cells along every row and column
    that has a total.
    """

    key: str  # the CSV file name without ".csv": "referrals-by-agency"
    title: str
    row_heading: str
    columns: Sequence[Column]
    rows: Sequence[Row]
    total_row: bool = False
    total_column: bool = False
    description: str = ""  # what is counted, in a sentence, under the title
    # The total row's cell for a column whose total is not the sum of its rows (the median of
    # every row's values), by column index; such a column's total is otherwise left blank.
    total_cells: Mapping[int, Cell] = field(default_factory=dict, compare=False)
    # False: on the dashboard and in the CSV files but not printed in the board pack, which
    # names it and where it is (a detail longer than a board reads, or a table the board reads
    # by its totals among the headline figures).
    in_board_pack: bool = True
    # Cells (row, column, counting any total row and column) hidden as "[c]" whatever their
    # size, because another table shows what would give a hidden cell away: this period's
    # certificates in the trend are the certificates table's own total (measures/safe_spaces).
    withheld: frozenset[tuple[int, int]] = field(default_factory=frozenset, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "rows", tuple(self.rows))
        for row in self.rows:
            if len(row.cells) != len(self.columns):
                raise ValueError(f"{self.key}: row {row.label!r} has the wrong number of cells")
        if self.total_column and not all(
            isinstance(cell, Count) for row in self.rows for cell in row.cells
        ):
            raise ValueError(f"{self.key}: a total column needs every column to be counts")


@dataclass(frozen=True)
class ShownCell:
    text: str  # exactly what is printed: "12", "<5", "83%", "1.4 working days", "Not shown"
    value: float | None  # the figure a chart may draw; None when hidden or not a figure
    hidden: bool = False  # hidden by disclosure control
    secondary: bool = False  # hidden only because a total would have given away another cell


@dataclass(frozen=True)
class ShownRow:
    label: str
    key: str
    cells: tuple[ShownCell, ...]
    is_total: bool = False


@dataclass(frozen=True)
class ShownTable:
    key: str
    title: str
    row_heading: str
    headings: tuple[str, ...]  # the value columns (with "Total" when one was added)
    column_keys: tuple[str, ...]
    rows: tuple[ShownRow, ...]
    description: str = ""
    in_board_pack: bool = True

    @property
    def body(self) -> tuple[ShownRow, ...]:
        """The rows without the total row (what a bar chart draws)."""
        return tuple(row for row in self.rows if not row.is_total)

    @property
    def total(self) -> ShownRow | None:
        return next((row for row in self.rows if row.is_total), None)

    @property
    def has_hidden(self) -> bool:
        return any(cell.hidden for row in self.rows for cell in row.cells)


@dataclass(frozen=True)
class Chart:
    """A chart drawn from one column of one table of the same section."""

    title: str
    table: str  # the table's key
    column: int = 0  # which value column
    kind: Literal["bar", "line"] = "bar"  # line: the rows are periods, oldest first
    # The figure a full bar stands for: 100 for a column of percentages (a 43% bar is 43% long);
    # None: the largest figure drawn. A line chart's top is always its largest figure; the
    # board pack draws it as bars, to this scale.
    out_of: float | None = None


@dataclass(frozen=True)
class Figure:
    """A headline figure at the top of a section ("Referrals: 1,204")."""

    label: str
    cell: Cell
    hint: str = ""


@dataclass
class SectionContent:
    """What a section's builder returns."""

    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the figures were counted
