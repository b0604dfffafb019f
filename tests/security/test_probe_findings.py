"""Findings F4, F5, F6 and F8 of the security probe (shared/findings/security-probe.md), and its
observation on recovery codes: each test reproduces the probe's request."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice.accounts.models import User
from daservice.audit import AuditEvent
from daservice.extensions import db

from .. import factories
from ..conftest import LoginActions, csrf_token

NON_ASCII_CODES = ["١٢٣٤٥٦", "１２３４５６", "߀߁߂߃߄߅"]  # Arabic-Indic, full-width, N'Ko


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))


# --- F4: non-ASCII digits in a security code ---------------------------------------------------


@pytest.mark.parametrize("typed", NON_ASCII_CODES)
def test_a_security_code_in_non_ascii_digits_is_a_counted_failed_attempt(client, typed):
    user = factories.user()
    LoginActions(client).password(user.email)
    token = csrf_token(client, "/sign-in/security-code")
    response = client.post("/sign-in/security-code", data={"code": typed, "csrf_token": token})
    assert response.status_code == 401
    assert "The security code is incorrect or has expired" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.failed_logins == 1
    assert "login.mfa_failed" in _actions()


@pytest.mark.parametrize("typed", NON_ASCII_CODES)
def test_an_enrolment_code_in_non_ascii_digits_is_a_counted_failed_attempt(client, typed):
    user = factories.user(enrolled=False)
    LoginActions(client).password(user.email)
    client.get("/sign-in/set-up-authenticator")
    token = csrf_token(client, "/sign-in/set-up-authenticator")
    response = client.post(
        "/sign-in/set-up-authenticator", data={"code": typed, "csrf_token": token}
    )
    assert response.status_code == 401
    assert "The security code is incorrect or has expired" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.failed_logins == 1 and not user.totp_confirmed
    assert "mfa.enrol_failed" in _actions()


# --- F5: control characters in ?next= ----------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["%2F%0D%0ASet-Cookie%3A%20injected%3D1", "%2Finbox%0A", "%2F%09x", "%2F%7F"]
)
def test_a_next_target_with_control_characters_is_ignored_not_a_500(client, target):
    user = factories.user()
    page = f"/sign-in?next={target}"
    response = client.post(
        page,
        data={
            "email": user.email,
            "password": factories.PASSWORD,
            "csrf_token": csrf_token(client, page),
        },
    )
    assert response.status_code == 302
    response = LoginActions(client).code(factories.next_code(user))
    assert response.status_code == 302
    assert response.location == "/"
    assert "Set-Cookie" not in response.headers or "injected" not in response.headers["Set-Cookie"]


def test_a_plain_next_target_is_still_followed(client):
    user = factories.user()
    page = "/sign-in?next=%2Faccount%2Fpassword"
    client.post(
        page,
        data={
            "email": user.email,
            "password": factories.PASSWORD,
            "csrf_token": csrf_token(client, page),
        },
    )
    assert LoginActions(client).code(factories.next_code(user)).location == "/account/password"


# --- Observation: regenerating recovery codes asks for the password again -----------------------


def test_making_new_recovery_codes_needs_the_password(client, login_as):
    user = factories.user()
    login_as(user)
    token = csrf_token(client, "/account/recovery-codes")
    refused = client.post("/account/recovery-codes", data={"csrf_token": token})
    assert refused.status_code == 400 and "Enter your password" in refused.get_data(as_text=True)
    wrong = client.post(
        "/account/recovery-codes", data={"csrf_token": token, "password": "not my password"}
    )
    assert wrong.status_code == 400
    assert "Your password is incorrect" in wrong.get_data(as_text=True)
    assert "mfa.recovery_codes_refused" in _actions()
    db.session.refresh(user)
    assert user.failed_logins == 1 and not user.recovery_codes
    made = client.post(
        "/account/recovery-codes", data={"csrf_token": token, "password": factories.PASSWORD}
    )
    assert made.status_code == 200 and 'id="recovery-codes"' in made.get_data(as_text=True)
    assert 'download="recovery-codes.txt"' in made.get_data(as_text=True)
    assert "mfa.recovery_codes_replaced" in _actions()


def test_after_a_recovery_code_sign_in_the_user_is_told_how_many_are_left(client, app):
    from daservice.accounts import services

    user = factories.user()
    codes = services.replace_recovery_codes(user)
    db.session.commit()
    LoginActions(client).password(user.email)
    token = csrf_token(client, "/sign-in/recovery-code")
    response = client.post("/sign-in/recovery-code", data={"code": codes[0], "csrf_token": token})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "You have 9 codes left" in page
    assert db.session.get(User, user.id) is not None
