"""The measures of success, in the order the board pack shows them.

Each module here builds one section from its feature's tables (``sections.Section``). A feature
not yet built registers its section with a builder that returns ``None``: the pack says its data
is "not yet recorded" rather than printing zeros. To add a measure, write its module and add it to
``MODULES``.
"""

from __future__ import annotations

from importlib import import_module

from .. import sections

MODULES = (
    "come_forward",  # victims who come forward and receive help
    "earliest_moment",  # support at the earliest moment, fewer high-risk situations
    "safe_spaces",  # safe spaces with trained professionals
    "perpetrator_programmes",  # availability of and participation in perpetrator programmes
    "service_users",  # what service users said and what was done
    "partnership",  # Marac volume, consent overrides and holds, serial perpetrators
)


def register_all() -> None:
    for name in MODULES:
        module = import_module(f"{__name__}.{name}")
        sections.register(module.SECTION)
