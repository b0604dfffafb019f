"""API use cases for partner systems: each one transaction."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..exceptions import DomainError
from ..extensions import db
from ..referrals import disclosure, intake
from ..referrals import services as referrals
from ..referrals.models import Referral
from ..referrals.validation import parse
from . import idempotency
from .models import PartnerSystem


def referral_location(referral_id: object) -> str:
    return f"/api/v1/referrals/{referral_id}"


def receive_referral(client: PartnerSystem, body: Any, key: str | None) -> idempotency.Answer:
    """A referral sent by a partner system: validated (``validation.Invalid`` names each
    field), taken in through the same intake as the web's, answered once per Idempotency-Key."""

    def work() -> idempotency.Answer:
        data = parse(body)
        referral = intake.build_referral(intake.Submitter(client.agency_id, client=client), data)
        # The exact bytes sent, kept for a retry with the same key to get the same bytes back.
        answer = current_app.json.dumps(disclosure.summary(referral)) + "\n"
        return idempotency.Answer(201, answer, referral_location(referral.id))

    return idempotency.once(
        client.id,
        "POST /api/v1/referrals",
        key,
        body,
        work,
        lambda sent: referral_location(sent["id"]),
    )


def own_referral(client: PartnerSystem, referral_id: str) -> Referral | None:
    """The referral if this client sent it; None otherwise (answered as 404). Like a referrer on
    the web, a partner system sees what it referred: not its agency's other referrals (another
    system of the same agency, or staff referring on the web), and nothing routed to anyone."""
    try:
        wanted = uuid.UUID(referral_id)
    except ValueError:
        return None
    if str(wanted) != referral_id.lower():  # only ids as issued, not {…}, urn:uuid:… or bare hex
        return None
    return db.session.scalar(
        sa.select(Referral).where(
            Referral.id == wanted,
            Referral.api_client_id == client.id,
            Referral.agency_id == client.agency_id,
        )
    )


def read_referral(client: PartnerSystem, referral_id: str) -> dict[str, Any] | None:
    """What the client may be told of a referral it sent, auditing the read. Commits."""
    referral = own_referral(client, referral_id)
    if referral is None:
        return None
    audit.record(
        "referral.viewed",
        actor=client,
        target_type="referral",
        target_id=referral.id,
        purpose="partner system read",
    )
    db.session.commit()
    return disclosure.summary(referral)


class ConsentNotGiven(DomainError):
    """A consent request that is not ``{"status": "given"}`` (consent is only ever given)."""


def record_consent(client: PartnerSystem, referral: Referral, body: Any) -> dict[str, Any]:
    """She has now consented: release every route held for it. ``referral`` is one this client
    sent (``own_referral``). Commits."""
    if not isinstance(body, dict) or set(body) - {"status"} or body.get("status") != "given":
        raise ConsentNotGiven("consent can only be recorded as given")
    referrals.consent_given(client, referral)
    return disclosure.summary(referral)
