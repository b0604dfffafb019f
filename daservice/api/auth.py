"""Bearer tokens for partner systems. Only a SHA-256 of each token is stored."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from .. import audit
from ..extensions import db, utcnow
from ..security.tokens import hash_token, new_token
from .models import ApiClient, PartnerSystem

PREFIX = "das_"


def issue(agency_id: uuid.UUID, name: str) -> tuple[ApiClient, str]:
    """A new client and its token (returned once; never stored)."""
    token = new_token(PREFIX)
    client = ApiClient(agency_id=agency_id, name=name, token_hash=hash_token(token))
    db.session.add(client)
    db.session.flush()
    audit.record("api_client.created", target_type="api_client", target_id=client.id)
    db.session.commit()
    return client, token


def replace_token(client: ApiClient) -> str:
    """A new token for an existing client (the old one stops working at once); returned once.
    The client keeps its identity, so it can still read the referrals it sent."""
    token = new_token(PREFIX)
    client.token_hash = hash_token(token)
    audit.record("api_client.token_replaced", target_type="api_client", target_id=client.id)
    db.session.commit()
    return token


def authenticate(header: str | None) -> PartnerSystem | None:
    if not header or not header.startswith("Bearer "):
        return None
    token = header.removeprefix("Bearer ").strip()
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    # One lookup on the unique index over token hashes: a revoked or replaced token stops
    # working on the very next request, in every process. (Looking up a hash leaks nothing
    # useful through timing: an attacker learns at most about a hash of a token they guessed.)
    row = db.session.execute(_USABLE_BY_HASH, {"digest": hash_token(token)}).one_or_none()
    return PartnerSystem(*row) if row is not None else None


_CLIENTS = ApiClient.__table__
_USABLE_BY_HASH = sa.select(_CLIENTS.c.id, _CLIENTS.c.agency_id, _CLIENTS.c.name).where(
    _CLIENTS.c.token_hash == sa.bindparam("digest"), _CLIENTS.c.revoked_at.is_(None)
)


def revoke(client: ApiClient) -> None:
    client.revoked_at = utcnow()
    audit.record("api_client.revoked", target_type="api_client", target_id=client.id)
    db.session.commit()
