"""Disclosure control: a count of 1 to 4 is never shown, nor given away by a total."""

from __future__ import annotations

from daservice.reports.disclosure import HIDDEN, SMALL, disclose
from daservice.reports.tables import Column, Count, Rate, Row, Table


def table(rows: list[list[int]], *, total_row=True, total_column=True) -> Table:
    width = len(rows[0])
    return Table(
        key="t",
        title="T",
        row_heading="Row",
        columns=[Column(f"C{c}", f"c{c}") for c in range(width)],
        rows=[Row(f"R{r}", [Count(n) for n in row]) for r, row in enumerate(rows)],
        total_row=total_row,
        total_column=total_column,
    )


def texts(shown) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in shown.rows]


def test_small_counts_are_shown_as_under_five_and_zero_and_others_as_numbers():
    shown = disclose(table([[0, 3, 12]], total_row=False, total_column=False))
    assert texts(shown) == [["0", SMALL, "12"]]


def test_a_lone_small_count_in_a_row_hides_the_next_smallest_so_the_total_cannot_give_it_away():
    shown = disclose(table([[3, 7, 20]], total_row=False, total_column=True))
    # 30 - 7 - 20 would be 3: the 7 is hidden too.
    assert texts(shown) == [[SMALL, HIDDEN, "20", "30"]]


def test_two_hidden_counts_that_add_up_to_under_five_take_a_third():
    shown = disclose(table([[1, 2, 9, 30]], total_row=False, total_column=True))
    assert texts(shown) == [[SMALL, SMALL, HIDDEN, "30", "42"]]


def test_a_row_whose_only_count_is_small_shows_its_total_as_small_too():
    shown = disclose(table([[3, 0, 0], [10, 10, 10]], total_row=False, total_column=True))
    assert texts(shown)[0] == [SMALL, "0", "0", SMALL]


def test_rates_are_hidden_when_the_part_or_the_rest_is_small():
    rows = [Row("A", [Rate(8, 10)]), Row("B", [Rate(5, 10)]), Row("C", [Rate(0, 3)])]
    shown = disclose(Table("r", "R", "Row", [Column("Within", "within")], rows))
    assert texts(shown) == [[HIDDEN], ["50%"], [HIDDEN]]


def _recoverable(shown, raw: list[list[int]]) -> bool:
    """Whether any hidden cell equals its line's total minus the cells shown beside it, with
    that line's other hidden cells summing to less than 5 (so it is pinned to a small range)."""
    grid = [[cell.text for cell in row.cells] for row in shown.rows]
    full = [row + [sum(row)] for row in raw]
    full.append([sum(column) for column in zip(*full, strict=True)])
    for r, row in enumerate(grid):
        members = list(range(len(row) - 1))
        if grid[r][-1] in (SMALL, HIDDEN):
            continue
        hidden = [c for c in members if grid[r][c] in (SMALL, HIDDEN)]
        if len(hidden) == 1 or (hidden and sum(full[r][c] for c in hidden) < 5):
            return True
    for c in range(len(grid[0])):
        if grid[-1][c] in (SMALL, HIDDEN):
            continue
        hidden = [r for r in range(len(grid) - 1) if grid[r][c] in (SMALL, HIDDEN)]
        if len(hidden) == 1 or (hidden and sum(full[r][c] for r in hidden) < 5):
            return True
    return False


def test_no_hidden_cell_can_be_worked_back_from_its_row_or_column_totals():
    raw = [[3, 12, 8], [15, 1, 22], [0, 9, 2], [30, 40, 50]]
    shown = disclose(table(raw))
    assert not _recoverable(shown, raw)
    assert texts(shown)[0][0] == SMALL and texts(shown)[1][1] == SMALL
