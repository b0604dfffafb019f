"""Sign in (password, then TOTP), enrol an authenticator, sign out, change password."""

from __future__ import annotations

import math
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ..security import ratelimit
from ..security.guard import public
from . import mfa, services, setup_links
from .forms import (
    ChangePasswordForm,
    CodeForm,
    ConfirmPasswordForm,
    LoginForm,
    RecoveryCodeForm,
    SetUpAccountForm,
)

bp = Blueprint("accounts", __name__)

PENDING_SECONDS = 300  # between the password and the security code
GENERIC_FAILURE = "Enter a correct email address and password"


def _source() -> str:
    return ratelimit.client_address()


def _pending_user_id() -> uuid.UUID | None:
    raw, started = session.get("pending_user"), session.get("pending_at", 0)
    if not raw or time.time() - float(started) > PENDING_SECONDS:
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def _safe_next(target: str | None) -> str | None:
    """A path on this site to return to after signing in; anything else (another host, a
    scheme-relative or backslash URL, or one with control characters, which ``urlsplit`` drops
    silently but a Location header refuses) is ignored, so sign-in is never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _finish(user: services.User) -> Response:
    """Regenerate the session, then sign in: nothing from before sign-in survives."""
    target = _safe_next(session.get("next"))
    session.clear()
    login_user(user)
    if user.must_change_password:
        return redirect(url_for("accounts.change_password"))
    return redirect(target or url_for("main.home"))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            user = services.check_password(form.email.data, form.password.data, _source())
        except services.SignInFailed:
            form.email.errors = [GENERIC_FAILURE]
            status = 401
        except ratelimit.RateLimited as limited:
            minutes = math.ceil(limited.retry_after / 60)
            wait = f"{minutes} minute" + ("s" if minutes != 1 else "")
            form.email.errors = [f"Too many sign-in attempts. Wait {wait}, then try again"]
            status, headers = 429, {"Retry-After": str(limited.retry_after)}
        else:
            target = _safe_next(request.args.get("next"))
            session.clear()
            session["pending_user"], session["pending_at"] = str(user.id), time.time()
            if target:
                session["next"] = target
            if services.must_use_setup_link(user):
                # After an administrator's reset the authenticator is set up only from the link
                # emailed to the holder: a password alone (perhaps someone else's) is not enough.
                session.clear()
                services.refuse_enrolment_at_sign_in(user)
                return render_template("accounts/use_setup_link.html"), 403
            if not user.totp_confirmed:
                return redirect(url_for("accounts.enrol"))
            return redirect(url_for("accounts.code"))
    elif form.errors:
        status = 400
    return render_template("accounts/login.html", form=form), status, headers


@bp.route("/sign-in/security-code", methods=["GET", "POST"])
@public
def code() -> Any:
    user_id = _pending_user_id()
    if user_id is None:
        flash("Sign in again to continue", "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.check_second_factor(user_id, form.code.data, _source())
        except services.CodeAlreadyUsed:
            form.code.errors = [
                "That code has already been used. Wait for a new code, then enter it"
            ]
            status = 401
        except services.SignInFailed:
            form.code.errors = ["The security code is incorrect or has expired"]
            status = 401
        else:
            return _finish(user)
    elif form.errors:
        status = 400
    return render_template("accounts/code.html", form=form), status


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@public
def recovery() -> Any:
    user_id = _pending_user_id()
    if user_id is None:
        return redirect(url_for("accounts.login"))
    form = RecoveryCodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.check_recovery_code(user_id, form.code.data, _source())
        except services.SignInFailed:
            form.code.errors = ["The recovery code is incorrect or has already been used"]
            status = 401
        else:
            finished = _finish(user)  # clears the session: the message goes in after
            left = services.unused_recovery_codes(user)
            flash(
                f"You used a recovery code. You have {left} "
                + ("code" if left == 1 else "codes")
                + " left. Each code works once: make new ones if few are left",
                "info",
            )
            return finished
    elif form.errors:
        status = 400
    return render_template("accounts/recovery.html", form=form), status


@bp.route("/sign-in/set-up-authenticator", methods=["GET", "POST"])
@public
def enrol() -> Any:
    user_id = _pending_user_id()
    if user_id is None:
        return redirect(url_for("accounts.login"))
    user = services.get_user(user_id)
    if user.totp_confirmed:
        return redirect(url_for("accounts.code"))
    if services.must_use_setup_link(user):
        session.clear()
        return render_template("accounts/use_setup_link.html"), 403
    secret = services.enrolment_secret(user_id)
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            user, codes = services.confirm_enrolment(user_id, form.code.data, _source())
        except services.SignInFailed:
            form.code.errors = ["The security code is incorrect or has expired"]
            status = 401
        else:
            session.clear()
            login_user(user)
            # Shown once, in this response only; never stored anywhere readable.
            return render_template("accounts/recovery_codes.html", codes=codes, first_time=True)
    elif form.errors:
        status = 400
    uri = mfa.provisioning_uri(secret, user.email, current_app.config["SERVICE_NAME"])
    return render_template(
        "accounts/enrol.html",
        form=form,
        qr=mfa.qr_data_uri(uri),
        secret=mfa.grouped_secret(secret),
    ), status


@bp.route("/sign-out", methods=["POST"])
@login_required
def logout() -> Response:
    services.sign_out(current_user)
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Any:
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        problems = services.change_password(
            current_user, form.current_password.data, form.new_password.data
        )
        if not problems:
            flash("Your password has been changed. Other sessions have been signed out", "success")
            return redirect(url_for("main.home"))
        target = form.current_password if "current" in problems[0] else form.new_password
        target.errors = problems
        status = 400
    elif form.errors:
        status = 400
    return render_template("accounts/change_password.html", form=form), status


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
def recovery_codes() -> Any:
    form = ConfirmPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = services.new_recovery_codes(current_user, form.password.data)
        except services.WrongPassword:
            form.password.errors = ["Your password is incorrect"]
            status = 400
        else:
            return render_template("accounts/recovery_codes.html", codes=codes, first_time=False)
    elif form.errors:
        status = 400
    remaining = services.unused_recovery_codes(current_user)
    return render_template(
        "accounts/recovery_codes_new.html", form=form, remaining=remaining
    ), status


# --- Setting up an account from the emailed link (setup_links) ---------------------------------

SETUP_TOKEN = "setup_token"  # noqa: S105 - the session key's name, not a secret


def _link_does_not_work() -> Any:
    session.pop(SETUP_TOKEN, None)
    return render_template("accounts/setup_link_invalid.html"), 410


@bp.route("/account/set-up/<token>")
@public
def open_setup_link(token: str) -> Any:
    """The link from the email. Its token moves into the session and the browser goes on to a
    page without it, so it is not left in the history or sent on."""
    try:
        setup_links.open_link(token, first_visit=True)
    except setup_links.LinkNotUsable:
        return _link_does_not_work()
    if current_user.is_authenticated:  # someone else's session on this browser ends here
        services.sign_out(current_user)
        logout_user()
    session.clear()
    session[SETUP_TOKEN] = token
    return redirect(url_for("accounts.set_up"))


@bp.route("/account/set-up", methods=["GET", "POST"])
@public
def set_up() -> Any:
    token = session.get(SETUP_TOKEN)
    if not isinstance(token, str):
        return _link_does_not_work()
    try:
        link = setup_links.open_link(token)
    except setup_links.LinkNotUsable:
        return _link_does_not_work()
    form = SetUpAccountForm()
    if link.set_password:
        del form.current_password
    else:
        del form.new_password, form.confirm_password
    if not link.enrol:
        del form.code
    status = 200
    if form.validate_on_submit():
        try:
            done = setup_links.complete(
                token,
                source=_source(),
                new_password=form.new_password.data if link.set_password else None,
                current_password=None if link.set_password else form.current_password.data,
                code=form.code.data if link.enrol else None,
            )
        except setup_links.LinkNotUsable:
            return _link_does_not_work()
        except setup_links.SetupFailed as problem:
            form[problem.field].errors = [problem.message]
            status = 400
        else:
            session.clear()
            if not done.signed_in:
                flash(
                    "Your new password is set. Sign in with it and your authenticator app",
                    "success",
                )
                return redirect(url_for("accounts.login"))
            login_user(done.user)
            # Shown once, in this response only; never stored anywhere readable.
            return render_template(
                "accounts/recovery_codes.html", codes=done.recovery_codes, first_time=True
            )
    elif form.errors:
        status = 400
    context: dict[str, Any] = {"form": form, "link": link}
    if link.enrol and link.user.totp_secret:
        uri = mfa.provisioning_uri(
            link.user.totp_secret, link.user.email, current_app.config["SERVICE_NAME"]
        )
        context.update(qr=mfa.qr_data_uri(uri), secret=mfa.grouped_secret(link.user.totp_secret))
    return render_template("accounts/set_up.html", **context), status
