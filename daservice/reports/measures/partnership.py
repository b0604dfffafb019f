"""Marac, consent and serial perpetrators (being built)."""

from __future__ import annotations

from ..sections import ReportQuery, Section
from ..tables import SectionContent


def build(query: ReportQuery) -> SectionContent:
    return SectionContent(notes=["Being built."])


SECTION = Section(
    key="partnership",
    title="Marac, consent and serial perpetrators",
    measure="Marac, consent and serial perpetrators",
    order=60,
    build=build,
)
