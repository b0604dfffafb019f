"""Safe spaces with trained professionals (being built)."""

from __future__ import annotations

from ..sections import ReportQuery, Section
from ..tables import SectionContent


def build(query: ReportQuery) -> SectionContent:
    return SectionContent(notes=["Being built."])


SECTION = Section(
    key="safe-spaces",
    title="Safe spaces with trained professionals",
    measure="Safe spaces with trained professionals",
    order=30,
    build=build,
)
