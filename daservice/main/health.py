"""Whether the service can do its work (``/healthz``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db


def database_ok() -> bool:
    """True if the database answers a trivial query."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True
