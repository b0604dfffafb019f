"""``/api/v1``: referrals and perpetrator-programme placements in and out for partner systems
(DESIGN.md §5)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..referrals.validation import Invalid
from ..security.guard import is_public, public
from ..security.ratelimit import rate_limited
from ..training import certificates
from . import auth, idempotency, openapi, placements, services

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error(status: int, message: str, **extra: Any) -> Response:
    response = jsonify({"error": message, **extra})
    response.status_code = status
    return response


@bp.before_request
def _authenticate() -> Response | None:
    # Only views marked @public skip the token (the document, certificate checks); any other
    # endpoint, and any unmatched path under /api/v1, still needs one.
    if request.endpoint is not None and is_public(current_app, request.endpoint):
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


def _read_json(what: str = "referral") -> Any:
    if request.mimetype != "application/json":
        raise _Refusal(415, f"send the {what} as application/json")
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise _Refusal(413, "request too large") from None
    # A chunked body (no Content-Length) is read only up to the limit and silently cut there
    # (Werkzeug's LimitedStream): a body that reaches the limit was longer than we read.
    if request.content_length is None and len(raw) >= current_app.config["MAX_CONTENT_LENGTH"]:
        raise _Refusal(413, "request too large")
    try:
        body = json.loads(raw, parse_constant=_not_json, object_pairs_hook=_one_value_per_name)
        # Lone surrogates ("\ud800", or their bytes) parse, but are not text: they cannot be
        # stored. They can only come from an escape or a non-ASCII byte, so only then is it asked.
        if b"\\u" in raw or not raw.isascii():
            json.dumps(body, ensure_ascii=False).encode()
    except _DuplicateName as duplicate:
        raise _Refusal(400, f'malformed JSON: the name "{duplicate.name}" appears twice') from None
    except (ValueError, UnicodeError, RecursionError):
        raise _Refusal(400, "malformed JSON") from None
    return body


class _DuplicateName(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _one_value_per_name(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object, refusing a name given twice: JSON leaves that undefined, and a gateway or
    validator in front that keeps the first value would disagree with Python, which keeps the
    last (``{"consent": refused, "consent": given}``)."""
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise _DuplicateName(name[:40])
        found[name] = value
    return found


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


@bp.errorhandler(Invalid)
def _invalid(exc: Invalid) -> Response:
    return error(422, "the referral is not valid", errors=exc.errors)


@bp.errorhandler(placements.InvalidPlacement)
def _invalid_placement(exc: placements.InvalidPlacement) -> Response:
    return error(422, "the placement is not valid", errors=exc.errors)


@bp.errorhandler(idempotency.BadKey)
def _bad_key(exc: idempotency.BadKey) -> Response:
    return error(400, str(exc))


@bp.errorhandler(idempotency.KeyReused)
def _key_reused(exc: idempotency.KeyReused) -> Response:
    return error(409, str(exc))


def _answer(answer: idempotency.Answer) -> Response:
    response = Response(answer.body, status=answer.status, mimetype="application/json")
    if answer.location:
        response.headers["Location"] = answer.location
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.route("/referrals", methods=["POST"])
def create_referral() -> Response:
    length = request.content_length
    if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
        return error(413, "request too large")
    body = _read_json()
    key = request.headers.get("Idempotency-Key")
    return _answer(services.receive_referral(g.api_client, body, key))


@bp.route("/referrals/<referral_id>", methods=["GET"])
def get_referral(referral_id: str) -> Response:
    found = services.read_referral(g.api_client, referral_id)
    return error(404, "not found") if found is None else jsonify(found)


@bp.route("/referrals/<referral_id>/consent", methods=["POST"])
def record_consent(referral_id: str) -> Response:
    """She has now given consent: release every route held for it."""
    referral = services.own_referral(g.api_client, referral_id)
    if referral is None:
        return error(404, "not found")
    body = _read_json()
    try:
        return jsonify(services.record_consent(g.api_client, referral, body))
    except services.ConsentNotGiven as exc:
        return error(
            422, str(exc), errors={"status": ['Send {"status": "given"} once she has agreed']}
        )


@bp.route("/programmes", methods=["GET"])
def list_programmes() -> Response:
    """The perpetrator programmes taking placements now (published details only)."""
    return jsonify({"programmes": placements.open_programmes()})


@bp.route("/placements", methods=["POST"])
def create_placement() -> Response:
    length = request.content_length
    if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
        return error(413, "request too large")
    body = _read_json("placement")
    key = request.headers.get("Idempotency-Key")
    return _answer(placements.receive_placement(g.api_client, body, key))


@bp.route("/placements/<placement_id>", methods=["GET"])
def get_placement(placement_id: str) -> Response:
    found = placements.read_placement(g.api_client, placement_id)
    return error(404, "not found") if found is None else jsonify(found)


@bp.route("/certificates/<code>", methods=["GET"])
@public
@rate_limited("public_lookup")
def certificate(code: str) -> Response:
    """Public: anyone holding a certificate's code may check it (DESIGN.md §5), no token."""
    found = certificates.verify(code) if len(code) <= MAX_CODE_LENGTH else None
    return error(404, "not found") if found is None else jsonify(found)


MAX_CODE_LENGTH = 64  # longer is not a code however it is spaced; not worth hashing
