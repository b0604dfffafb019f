"""Fixtures the referral tests share: a partner system's API token."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice.api import auth
from daservice.extensions import db


@pytest.fixture()
def token(app, directory):
    from daservice.accounts.models import Agency

    agency = db.session.scalar(sa.select(Agency).where(Agency.code == "MPS"))
    _, raw = auth.issue(agency.id, "MPS test bridge")
    return raw
