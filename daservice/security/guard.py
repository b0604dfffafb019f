"""Deny by default: every endpoint needs a signed-in user unless it is explicitly marked public."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, Request, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Mark a view as reachable without signing in. Each use is a decision: keep them few."""
    view.daservice_public = True  # type: ignore[attr-defined]
    return view


_TOKEN_BLUEPRINTS: set[str] = set()
_TOKEN_PATHS: set[str] = set()


def token_authenticated(blueprint: Blueprint) -> None:
    """A blueprint whose requests authenticate with bearer tokens instead of a signed-in session.
    It must refuse unauthenticated requests itself (the API's ``before_request`` does). Its
    requests get no browser session at all (``TokenlessSessions``)."""
    if not blueprint.url_prefix:
        raise ValueError("a token-authenticated blueprint needs its own URL prefix")
    _TOKEN_BLUEPRINTS.add(blueprint.name)
    _TOKEN_PATHS.add(blueprint.url_prefix.rstrip("/") + "/")


class TokenlessSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except under a token-authenticated prefix: there the
    request gets the null session, so no cookie is read, signed or set (the session opens before
    the URL is matched, hence the prefix)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        path = request.path
        if any(path.startswith(prefix) for prefix in _TOKEN_PATHS):
            return None  # Flask substitutes its null session
        return super().open_session(app, request)


def uses_tokens(endpoint: str | None) -> bool:
    return bool(endpoint) and str(endpoint).split(".")[0] in _TOKEN_BLUEPRINTS


def is_public(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None:  # no route matched: let the 404 handler answer
        return True
    if endpoint == "static":
        return True
    view = app.view_functions.get(endpoint)
    return bool(getattr(view, "daservice_public", False))


def require_login() -> Any:
    endpoint = request.endpoint
    if is_public(current_app, endpoint) or uses_tokens(endpoint) or current_user.is_authenticated:
        return None
    return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    app.session_interface = TokenlessSessions()
    app.before_request(require_login)
