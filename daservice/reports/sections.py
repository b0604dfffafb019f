"""The board pack's sections, one per measure of success, and how a pack is put together.

The partnership reports to its board on the domestic-abuse priority's published measures of
success. Each measure is a ``Section``; the dashboard, the board pack (PDF) and the CSV files show
the same sections in the same order. A feature adds its measure by writing a module in
``reports/measures/`` and listing it in ``measures/__init__.py``; until then its section says the
data is "not yet recorded" (its builder returns ``None``), never a row of zeros.

A builder is given a ``ReportQuery`` (the period, the trend periods before it, and the agency and
service the reader chose or is limited to) and returns a ``SectionContent`` of raw figures from
SQL over plain columns. It never decrypts a row: nothing a victim told us is a dimension.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from .disclosure import disclose, show_cell
from .periods import Period
from .tables import Chart, SectionContent, ShownCell, ShownTable

T = TypeVar("T")
TREND_LENGTH = 5  # a trend shows the period and the four before it


@dataclass(frozen=True)
class ReportQuery:
    period: Period
    agency_id: uuid.UUID | None = None  # None: the whole partnership
    service_id: uuid.UUID | None = None  # None: every service
    today: date | None = None  # for "expiring" and "overdue" (None: today in the UK)
    # What the pack's sections have read for this query, so that rows several sections count
    # are read once (``shared``). Not part of what the query is.
    _read: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def trend(self) -> list[Period]:
        return self.period.trend(TREND_LENGTH)

    def shared(self, key: str, read: Callable[[], T]) -> T:
        """``read()``'s result, read once for this query whichever section asks first."""
        if key not in self._read:
            self._read[key] = read()
        found: T = self._read[key]
        return found


@dataclass(frozen=True)
class Section:
    key: str  # the page anchor and the CSV files' prefix: "come-forward"
    title: str  # "Victims who come forward and receive help"
    measure: str  # the strategy's words for the measure of success
    order: int
    build: Callable[[ReportQuery], SectionContent | None]  # None: not yet recorded
    not_recorded: str = ""  # what is missing, when ``build`` returns None
    # Which filters narrow this section ("agency", "service"); the page says when one does not.
    filtered_by: frozenset[str] = frozenset({"agency"})


@dataclass(frozen=True)
class ShownFigure:
    label: str
    shown: ShownCell
    hint: str = ""


@dataclass(frozen=True)
class BuiltSection:
    section: Section
    recorded: bool
    figures: tuple[ShownFigure, ...] = ()
    tables: tuple[ShownTable, ...] = ()
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def has_hidden(self) -> bool:
        return any(table.has_hidden for table in self.tables) or any(
            figure.shown.hidden for figure in self.figures
        )

    def table(self, key: str) -> ShownTable:
        return next(table for table in self.tables if table.key == key)


@dataclass(frozen=True)
class Pack:
    query: ReportQuery
    sections: tuple[BuiltSection, ...] = field(default_factory=tuple)

    @property
    def tables(self) -> list[ShownTable]:
        return [table for built in self.sections for table in built.tables]


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    """Add (or, for an app created twice, replace) a section."""
    _SECTIONS[section.key] = section


def registered() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda section: section.order)


def get(key: str) -> Section | None:
    return _SECTIONS.get(key)


def build_section(section: Section, query: ReportQuery) -> BuiltSection:
    content = section.build(query)
    if content is None:
        return BuiltSection(section, recorded=False)
    return _shown(section, content)


def _shown(section: Section, content: SectionContent) -> BuiltSection:
    tables = tuple(disclose(table) for table in content.tables)
    keys = {table.key for table in tables}
    printed = {table.key for table in tables if table.in_board_pack}
    for chart in content.charts:
        if chart.table not in keys:
            raise ValueError(f"{section.key}: chart {chart.title!r} draws a table it does not have")
        if chart.table not in printed:  # the board pack draws each chart into its table
            raise ValueError(f"{section.key}: chart {chart.title!r} draws an unprinted table")
    drawn = [chart.table for chart in content.charts]
    if len(drawn) != len(set(drawn)):  # the board pack draws one chart into each table
        raise ValueError(f"{section.key}: two charts draw the same table")
    figures = tuple(
        ShownFigure(figure.label, show_cell(figure.cell), figure.hint) for figure in content.figures
    )
    return BuiltSection(
        section,
        recorded=True,
        figures=figures,
        tables=tables,
        charts=tuple(content.charts),
        notes=tuple(content.notes),
    )


def build_pack(
    query: ReportQuery,
    progress: Callable[[int, int], None] | None = None,
    only: list[str] | None = None,
) -> Pack:
    """Every registered section (or those keyed in ``only``) for ``query``, in order.

    ``progress(done, total)`` is called after each section, for a long export's status page.
    """
    chosen = [s for s in registered() if only is None or s.key in only]
    built: list[BuiltSection] = []
    for done, section in enumerate(chosen, start=1):
        built.append(build_section(section, query))
        if progress is not None:
            progress(done, len(chosen))
    return Pack(query, tuple(built))
