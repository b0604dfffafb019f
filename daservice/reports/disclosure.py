"""Disclosure control: no figure in a report may single out one to four people.

Primary suppression: a count of 1 to 4 is shown as "<5".

Secondary suppression: where a row or a column has a total, a hidden count could be worked back
from the total and the counts shown beside it (total 12, shown 5 and 4, so the hidden one is 3).
Along every such line the hidden counts must therefore be at least two, adding up to 5 or more
(two hidden counts adding up to 3 give away that both are small) and, when all of them are "<5",
not adding up to 4 for each (two "<5" adding up to 8 are both 4), or the line's total must be
hidden too. Where a line falls short, the smallest count shown in it (not a zero: hiding a zero
protects nothing) is hidden as well, shown as "[c]", or the total when there is no such count.
This is repeated across rows and columns until every line holds, because hiding a cell for its
row can leave its column short.

Rates and averages are protected by what they are made of: a percentage is shown only when
neither the part nor the rest is 1 to 4; an average only of 5 values or more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .tables import (
    Average,
    Cell,
    Count,
    Figure,
    Rate,
    ShownCell,
    ShownRow,
    ShownTable,
    Table,
    Words,
)

MIN_SHOWN = 5  # the smallest count of people shown as a number (0 is shown too)
SMALL = "<5"
HIDDEN = "[c]"  # hidden so that a total does not give a small count away
NOTHING = "–"  # a rate or an average of nothing
KEY = (
    f'"{SMALL}" means 1 to 4. "{HIDDEN}" means hidden so that a total cannot give away a '
    "count of 1 to 4. Percentages are not shown where they would give away a count of 1 to 4, "
    "and averages of fewer than 5 are not shown."
)
TOTAL = "Total"

Position = tuple[int, int]  # (row, column) in the table with its totals


def is_small(n: int) -> bool:
    return 0 < n < MIN_SHOWN


def shown_count(n: int) -> str:
    """A count as a page prints it: ``1,204``, ``0`` or ``<5``."""
    return SMALL if is_small(n) else f"{n:,}"


def rate_shown(part: int, whole: int) -> bool:
    return whole >= MIN_SHOWN and not is_small(part) and not is_small(whole - part)


def percent(part: int, whole: int) -> int:
    """Rounded half up, as people expect (2.5% is 3%), not to even."""
    return (200 * part + whole) // (2 * whole)


def show_cell(cell: Cell) -> ShownCell:
    """A cell on its own: primary protection only (a figure outside any table)."""
    if isinstance(cell, Count):
        if is_small(cell.n):
            return ShownCell(SMALL, None, hidden=True)
        return ShownCell(f"{cell.n:,}", cell.n)
    if isinstance(cell, Rate):
        if cell.whole == 0:
            return ShownCell(NOTHING, None)
        if not rate_shown(cell.part, cell.whole):
            return ShownCell(HIDDEN, None, hidden=True)
        value = percent(cell.part, cell.whole)
        return ShownCell(f"{value}%", value)
    if isinstance(cell, Average):
        if cell.n == 0 or cell.value is None:
            return ShownCell(NOTHING, None)
        if cell.n < MIN_SHOWN:
            return ShownCell(HIDDEN, None, hidden=True)
        figure = round(cell.value, cell.places)
        # A whole number reads as one: "2 working days", not "2.0 working days".
        text = f"{figure:,.0f}" if figure == int(figure) else f"{figure:,.{cell.places}f}"
        unit = cell.unit_one if figure == 1 and cell.unit_one else cell.unit
        return ShownCell(f"{text} {unit}".strip(), figure)
    if isinstance(cell, Words):
        return ShownCell(cell.text, None)
    raise TypeError(f"not a report cell: {cell!r}")


def _with_totals(table: Table) -> list[list[Cell]]:
    """The table's cells with its total column and total row added (raw figures)."""
    grid: list[list[Cell]] = [list(row.cells) for row in table.rows]
    if table.total_column:
        for cells in grid:
            cells.append(Count(sum(cell.n for cell in cells if isinstance(cell, Count))))
    if table.total_row:
        width = len(table.columns) + (1 if table.total_column else 0)
        total: list[Cell] = []
        for column in range(width):
            column_cells = [cells[column] for cells in grid]
            total.append(
                table.total_cells[column] if column in table.total_cells else _sum(column_cells)
            )
        grid.append(total)
    return grid


def _sum(cells: Iterable[Cell]) -> Cell:
    cells = list(cells)
    if cells and all(isinstance(cell, Count) for cell in cells):
        return Count(sum(cell.n for cell in cells if isinstance(cell, Count)))
    if cells and all(isinstance(cell, Rate) for cell in cells):
        rates = [cell for cell in cells if isinstance(cell, Rate)]
        return Rate(sum(r.part for r in rates), sum(r.whole for r in rates))
    return Words("")  # averages and words do not add up: a table gives them as total_cells


def _lines(table: Table, grid: list[list[Cell]]) -> list[tuple[list[Position], Position]]:
    """Every line with a total: (its member cells, its total cell), counts only."""
    lines: list[tuple[list[Position], Position]] = []
    body_rows = len(table.rows)
    width = len(table.columns)
    if table.total_column:
        for r in range(len(grid)):
            lines.append(([(r, c) for c in range(width)], (r, width)))
    if table.total_row:
        columns = width + (1 if table.total_column else 0)
        for c in range(columns):
            if isinstance(grid[body_rows][c], Count):
                lines.append(([(r, c) for r in range(body_rows)], (body_rows, c)))
    return lines


def _protected(hidden: list[int], all_small: bool) -> bool:
    """Whether a line's hidden counts, known to add up to its total minus what is shown, still
    hide each of them: at least two, adding up to 5 or more, and, when every one of them is known
    to be 1 to 4, not all 1s or all 4s (two "<5" adding up to 8 are both 4)."""
    total = sum(hidden)
    if len(hidden) < 2 or total < MIN_SHOWN:
        return False
    return not all_small or len(hidden) < total < (MIN_SHOWN - 1) * len(hidden)


def suppressed_positions(table: Table) -> tuple[set[Position], set[Position]]:
    """The (primary, secondary) hidden count cells of ``table`` with its totals added."""
    grid = _with_totals(table)

    def n(position: Position) -> int:
        cell = grid[position[0]][position[1]]
        return cell.n if isinstance(cell, Count) else 0

    primary = {
        (r, c)
        for r, cells in enumerate(grid)
        for c, cell in enumerate(cells)
        if isinstance(cell, Count) and is_small(cell.n)
    }
    hidden = set(primary) | set(table.withheld)
    lines = _lines(table, grid)
    free: set[Position] = set()
    while True:
        _protect_each_line(lines, hidden, primary, n)
        pinned = _pinned(lines, hidden, primary, n, free)
        if not pinned:
            return primary, hidden - primary
        more = _next_to_hide(pinned, lines, hidden, n)
        if more is None:
            # Everything is hidden and "1 to 4" alone still pins a cell (four "<5" cells whose
            # total is "<5" are all 1): show every count as "[c]", which says nothing of size.
            every = {(r, c) for r, cells in enumerate(grid) for c, cell in enumerate(cells)}
            return set(), {p for p in every if isinstance(grid[p[0]][p[1]], Count)}
        hidden.add(more)


def _protect_each_line(
    lines: list[tuple[list[Position], Position]],
    hidden: set[Position],
    primary: set[Position],
    n: Callable[[Position], int],
) -> None:
    """Hide more along each line until every line holds on its own (see ``_protected``)."""
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            if total in hidden:
                continue
            hidden_members = [p for p in members if p in hidden]
            if not hidden_members:
                continue
            if _protected(
                [n(p) for p in hidden_members], all(p in primary for p in hidden_members)
            ):
                continue
            candidates = [p for p in members if p not in hidden and n(p) > 0]
            hidden.add(min(candidates, key=n) if candidates else total)
            changed = True


def _pinned(
    lines: list[tuple[list[Position], Position]],
    hidden: set[Position],
    primary: set[Position],
    n: Callable[[Position], int],
    free: set[Position],
) -> Position | None:
    """A "<5" cell whose value follows from the rows and columns together, or None.

    Lines that each hold on their own can still give a cell away between them (a zero shown in a
    corner and "<5" totals bounded by 4 can leave one value possible), so the hidden cells are
    audited as an attacker would: the smallest and largest value each "<5" cell can take, given
    every shown figure, every line's sum, and that a "<5" is 1 to 4, are found by linear
    programming (SciPy's HiGHS). A table with totals is a transportation problem, whose extreme
    solutions are whole numbers, so a cell is given away exactly when its smallest and largest
    possible values are equal.

    ``free`` collects the cells shown to have two possible values. Hiding more only ever gives an
    attacker more possibilities, so they stay free while the caller hides more and asks again.
    """
    involved = [(members, total) for members, total in lines if hidden & {*members, total}]
    if not involved:
        return None
    from scipy.optimize import linprog  # only for tables with hidden cells along a total

    variables = sorted({p for members, total in involved for p in (*members, total) if p in hidden})
    index = {p: i for i, p in enumerate(variables)}
    matrix, sums = [], []
    for members, total in involved:
        coefficients = [0.0] * len(variables)
        rest = 0.0
        for p in members:
            if p in index:
                coefficients[index[p]] += 1
            else:
                rest -= n(p)
        if total in index:
            coefficients[index[total]] -= 1
        else:
            rest += n(total)
        matrix.append(coefficients)
        sums.append(rest)
    bounds = [(1, MIN_SHOWN - 1) if p in primary else (0, None) for p in variables]
    for p in variables:
        if p not in primary or p in free or _movable(p, involved, hidden, primary, n):
            free.add(p)
            continue
        objective = [0.0] * len(variables)
        objective[index[p]] = 1.0
        values = []
        for direction in (1, -1):
            found = linprog(
                [direction * c for c in objective],
                A_eq=matrix,
                b_eq=sums,
                bounds=bounds,
                method="highs",
            )
            if found.status != 0:
                break
            values.append(found.x[index[p]])
            # Each solution is an arrangement that fits everything shown: every cell it gives
            # another value than the true one can take two values, so needs no audit of its own.
            free.update(q for q, x in zip(variables, found.x, strict=True) if abs(x - n(q)) > 0.5)
        if len(values) == 2 and values[1] - values[0] < 0.5:
            return p
        free.add(p)
    return None


def _movable(
    p: Position,
    lines: list[tuple[list[Position], Position]],
    hidden: set[Position],
    primary: set[Position],
    n: Callable[[Position], int],
) -> bool:
    """Whether ``p`` can be shown to take another value without linear programming: moving one
    around a rectangle of hidden cells (up at ``p``, down at two corners, up at the fourth; a
    corner that is a total moves with its line) changes no total that is shown.

    Most hidden cells of a large table pass this quick test; only the rest go to the audit.
    """
    r, c = p
    positions = {q for members, total in lines for q in (*members, total)}
    is_total = {total for _, total in lines}

    def sign(q: Position) -> int:
        return -1 if q not in is_total else 1

    for r2, c2 in positions:
        if r2 == r or c2 == c:
            continue
        across, down, corner = (r, c2), (r2, c), (r2, c2)
        corners = {p: 1, across: -sign(across), down: -sign(down)}
        corners[corner] = corners[across] * corners[down]
        if not all(q in hidden for q in corners):
            continue
        if any(
            sum(corners.get(q, 0) for q in members) != corners.get(total, 0)
            for members, total in lines
        ):
            continue
        for step in (1, -1):
            if all(_within(n(q) + step * move, q in primary) for q, move in corners.items()):
                return True
    return False


def _within(value: int, small: bool) -> bool:
    return 1 <= value < MIN_SHOWN if small else value >= 0


def _next_to_hide(
    pinned: Position,
    lines: list[tuple[list[Position], Position]],
    hidden: set[Position],
    n: Callable[[Position], int],
) -> Position | None:
    """What to hide next to protect ``pinned``: the smallest non-zero count shown along its own
    lines, else along any line holding a hidden cell (what gave it away may be a line away: a
    total worked out from a column shown in full), then a total, and a zero only as a last
    resort (hiding a zero protects little and makes the table harder to read)."""
    near = [(members, total) for members, total in lines if pinned in (*members, total)]
    linked = [(members, total) for members, total in lines if hidden & {*members, total}]

    def shown_members(chosen: list[tuple[list[Position], Position]]) -> list[Position]:
        return [p for members, _ in chosen for p in members if p not in hidden]

    def shown_totals(chosen: list[tuple[list[Position], Position]]) -> list[Position]:
        return [total for _, total in chosen if total not in hidden]

    everything = [p for members, total in lines for p in (*members, total) if p not in hidden]
    for candidates in (
        [p for p in shown_members(near) if n(p) > 0],
        [p for p in shown_members(linked) if n(p) > 0],
        [p for p in shown_totals(near) if n(p) > 0],
        [p for p in shown_totals(linked) if n(p) > 0],
        [p for p in everything if n(p) > 0],
        everything,
    ):
        if candidates:
            return min(candidates, key=n)
    return None  # everything is hidden already


def _hide_telling_rates(
    grid: list[list[Cell]], shown: list[list[ShownCell]], total_row: bool
) -> None:
    """Hide the percentages that would give a hidden figure away.

    A rate beside a hidden count tells it: "released [c], attempted 10, 100%" says 10 were
    released. Shares of one whole tell each other: with 32% and 60% shown, a hidden share of 50
    is 8%, so 4. So once anything in a row is hidden, every percentage in the row is hidden too.
    And a column of percentages with its total shown tells a hidden one from the rest (the
    parts add up to the total's part), so a hidden percentage hides its column's total too,
    unless the total row shows that part and whole as counts anyway (then the counts' own
    protection is what matters).
    """
    for r, cells in enumerate(grid):
        if any(cell.hidden for cell in shown[r]):
            for c, cell in enumerate(cells):
                if isinstance(cell, Rate) and not shown[r][c].hidden:
                    shown[r][c] = ShownCell(HIDDEN, None, hidden=True, secondary=True)
    if not total_row or len(grid) < 2:
        return
    last = len(grid) - 1
    # Counts the total row shows: a total percentage made of two of them tells nothing more.
    counts = {
        cell.n
        for c, cell in enumerate(grid[last])
        if isinstance(cell, Count) and not shown[last][c].hidden
    }
    for c, cell in enumerate(grid[last]):
        if not isinstance(cell, Rate) or shown[last][c].hidden:
            continue
        if cell.part in counts and cell.whole in counts:
            continue
        if any(shown[r][c].hidden for r in range(last)):
            shown[last][c] = ShownCell(HIDDEN, None, hidden=True, secondary=True)


def disclose(table: Table) -> ShownTable:
    """``table`` as it may be shown: totals added, small counts and what would reveal them
    hidden, every cell as text."""
    grid = _with_totals(table)
    primary, secondary = suppressed_positions(table)
    shown_rows: list[ShownRow] = []
    labels = [(row.label, row.key or row.label) for row in table.rows]
    if table.total_row:
        labels.append((TOTAL, "total"))
    grid_shown = [
        [
            ShownCell(SMALL, None, hidden=True)
            if (r, c) in primary
            else ShownCell(HIDDEN, None, hidden=True, secondary=True)
            if (r, c) in secondary
            else show_cell(cell)
            for c, cell in enumerate(cells)
        ]
        for r, cells in enumerate(grid)
    ]
    _hide_telling_rates(grid, grid_shown, table.total_row)
    for r, shown in enumerate(grid_shown):
        label, key = labels[r]
        shown_rows.append(
            ShownRow(label, key, tuple(shown), is_total=table.total_row and r == len(table.rows))
        )
    headings = [column.heading for column in table.columns]
    keys = [column.key for column in table.columns]
    if table.total_column:
        headings.append(TOTAL)
        keys.append("total")
    return ShownTable(
        key=table.key,
        title=table.title,
        row_heading=table.row_heading,
        headings=tuple(headings),
        column_keys=tuple(keys),
        rows=tuple(shown_rows),
        description=table.description,
        in_board_pack=table.in_board_pack,
    )


def total_figure(label: str, table: Table, column: int, hint: str = "") -> Figure:
    """A headline figure that is the table's own total in ``column``, as the table shows it: a
    total the table hides (to protect a small cell) is hidden in the headline too."""
    shown = disclose(table)
    total = shown.total
    if total is None:
        raise ValueError(f"{table.key} has no total row")
    cell = total.cells[column]
    raw = _raw_total(table, column)
    if cell.hidden and not (isinstance(raw, Count) and 0 < raw.n < 5):
        return Figure(label, Words(cell.text), hint)
    return Figure(label, raw, hint)


def _raw_total(table: Table, column: int) -> Count | Rate:
    if column == len(table.columns):  # the total column
        return Count(sum(c.n for row in table.rows for c in row.cells if isinstance(c, Count)))
    cells = [row.cells[column] for row in table.rows]
    if all(isinstance(c, Rate) for c in cells):
        return Rate(
            sum(c.part for c in cells if isinstance(c, Rate)),
            sum(c.whole for c in cells if isinstance(c, Rate)),
        )
    return Count(sum(c.n for c in cells if isinstance(c, Count)))
