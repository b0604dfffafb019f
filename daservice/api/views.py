"""``/api/v1``: referrals in and out for partner systems (DESIGN.md §5)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from .. import audit
from ..extensions import db
from ..referrals import services
from ..referrals.models import IdempotencyRecord, Referral
from ..referrals.validation import Invalid, parse
from ..security.guard import public
from . import auth, openapi

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_IDEMPOTENCY_KEY = 200


def error(status: int, message: str, **extra: Any) -> Response:
    response = jsonify({"error": message, **extra})
    response.status_code = status
    return response


@bp.before_request
def _authenticate() -> Response | None:
    if request.endpoint == "api.openapi_document":
        return None
    client = auth.authenticate(request.headers.get("Authorization"))
    if client is None:
        response = error(401, "missing or invalid bearer token")
        response.headers["WWW-Authenticate"] = 'Bearer realm="daservice"'
        return response
    g.api_client = client
    return None


@bp.after_request
def _no_cookies(response: Response) -> Response:
    response.headers.pop("Set-Cookie", None)  # token-authenticated: never start a browser session
    return response


@bp.route("/openapi.json")
@public
def openapi_document() -> Response:
    return jsonify(openapi.document())


def _read_json() -> Any:
    if request.mimetype != "application/json":
        raise _Refusal(415, "send the referral as application/json")
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise _Refusal(413, "request too large") from None
    try:
        body = json.loads(raw, parse_constant=_not_json)
        # Lone surrogates ("\ud800", or their bytes) parse, but are not text: they cannot be
        # stored. They can only come from an escape or a non-ASCII byte, so only then is it asked.
        if b"\\u" in raw or not raw.isascii():
            json.dumps(body, ensure_ascii=False).encode()
    except (ValueError, UnicodeError, RecursionError):
        raise _Refusal(400, "malformed JSON") from None
    return body


def _not_json(constant: str) -> Any:
    # Python's json module reads NaN and Infinity; JSON has neither.
    raise ValueError(f"{constant} is not JSON")


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@bp.errorhandler(_Refusal)
def _refused(exc: _Refusal) -> Response:
    return error(exc.status, exc.message)


@bp.route("/referrals", methods=["POST"])
def create_referral() -> Response:
    client = g.api_client
    length = request.content_length
    if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
        return error(413, "request too large")
    body = _read_json()
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY):
        return error(400, f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    key_hash: str | None = None
    body_hash = ""
    if key:  # what a retry with the same key must match
        key_hash = hashlib.sha256(key.encode()).hexdigest()
        body_hash = hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        previous = db.session.get(IdempotencyRecord, (client.id, key_hash))
        if previous is not None:
            return _replay(previous, body_hash)
    try:
        data = parse(body)
    except Invalid as invalid:
        return error(422, "the referral is not valid", errors=invalid.errors)
    submitter = services.Submitter(agency_id=client.agency_id, client=client)
    referral = services.build_referral(submitter, data)
    # The exact bytes sent, kept for a retry with the same key to get the same bytes back.
    answer = current_app.json.dumps(services.summary(referral)) + "\n"
    if key_hash:
        db.session.add(
            IdempotencyRecord(
                api_client_id=client.id,
                key_hash=key_hash,
                request_hash=body_hash,
                status_code=201,
                response_json=answer,
            )
        )
    location = _location(referral.id)  # read before the commit expires it
    try:
        services.commit_and_notify(referral.routes)
    except IntegrityError:
        # The same key arrived twice at once; the other request won. Answer as it did.
        db.session.rollback()
        previous = db.session.get(IdempotencyRecord, (client.id, key_hash)) if key_hash else None
        if previous is None:
            raise
        return _replay(previous, body_hash)
    response = Response(answer, status=201, mimetype="application/json")
    response.headers["Location"] = location
    return response


def _replay(previous: IdempotencyRecord, body_hash: str) -> Response:
    if previous.request_hash != body_hash:
        return error(409, "this Idempotency-Key was used with a different request")
    response = Response(
        previous.response_json, status=previous.status_code, mimetype="application/json"
    )
    if previous.status_code == 201:  # the same response: its Location too
        response.headers["Location"] = _location(json.loads(previous.response_json)["id"])
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _location(referral_id: object) -> str:
    return f"/api/v1/referrals/{referral_id}"


def _own_referral(referral_id: str) -> Referral | None:
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
            Referral.api_client_id == g.api_client.id,
            Referral.agency_id == g.api_client.agency_id,
        )
    )


@bp.route("/referrals/<referral_id>", methods=["GET"])
def get_referral(referral_id: str) -> Response:
    referral = _own_referral(referral_id)
    if referral is None:
        return error(404, "not found")
    audit.record(
        "referral.viewed",
        actor=g.api_client,
        target_type="referral",
        target_id=referral.id,
        purpose="partner system read",
    )
    db.session.commit()
    return jsonify(services.summary(referral))


@bp.route("/referrals/<referral_id>/consent", methods=["POST"])
def record_consent(referral_id: str) -> Response:
    """She has now given consent: release every route held for it."""
    referral = _own_referral(referral_id)
    if referral is None:
        return error(404, "not found")
    body = _read_json()
    if not isinstance(body, dict) or set(body) - {"status"} or body.get("status") != "given":
        return error(
            422,
            "consent can only be recorded as given",
            errors={"status": ['Send {"status": "given"} once she has agreed']},
        )
    services.record_consent(g.api_client, referral)
    return jsonify(services.summary(referral))
