"""Error pages and the mapping from domain exceptions to responses. Never shows exception detail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, make_response, render_template, request
from flask.globals import request_ctx
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .exceptions import NotFound, PermissionDenied, Throttled
from .security.guard import is_public
from .security.ratelimit import RateLimited

PAGES = {
    400: "errors/400.html",
    403: "errors/403.html",
    404: "errors/404.html",
    429: "errors/429.html",
    500: "errors/500.html",
}


# Flask-WTF's reasons when the browser sent a token from an older session of this site: signing
# out (in another tab) replaced the session's token, or the token outlived its time limit. A forged
# cross-site form arrives without the session cookie ("session token is missing") or without a
# token at all, and keeps the plain refusal.
_ENDED_SESSION_REASONS = {"The CSRF tokens do not match.", "The CSRF token has expired."}

# Told at start-up by accounts (the kernel imports no feature): the page for a form sent after
# its session ended.
_signed_out_page: Callable[[], Any] | None = None


def when_signed_out(page: Callable[[], Any]) -> None:
    """Use ``page`` to answer a CSRF failure from a session that has ended, on a private page."""
    global _signed_out_page
    _signed_out_page = page


def _from_ended_session(error: CSRFError) -> bool:
    return (
        error.description in _ENDED_SESSION_REASONS
        and not current_user.is_authenticated
        and not is_public(current_app, request.endpoint)
    )


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def wait_in_words(seconds: int) -> str:
    """How long Retry-After asks a person to wait, as the 429 page says it: "2 seconds",
    "a minute", "5 minutes", "an hour" (rounded up, so trying again then works)."""
    if seconds <= 1:
        return "a second"
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = -(-seconds // 60)
    if minutes < 60:
        return "a minute" if minutes == 1 else f"{minutes} minutes"
    hours = -(-minutes // 60)
    return "an hour" if hours == 1 else f"{hours} hours"


def _render(status: int, message: str | None = None, retry_after: int | None = None) -> Any:
    if request_ctx.url_adapter is None:
        # The request never reached routing (a Host outside TRUSTED_HOSTS): no page can be built
        # without URLs, and nothing from the request is echoed back.
        return _default_message(status), status, {"Content-Type": "text/plain; charset=utf-8"}
    if _wants_json():
        return {"error": message or _default_message(status)}, status
    template = PAGES.get(status, "errors/400.html" if status < 500 else "errors/500.html")
    wait = wait_in_words(retry_after) if retry_after is not None else None
    return render_template(template, status=status, message=message, wait=wait), status


def _default_message(status: int) -> str:
    return {
        400: "bad request",
        401: "unauthorised",
        403: "forbidden",
        404: "not found",
        405: "method not allowed",
        413: "request too large",
        415: "unsupported media type",
        429: "too many requests",
    }.get(status, "server error")


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        if _signed_out_page is not None and _from_ended_session(error):
            return _signed_out_page()  # still refused; nothing from the request is kept
        return _render(
            400,
            "Your form expired or was sent from somewhere else. Go back, "
            "reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        response = make_response(_render(error.code or 500))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))  # RFC 9110 15.5.6
        retry_after = getattr(error, "retry_after", None)  # 503s and 429s that say when
        if retry_after is not None:
            seconds = retry_after if isinstance(retry_after, int) else 60
            response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(PermissionDenied)
    def permission_denied(error: PermissionDenied) -> Any:
        return _render(403)

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> Any:
        return _render(404)

    @app.errorhandler(Throttled)
    def throttled(error: Throttled) -> Any:
        return _render(429)

    @app.errorhandler(RateLimited)
    def rate_limited(error: RateLimited) -> Any:
        response = make_response(_render(429, retry_after=error.retry_after))
        response.headers["Retry-After"] = str(error.retry_after)  # RFC 9110 10.2.3
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Any:
        # Logged with the request id only; the traceback goes to the log, never to the page.
        app.logger.exception("unhandled error")
        return _render(500)
