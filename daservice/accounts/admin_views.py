"""Administration of users: create, edit roles and agency, disable, reset MFA and password.

Administrators manage accounts; they see no case content, and no passwords: new accounts and
resets send the holder a set-up link (``setup_links``); these pages say only that it was sent.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..exceptions import NotFound, PermissionDenied
from ..security.permissions import Permission, protect
from . import actor, administration, services
from .forms import ROLE_HINTS, ActionForm, UserForm
from .models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


protect(bp, Permission.MANAGE_USERS)


def _agency_choices(form: UserForm) -> None:
    form.agency.choices = [("", "Select an agency")] + [
        (str(a.id), a.name) for a in services.list_agencies()
    ]


def _role_items() -> list[dict[str, Any]]:
    """Each role's checkbox with a hint saying what it can see and do (in the form's order)."""
    return [{"hint": {"text": ROLE_HINTS[Role(value)]}} for value, _ in UserForm.ROLE_CHOICES]


def _form_page(form: UserForm, user: services.User | None, **context: Any) -> Any:
    page = render_template(
        "admin/user_form.html", form=form, user=user, role_items=_role_items(), **context
    )
    return page, 400 if form.errors else 200


def _user_or_404(user_id: uuid.UUID) -> services.User:
    try:
        return services.get_user(user_id)
    except NotFound:
        abort(404)


@bp.route("/users")
def users() -> str:
    return render_template("admin/users.html", users=administration.list_users(actor()))


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> Any:
    form = UserForm()
    _agency_choices(form)
    if form.validate_on_submit():
        try:
            user = administration.invite_user(
                actor(),
                email=form.email.data,
                display_name=form.display_name.data,
                agency_id=uuid.UUID(form.agency.data),
                roles=[Role(r) for r in form.roles.data],
                reports_own_agency_only=bool(form.reports_own_agency_only.data),
            )
        except services.AccountProblem as exc:
            form[exc.field].errors = [str(exc)]
        else:
            return redirect(url_for("admin.link_sent", user_id=user.id, reason="new"))
    return _form_page(form, None)


@bp.route("/users/<uuid:user_id>", methods=["GET", "POST"])
def edit_user(user_id: uuid.UUID) -> Any:
    user = _user_or_404(user_id)
    form = UserForm(obj=None if _is_post() else user)
    _agency_choices(form)
    del form.email  # an account's email address is its identity; make a new account instead
    if not _is_post():
        form.agency.data = str(user.agency_id)
        form.roles.data = sorted(r.value for r in user.roles)
    if form.validate_on_submit():
        try:
            administration.update_user(
                actor(),
                user.id,
                display_name=form.display_name.data,
                agency_id=uuid.UUID(form.agency.data),
                roles=[Role(r) for r in form.roles.data],
                reports_own_agency_only=bool(form.reports_own_agency_only.data),
            )
        except PermissionDenied as exc:
            form.roles.errors = [str(exc)]
        except services.AccountProblem as exc:
            form[exc.field].errors = [str(exc)]
        else:
            flash(f"Saved changes to {user.display_name}", "success")
            return redirect(url_for("admin.users"))
    return _form_page(
        form, user, action=ActionForm(), link=administration.setup_link_of(actor(), user.id)
    )


def _is_post() -> bool:
    return request.method == "POST"


@bp.route("/users/<uuid:user_id>/disable", methods=["POST"])
def disable(user_id: uuid.UUID) -> Response:
    return _toggle(user_id, True)


@bp.route("/users/<uuid:user_id>/enable", methods=["POST"])
def enable(user_id: uuid.UUID) -> Response:
    return _toggle(user_id, False)


def _toggle(user_id: uuid.UUID, disabled: bool) -> Response:
    user = _user_or_404(user_id)
    if ActionForm().validate_on_submit():
        try:
            administration.set_disabled(actor(), user.id, disabled)
        except PermissionDenied as exc:
            flash(str(exc), "error")
        else:
            state = "disabled" if disabled else "enabled"
            flash(f"{user.display_name}'s account is {state}", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<uuid:user_id>/reset-mfa", methods=["POST"])
def reset_mfa(user_id: uuid.UUID) -> Response:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.edit_user", user_id=user.id))
    administration.reset_mfa(actor(), user.id)
    return redirect(url_for("admin.link_sent", user_id=user.id, reason="authenticator"))


@bp.route("/users/<uuid:user_id>/reset-password", methods=["POST"])
def reset_password(user_id: uuid.UUID) -> Any:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.edit_user", user_id=user.id))
    administration.reset_password(actor(), user.id)
    return redirect(url_for("admin.link_sent", user_id=user.id, reason="password"))


LINK_SENT_TITLES = {
    "new": "User added",
    "password": "Password reset",
    "authenticator": ("Authenticator app reset"),
}


@bp.route("/users/<uuid:user_id>/link-sent")
def link_sent(user_id: uuid.UUID) -> Any:
    """What the administrator sees after adding or resetting a user: that the holder was sent a
    link, and until when it works. Never a password."""
    user = _user_or_404(user_id)
    reason = request.args.get("reason", "")
    if reason not in LINK_SENT_TITLES:
        abort(404)
    return render_template(
        "admin/setup_link_sent.html",
        user=user,
        title=LINK_SENT_TITLES[reason],
        reason=reason,
        link=administration.setup_link_of(actor(), user.id),
        # A worker sees nothing until added to a service, which is done on the directory's page.
        is_worker=user.has_role(Role.SERVICE_WORKER, Role.PROGRAMME_WORKER),
    )


# Notifications that could not be sent: their own page and permission (they hold no case detail).
notifications_bp = Blueprint("notifications", __name__, url_prefix="/admin/notifications")
protect(notifications_bp, Permission.MANAGE_NOTIFICATIONS)


@notifications_bp.route("")
def index() -> str:
    return render_template(
        "admin/notifications.html",
        failed=administration.failed_notifications(actor()),
        action=ActionForm(),
    )


@notifications_bp.route("/<uuid:message_id>/retry", methods=["POST"])
def retry(message_id: uuid.UUID) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    if administration.retry_notification(actor(), message_id):
        flash("The notification will be sent again within a minute.", "success")
    return redirect(url_for("notifications.index"))
