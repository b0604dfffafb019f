"""Disclosure control: a count of 1 to 4 is never shown, nor given away by a total."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- An attacker's view: every table whose hidden cells could be worked back ----------------------


def _feasible_values(raw: list[list[int]], total_row: bool, total_column: bool) -> dict:
    """For each "<5" cell of the shown table, every value it could have, given what is shown: the
    visible cells, the visible totals, and that a "<5" is 1 to 4. Worked out by trying every
    value of the hidden cells of the body; the totals follow from them and must agree with what
    is shown (a shown total equal, a "<5" total 1 to 4)."""
    shown = disclose(table(raw, total_row=total_row, total_column=total_column))
    grid = [[cell.text for cell in row.cells] for row in shown.rows]
    rows, width = len(raw), len(raw[0])
    body_hidden = [
        (r, c) for r in range(rows) for c in range(width) if grid[r][c] in (SMALL, HIDDEN)
    ]

    def totals(values: list[list[int]]) -> dict:
        found = {}
        if total_column:
            for r in range(rows):
                found[(r, width)] = sum(values[r])
        if total_row:
            for c in range(width):
                found[(rows, c)] = sum(values[r][c] for r in range(rows))
            if total_column:
                found[(rows, width)] = sum(map(sum, values))
        return found

    true_totals = totals(raw)

    def fits(found: dict) -> bool:
        for (r, c), value in found.items():
            text = grid[r][c]
            if text == SMALL and not 1 <= value <= 4:
                return False
            if text not in (SMALL, HIDDEN) and value != true_totals[(r, c)]:
                return False
        return True

    # An attacker knows no more than that a hidden cell is no bigger than a total shown along it.
    # The search also stops 3 above the cell's true value: that leaves her fewer possibilities
    # than she has, so a cell with two possible values here has at least two for her too.
    def upper(r: int, c: int) -> int:
        along = [(r, width), (rows, c)]
        shown_totals = [
            true_totals[t]
            for t in along
            if t in true_totals and grid[t[0]][t[1]] not in (SMALL, HIDDEN)
        ]
        return min([*shown_totals, raw[r][c] + 3])

    ranges = [
        range(1, 5) if grid[r][c] == SMALL else range(0, upper(r, c) + 1) for r, c in body_hidden
    ]
    seen: dict = {p: set() for p in body_hidden}
    values = [list(row) for row in raw]
    for choice in itertools.product(*ranges):
        for (r, c), v in zip(body_hidden, choice, strict=True):
            values[r][c] = v
        found = totals(values)
        if fits(found):
            for p, v in zip(body_hidden, choice, strict=True):
                seen[p].add(v)
            for p, v in found.items():
                seen.setdefault(p, set()).add(v)
    return {p: options for p, options in seen.items() if grid[p[0]][p[1]] == SMALL}


# Two or three rows by two or three columns, but not three by three: every hidden cell is tried
# with every value it could take, and nine of them would take minutes.
small_tables = st.sampled_from([(2, 2), (2, 3), (3, 2)]).flatmap(
    lambda shape: st.lists(
        st.lists(
            st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 14]), min_size=shape[1], max_size=shape[1]
        ),
        min_size=shape[0],
        max_size=shape[0],
    )
)


@settings(max_examples=60, deadline=None)
@given(raw=small_tables, total_row=st.booleans(), total_column=st.booleans())
def test_no_count_under_five_can_be_worked_back_from_the_totals_of_its_row_or_column(
    raw, total_row, total_column
):
    for position, values in _feasible_values(raw, total_row, total_column).items():
        assert len(values) >= 2, f"{position} of {raw} can only be {values}"


def test_a_percentage_beside_a_hidden_count_is_hidden_too():
    # Found trying the dashboard: "released [c], attempted 10, 100%" said 10 were released.
    rows = [
        Row("IDVA", [Count(10), Count(10), Rate(10, 10)]),
        Row("Housing", [Count(4), Count(3), Rate(3, 4)]),
        Row("Outreach", [Count(83), Count(70), Rate(70, 83)]),
    ]
    columns = [Column("Released", "released"), Column("Attempted", "attempted"), Column("%", "pc")]
    shown = disclose(Table("f", "F", "Service", columns, rows, total_row=True))
    for row in texts(shown):
        if HIDDEN in row[:2] or SMALL in row[:2]:
            assert row[2] == HIDDEN, row


def test_shares_of_one_whole_hide_together():
    # Found trying the dashboard: 100% - 32% - 60% = 8% of 50 said 4 were high risk.
    rows = [Row("2025 Q4", [Count(50), Rate(16, 50), Rate(30, 50), Rate(4, 50)])]
    columns = [
        Column("Referrals", "n"),
        Column("Standard", "s"),
        Column("Medium", "m"),
        Column("High", "h"),
    ]
    shown = disclose(Table("r", "R", "Quarter", columns, rows))
    assert texts(shown) == [["50", HIDDEN, HIDDEN, HIDDEN]]


def test_a_hidden_percentage_hides_its_columns_total():
    rows = [Row("A", [Rate(3, 10)]), Row("B", [Rate(20, 40)])]
    shown = disclose(Table("p", "P", "Row", [Column("%", "pc")], rows, total_row=True))
    assert texts(shown) == [[HIDDEN], ["50%"], [HIDDEN]]
