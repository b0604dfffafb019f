"""Users, agencies, roles, sign-in with MFA, sessions, and administration of users."""

from __future__ import annotations

from typing import Any, cast

from flask import Flask, redirect, request, url_for
from flask_login import current_user

from ..extensions import login_manager
from ..security.guard import uses_tokens
from . import sessions
from .models import Agency, Role, User

__all__ = ["Agency", "Role", "User", "init_app", "actor"]

# Pages a user who must change their password may still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"accounts.change_password", "accounts.logout", "static"}


def actor() -> User:
    """The signed-in user as a model instance (not the proxy), for passing to services."""
    return cast(User, current_user._get_current_object())


def _force_password_change() -> Any:
    if uses_tokens(request.endpoint):  # a partner system: no signed-in user to load
        return None
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE
        and request.endpoint is not None
    ):
        return redirect(url_for("accounts.change_password"))
    return None


def init_app(app: Flask) -> None:
    from . import admin_views, cli, session_views, setup_links, views

    setup_links.register_templates()

    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the sign-in page explains itself
    login_manager.session_protection = None  # sessions are server-side records (sessions.py)
    login_manager.user_loader(sessions.load)
    app.before_request(_force_password_change)
    session_views.init_app(app)  # the timeout warning; adds its routes to views.bp
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(admin_views.notifications_bp)
    app.cli.add_command(cli.users)
