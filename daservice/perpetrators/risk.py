"""Risk reviews of a placement over time: the tool, the level, the day, who reviewed and why. A
level above the previous review's is a rise, kept on the review for the victim's worker's alerts
and the measures (risk at start and at exit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .. import audit
from ..audit.actions import AuditAction
from ..extensions import db, utcnow
from ..security.permissions import Permission, require
from ..uk_time import uk_today
from . import engagement, queries
from .models import EngagementKind, Placement, RiskLevel, RiskReview, RiskTool
from .refusals import Refused


@dataclass(frozen=True)
class ReviewInput:
    tool: RiskTool
    level: RiskLevel
    reviewed_on: date | None
    reason: str


def review(actor: Any, placement: Placement, data: ReviewInput) -> RiskReview:
    """Record a risk review; refuses with a message a day in the future, one before the placement
    was made, and no reason."""
    require(actor, Permission.RUN_PROGRAMMES)
    queries.check_placement(actor, placement)
    errors: dict[str, str] = {}
    made_on = uk_today(placement.created_at)
    if data.reviewed_on is None:
        errors["reviewed_on"] = "Enter the date of the review"
    elif data.reviewed_on > uk_today():
        errors["reviewed_on"] = "The date of the review must be today or in the past"
    elif data.reviewed_on < made_on - timedelta(days=366):
        errors["reviewed_on"] = "The date of the review must be within a year before the referral"
    if not data.reason.strip():
        errors["reason"] = "Say why the risk is at this level"
    if errors or data.reviewed_on is None:
        raise Refused(errors)
    reviewed_on = data.reviewed_on
    now = utcnow()
    earlier = [r for r in placement.risk_reviews if r.reviewed_on <= reviewed_on]
    later = [r for r in placement.risk_reviews if r.reviewed_on > reviewed_on]
    previous = earlier[-1] if earlier else None
    row = RiskReview(
        placement_id=placement.id,
        tool=data.tool,
        level=data.level,
        reviewed_on=reviewed_on,
        reviewer_id=actor.id,
        rose=previous is not None and data.level.rank > previous.level.rank,
        created_at=now,
    )
    row.reason = data.reason.strip()
    if later:  # a review dated before another: the later one now rises, or not, from this one
        later[0].rose = data.level.rank < later[0].level.rank
    placement.risk_reviews.append(row)
    db.session.flush()
    # Her worker hears of each rise once. A review dated between two others may make the later
    # one a rise, or stop it being one: its event is made, or taken back if no one has read it.
    for changed in (row, *later[:1]):
        key = f"risk:{changed.id}"
        if changed.rose:
            engagement.note(placement, EngagementKind.RISK_INCREASED, key, now, changed.reviewed_on)
        else:
            engagement.withdraw(key)
    audit.record(
        AuditAction.PLACEMENT_RISK_REVIEWED,
        actor=actor,
        target_type="placement",
        target_id=placement.id,
        purpose="risk rose" if row.rose else "risk reviewed",
    )
    db.session.commit()
    return row
