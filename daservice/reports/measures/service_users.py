"""What service users said, and what was done about it.

Service-user feedback and action plans are not recorded in daservice yet (they come with the
feedback feature): until then the section says so.
"""

from __future__ import annotations

from ..sections import ReportQuery, Section
from ..tables import SectionContent


def build(query: ReportQuery) -> SectionContent | None:
    return None


SECTION = Section(
    key="service-users",
    title="What service users said, and what was done",
    measure=(
        "Victims and survivors tell us how our services were for them, and we act on what they say"
    ),
    order=50,
    build=build,
    not_recorded=(
        "Service-user feedback and action plans are not yet recorded in daservice. The Friends "
        "and Family Test results, whether people feel safer, and actions open, done and overdue "
        "will appear here once they are."
    ),
)
