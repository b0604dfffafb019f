"""Fixtures and helpers for the account tests."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit import AuditEvent
from daservice.extensions import db

from .. import factories


@pytest.fixture()
def admin(client, login_as):
    """An administrator, signed in on ``client``."""
    user = factories.user(Role.ADMIN)
    login_as(user)
    return user


def recorded_actions() -> list[str]:
    """The audit trail's actions, oldest first."""
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))
