"""Referral use cases: each checks policy, changes, audits and commits once.

Intake itself (plan, then write) is ``intake.py``, shared by the web journey here and partner
systems (``api.services``); route work by receiving services is ``route_actions.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .. import audit, notify
from ..accounts.models import User
from ..extensions import db, utcnow
from . import disclosure, drafts, intake, policy, queries, route_actions, timeline
from .models import ConsentStatus, Referral, Route, RouteStatus
from .notifications import OVERDUE, SERVICE_WORKERS, WAITING
from .validation import parse


def submit_draft(user: User, draft_id: uuid.UUID) -> Referral:
    """Send a draft: one referral, however often Send is pressed. Commits.

    Raises ``validation.Invalid`` if the answers are not complete, and ``policy.AlreadySent``
    (naming the referral) if the draft was sent before, by this request's twin included."""
    draft = drafts.open_draft(user, draft_id)
    if draft.submitted_referral_id is not None:
        raise policy.AlreadySent(draft.submitted_referral_id)
    data = parse(drafts.as_referral(draft.answers or {}))
    referral = intake.build_referral(intake.Submitter(user.agency_id, user=user), data)
    if not drafts.claim(draft, referral.id):  # the other press won: nothing of this one stays
        db.session.rollback()
        sent = drafts.sent_as(user, draft_id)
        if sent is None:  # deleted meanwhile (expired): as if it never was
            queries.not_found()
        raise policy.AlreadySent(sent)
    db.session.commit()
    return referral


def confirmation(user: User, referral_id: uuid.UUID) -> dict[str, Any]:
    """What the referrer is told once she has sent a referral (her own only)."""
    referral = queries.get_referral_or_404(user, referral_id)
    if referral.referrer_id != user.id:
        queries.not_found()
    # When the first service is due to try to make contact, for "What happens next" (the routes
    # she is shown only: the rest would tell her more than a first referral would).
    due = [
        r.due_at
        for r in disclosure.submitter_routes(referral)
        if r.due_at is not None and r.status == RouteStatus.PENDING
    ]
    return disclosure.summary(referral) | {"first_contact_due": min(due) if due else None}


@dataclass(frozen=True)
class ReferralView:
    """A referral as this user may see it."""

    referral: Referral
    routes: list[Route]  # every route for a receiving service; what she may be told otherwise
    my_routes: list[Route]  # those of the user's own services, which she can work
    is_referrer: bool
    show_contact: bool  # her identity, contact details, children and story
    criteria: list[str]
    history: list[Referral]  # her earlier referrals, for services that see her
    held: bool  # some route waits for her consent
    # Who sent it and how to reach them: for the referrer and the services it went to.
    referred_by: queries.ReferredBy
    # Who did what to each of the user's own routes, newest first (by route id).
    timelines: dict[uuid.UUID, list[timeline.Event]]


def view_referral(user: User, referral_id: uuid.UUID) -> ReferralView:
    """Open a referral the user may see (404 otherwise), auditing the read. Commits."""
    referral = queries.get_referral_or_404(user, referral_id)
    is_referrer = referral.referrer_id == user.id
    mine = set(queries.member_service_ids(user))
    my_routes = [
        r
        for r in referral.routes
        if r.service_id in mine and policy.route_visible_to_service(r.status)
    ]
    audit.record(
        "referral.viewed",
        actor=user,
        target_type="referral",
        target_id=referral.id,
        purpose="referrer" if is_referrer else "receiving service",
    )
    db.session.commit()
    routes = list(referral.routes) if my_routes else disclosure.submitter_routes(referral)
    show_contact = policy.can_see_victim(
        is_referrer=is_referrer, route_kinds=[r.service.kind for r in my_routes]
    )
    referred_by = queries.referred_by(referral)
    timelines = {
        route.id: timeline.for_route(
            referral,
            route,
            referred_by=referred_by.short,
            channels=route_actions.CONTACT_CHANNELS,
            outcomes=route_actions.CONTACT_OUTCOMES,
            close_outcomes=route_actions.CLOSE_OUTCOMES,
        )
        for route in my_routes
    }
    return ReferralView(
        referral=referral,
        routes=routes,
        my_routes=my_routes,
        is_referrer=is_referrer,
        show_contact=show_contact,
        criteria=referral.criteria if my_routes else disclosure.submitter_criteria(referral),
        history=queries.linked_history(referral) if my_routes and show_contact else [],
        held=any(r.status == RouteStatus.HELD_FOR_CONSENT for r in routes),
        referred_by=referred_by,
        timelines=timelines,
    )


def record_consent(user: User, referral_id: uuid.UUID) -> int:
    """The referrer records that she has now consented; returns how many of the routes the
    referrer is shown were released (never more than she may be told). Commits."""
    referral = queries.get_referral_or_404(user, referral_id)
    if referral.referrer_id != user.id:
        queries.not_found()
    shown = {route.id for route in disclosure.submitter_routes(referral)}
    released = consent_given(user, referral)
    return sum(1 for route in released if route.id in shown)


def consent_given(
    actor: audit.Actor, referral: Referral, *, now: datetime | None = None
) -> list[Route]:
    """Consent given later, by the referrer or her partner system: release every route held for
    it and tell the services now waiting. Commits."""
    released = [r for r in referral.routes if r.status == RouteStatus.HELD_FOR_CONSENT]
    if referral.consent_status == ConsentStatus.GIVEN and not released:
        return []  # recorded already (a retry, or pressed twice): nothing changes
    now = now or utcnow()
    referral.consent_status = ConsentStatus.GIVEN
    referral.consent_recorded_at = now
    for route in released:
        intake.release(route, referral, now)
        notify.enqueue(WAITING, audience=(SERVICE_WORKERS, str(route.service_id)))
    audit.record("consent.given", actor=actor, target_type="referral", target_id=referral.id)
    db.session.commit()
    return released


def flag_overdue(now: datetime | None = None) -> int:
    """Mark routes whose first contact attempt is overdue, and tell each service once per run
    (the ``flask jobs run`` job). Idempotent: a route is flagged once. Commits."""
    now = now or utcnow()
    overdue = list(
        db.session.scalars(
            sa.select(Route).where(
                Route.due_at < now,
                Route.first_contact_at.is_(None),
                Route.sla_breached_at.is_(None),
                Route.status.in_((RouteStatus.PENDING, RouteStatus.ACCEPTED)),
            )
        )
    )
    for route in overdue:
        route.sla_breached_at = now
    for service_id in sorted({route.service_id for route in overdue}):
        notify.enqueue(OVERDUE, audience=(SERVICE_WORKERS, str(service_id)))
    audit.record_all([audit.Entry("route.sla_breached", None, "route", r.id) for r in overdue])
    db.session.commit()
    return len(overdue)
