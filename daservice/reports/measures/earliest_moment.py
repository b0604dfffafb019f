"""Support at the earliest moment, and fewer high-risk situations (being built)."""

from __future__ import annotations

from ..sections import ReportQuery, Section
from ..tables import SectionContent


def build(query: ReportQuery) -> SectionContent:
    return SectionContent(notes=["Being built."])


SECTION = Section(
    key="earliest-moment",
    title="Support at the earliest moment, and fewer high-risk situations",
    measure="Support at the earliest moment, and fewer high-risk situations",
    order=20,
    build=build,
)
