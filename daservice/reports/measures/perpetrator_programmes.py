"""Availability of and participation in perpetrator programmes.

Perpetrator programmes are not recorded in daservice yet (placements come with the perpetrator
programmes feature): until then the section says so.
"""

from __future__ import annotations

from ..sections import ReportQuery, Section
from ..tables import SectionContent


def build(query: ReportQuery) -> SectionContent | None:
    return None


SECTION = Section(
    key="perpetrator-programmes",
    title="Availability of and participation in perpetrator programmes",
    measure=(
        "Increase the availability of and participation in perpetrator programmes, changing "
        "the behaviours of those who do harm and reducing reoffending"
    ),
    order=40,
    build=build,
    not_recorded=(
        "Perpetrator programme placements are not yet recorded in daservice. Programme "
        "pipeline, completion and drop-out, and follow-up outcomes will appear here once they are."
    ),
)
