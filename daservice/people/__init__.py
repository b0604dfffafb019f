"""People: victims and perpetrators, the blind person index, and matching (tell your story once).

Used by referrals and, later, perpetrator programmes; imports neither."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..security.rotation import INDEX_TABLES
    from . import matching, models  # noqa: F401  (tables; the person re-indexer registers itself)

    if "person_index" not in INDEX_TABLES:
        INDEX_TABLES.append("person_index")
