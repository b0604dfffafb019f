"""Whose figures a reader may see: the whole partnership, or only her own agency's.

A manager sees the whole partnership unless her account is limited to her agency
(``User.reports_own_agency_only``, set by an administrator). A limited manager's every query is
pinned to her agency: asking for another agency's figures is a 404, as for any row outside scope.
"""

from __future__ import annotations

import uuid

from flask import abort

from ..accounts.models import User
from ..security.permissions import Permission, allows
from .periods import Period
from .sections import ReportQuery


def limited_to(user: User) -> uuid.UUID | None:
    """The one agency this reader is limited to, or None for the whole partnership."""
    return user.agency_id if user.reports_own_agency_only else None


def may_read_reports(user: User) -> bool:
    return allows(user, Permission.VIEW_REPORTS)


def query_for(
    user: User,
    period: Period,
    agency_id: uuid.UUID | None = None,
    service_id: uuid.UUID | None = None,
) -> ReportQuery:
    """The query this reader may run: her filters, pinned to her agency if she is limited."""
    if not may_read_reports(user):
        abort(403)
    own = limited_to(user)
    if own is not None:
        if agency_id is not None and agency_id != own:
            abort(404)
        agency_id = own
    return ReportQuery(period=period, agency_id=agency_id, service_id=service_id)
