"""The session timeout as users meet it (WCAG 2.2.1 Timing Adjustable).

Signed-in pages carry their session's deadline for the timeout dialog (assets/js/timeout-dialog.js,
templates/accounts/_timeout_dialog.html), which warns before it and offers "Stay signed in"
(``keep_alive``). It asks ``session_status`` before it warns and before it signs out, so activity
in another tab is not lost, then saves the page's form or opens ``timed_out``.

A form sent after the session ended cannot be saved (an unauthenticated request must not be
trusted or stored), so instead of a bare redirect or a 400 the user is told plainly that what they
typed on that page was not saved (``_unauthorized`` and the CSRF hook in ``daservice.errors``).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_url, logout_user

from .. import errors
from ..extensions import login_manager
from ..security.guard import public
from . import _ALLOWED_BEFORE_PASSWORD_CHANGE, actor, services, sessions
from .views import bp

# Answered as JSON, for the dialog's fetch(); never a redirect to an HTML page.
_JSON_ENDPOINTS = {"accounts.session_status", "accounts.keep_alive"}


def _deadline_json(deadline: sessions.Deadline | None) -> dict[str, Any]:
    if deadline is None:
        return {"signed_in": False, "expires_in": 0, "at_limit": False}
    return {
        "signed_in": True,
        "expires_in": deadline.seconds_left(),
        "at_limit": deadline.at_limit,
    }


@bp.route("/session/status")
@public  # answers "signed out" rather than redirecting; reading it never extends the session
def session_status() -> Any:
    deadline = sessions.current_deadline() if current_user.is_authenticated else None
    return _deadline_json(deadline)


sessions.PASSIVE_ENDPOINTS.add("accounts.session_status")


@bp.route("/session/keep-alive", methods=["POST"])
def keep_alive() -> Any:
    """Stay signed in: counts as activity now, up to the absolute limit."""
    deadline = sessions.keep_alive(actor().session_id or "")
    return _deadline_json(deadline), 200 if deadline else 401


@bp.route("/signed-out/timed-out")
@public
def timed_out() -> Any:
    """Ends the session if it is still alive, then says so and that the answers are safe.

    A GET, because the dialog and the journey's save-then-redirect both arrive here by
    navigation. A link on another site must not sign anyone out, so a cross-site request
    (``Sec-Fetch-Site``, sent by every current browser) only goes to the home page."""
    chosen = request.args.get("reason") == "chosen"
    if current_user.is_authenticated:
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            return redirect(url_for("main.home"))
        if chosen:  # "Sign out" in the warning: an ordinary sign-out, recorded as one
            services.sign_out(actor())
        else:
            sessions.end_timed_out(actor())
    _forget_session()
    return render_template(
        "accounts/timed_out.html",
        chosen=chosen,
        lost=request.args.get("lost") == "1",
        at_limit=request.args.get("reason") == "limit",
        **_limits(),
    )


def _forget_session() -> None:
    logout_user()
    session.clear()


def _limits() -> dict[str, int]:
    config = current_app.config
    return {
        "idle_minutes": int(config["SESSION_IDLE_TIMEOUT"].total_seconds() // 60),
        "absolute_hours": int(config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds() // 3600),
    }


def _not_saved_page(status: int) -> Any:
    """What someone whose session ended sees after sending a form: nothing was kept."""
    return render_template(
        "accounts/timed_out.html",
        lost=True,
        at_limit=False,
        sign_in_next=request.path,
        **_limits(),
    ), status


def _unauthorized() -> Any:
    """Flask-Login's answer to a request with no live session."""
    if request.endpoint in _JSON_ENDPOINTS:
        return _deadline_json(None), 401
    had_session = session.get("_user_id") is not None  # the cookie names a session that ended
    if had_session:
        _forget_session()
        if request.method == "POST":
            return _not_saved_page(401)
        flash("You have been signed out. Sign in again to continue", "info")
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def _signed_out_csrf_failure() -> Any:
    """A form from a session that has ended (signed out in another tab) fails its CSRF check:
    refused as before, but said plainly."""
    return _not_saved_page(400)


def timeout_settings() -> dict[str, Any] | None:
    """What the timeout dialog needs on a signed-in page; None without a live session.

    Given to templates as the function ``session_timeout``, called only where a page is signed
    in, so error pages (which may be unable to load the user) never run it."""
    deadline = sessions.current_deadline() if current_user.is_authenticated else None
    if deadline is None:
        return None
    config = current_app.config
    return {
        "expires_in": deadline.seconds_left(),
        "warning": int(config["SESSION_TIMEOUT_WARNING"].total_seconds()),
        "at_limit": deadline.at_limit,
        **_limits(),
    }


def init_app(app: Flask) -> None:
    login_manager.unauthorized_handler(_unauthorized)
    errors.when_signed_out(_signed_out_csrf_failure)
    app.context_processor(lambda: {"session_timeout": timeout_settings})
    # Someone who must change their password still gets warned before being signed out.
    _ALLOWED_BEFORE_PASSWORD_CHANGE.update({"accounts.keep_alive", "accounts.session_status"})
