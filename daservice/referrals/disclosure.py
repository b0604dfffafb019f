"""What the person or system that referred may be told about a referral.

Nothing that reveals whether she was already known (DESIGN.md §3: the "is she in the system?"
oracle): the web confirmation, the referrer's list and detail page, the consent message and the
API all say the same as for a first referral with the same answers. Receiving services see all.
"""

from __future__ import annotations

from typing import Any

from ..directory.models import ServiceKind
from .models import Referral, Route, RouteStatus

# Routes made only because of a Marac criterion.
MARAC_ROUTE_KINDS = frozenset({ServiceKind.MARAC, ServiceKind.IDVA})


def overall_status(routes: list[Route]) -> str:
    """One word for where a referral is: received, held_for_consent, routed or closed."""
    statuses = {route.status for route in routes}
    if not statuses:
        return "received"
    if statuses == {RouteStatus.HELD_FOR_CONSENT}:
        return "held_for_consent"
    if statuses <= {RouteStatus.CLOSED, RouteStatus.DECLINED}:
        return "closed"
    return "routed"


def submitter_criteria(referral: Referral) -> list[str]:
    """The Marac criteria the person who referred may be told. "repeat" is left out: it would tell
    them she was referred before. Receiving services see every criterion."""
    return [c for c in referral.criteria if c != "repeat"]


def submitter_routes(referral: Referral) -> list[Route]:
    """The routes the person who referred is shown. When the only Marac criterion is "repeat",
    the Marac and Idva routes would tell her the victim was referred before; she sees the
    outreach route (made for exactly this reason, see routing.py) and any others, as for a
    first referral. Receiving services see every route."""
    if referral.marac and not submitter_criteria(referral):
        return [r for r in referral.routes if r.service.kind not in MARAC_ROUTE_KINDS]
    return list(referral.routes)


def summary(referral: Referral) -> dict[str, Any]:
    """The referral as its submitter sees it (web confirmation and the API): no protected values,
    and nothing that reveals whether she was already known."""
    criteria = submitter_criteria(referral)
    routes = submitter_routes(referral)
    return {
        "id": str(referral.id),
        "reference": referral.reference,
        "status": overall_status(routes),
        "risk": {
            "score": referral.risk_score,
            "level": referral.risk_level,
            "marac": bool(criteria),
            "criteria": criteria,
        },
        "routes": [
            {
                "service_id": str(r.service_id),
                "service": r.service.name,  # from the identity map: routing loaded them
                "status": r.status.value,
            }
            for r in routes
        ],
    }
