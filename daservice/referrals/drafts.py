"""Drafts of the web journey: started, saved as the author goes, sent once, expired if left."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..accounts.models import User
from ..extensions import db, utcnow
from ..security.fields import erased
from ..security.tokens import conditional_update
from . import policy, queries
from .models import ReferralDraft

# The journey's explicit "do not share without consent" answer (journey_sections.NO_OVERRIDE).
NO_OVERRIDE = "none"


def as_referral(answers: dict[str, Any]) -> dict[str, Any]:
    """A draft's answers as an API-shaped referral (the journey's private keys dropped), for the
    one set of validation rules the web and the API share."""
    data = {k: v for k, v in answers.items() if not k.startswith("_") and v is not None}
    consent = data.get("consent")
    if (
        isinstance(consent, dict)
        and (consent.get("override") or {}).get("legal_basis") == NO_OVERRIDE
    ):
        data["consent"] = {k: v for k, v in consent.items() if k != "override"}
    return data


def start(user: User) -> ReferralDraft:
    """A new, empty draft of the user's. Commits."""
    policy.require_referrer(user)
    draft = ReferralDraft(author_id=user.id)
    draft.answers = {}
    db.session.add(draft)
    audit.record("draft.started", actor=user, target_type="draft", target_id=draft.id)
    db.session.commit()
    return draft


def open_draft(user: User, draft_id: uuid.UUID) -> ReferralDraft:
    """One of the user's own drafts (404 for anyone else's)."""
    policy.require_referrer(user)
    return queries.get_draft_or_404(user, draft_id)


def save(user: User, draft_id: uuid.UUID, answers: dict[str, Any]) -> ReferralDraft:
    """Keep the answers so far (encrypted like the rest). Commits."""
    draft = open_draft(user, draft_id)
    if draft.submitted_referral_id is not None:
        raise policy.AlreadySent(draft.submitted_referral_id)
    draft.answers = answers
    draft.updated_at = utcnow()
    db.session.commit()
    return draft


def delete(user: User, draft_id: uuid.UUID) -> None:
    """Delete one of the user's unsent drafts, answers and all (404 for anyone else's). Audited:
    a draft holds a victim's details until then. Commits."""
    draft = open_draft(user, draft_id)
    if draft.submitted_referral_id is not None:
        raise policy.AlreadySent(draft.submitted_referral_id)
    db.session.delete(draft)
    audit.record("draft.deleted", actor=user, target_type="draft", target_id=draft_id)
    db.session.commit()


def sent_as(user: User, draft_id: uuid.UUID) -> uuid.UUID | None:
    """The referral the user's draft was sent as, read afresh (None if it is gone or unsent)."""
    return db.session.scalar(
        sa.select(ReferralDraft.submitted_referral_id).where(
            ReferralDraft.id == draft_id, ReferralDraft.author_id == user.id
        )
    )


def claim(draft: ReferralDraft, referral_id: uuid.UUID) -> bool:
    """Mark the draft sent as ``referral_id``, unless it already was (Send pressed twice), and
    drop its copy of the answers: the referral holds them now. In the caller's transaction."""
    return conditional_update(
        ReferralDraft,
        ReferralDraft.id == draft.id,
        ReferralDraft.submitted_referral_id.is_(None),
        values={
            "submitted_referral_id": referral_id,
            "updated_at": utcnow(),
            **erased(ReferralDraft),
        },
    )


def expire(now: datetime | None = None) -> int:
    """Delete drafts nobody has touched for ``DRAFT_RETENTION`` (unsent ones hold answers; sent
    ones hold nothing but a pointer to their referral). The ``flask jobs run`` job. Commits."""
    cutoff = (now or utcnow()) - current_app.config["DRAFT_RETENTION"]
    ids = list(
        db.session.scalars(sa.select(ReferralDraft.id).where(ReferralDraft.updated_at < cutoff))
    )
    if ids:
        db.session.execute(sa.delete(ReferralDraft).where(ReferralDraft.id.in_(ids)))
        audit.record_all(
            [audit.Entry("draft.expired", None, "draft", draft_id) for draft_id in ids]
        )
    db.session.commit()
    return len(ids)
