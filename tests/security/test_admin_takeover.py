"""Probe finding F2: an administrator must not be able to reach case content by taking over a
case worker's account (reset password + reset MFA) or by creating a case-worker account.

Each test drives the attack as the probe did, through the admin's own pages, and checks that the
administrator ends up with nothing: no password on their screen, no sign-in as the worker, no
authenticator of their choosing, and no referral.
"""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role, User
from daservice.directory.models import ServiceKind, ServiceMember
from daservice.extensions import db

from .. import factories
from ..conftest import LoginActions, csrf_token

SHOWN_PASSWORD = re.compile(r'id="temporary-password">([^<]+)<')


@pytest.fixture()
def admin(client, login_as, directory):
    user = factories.user(Role.ADMIN)
    login_as(user)
    return user


def _idva_referral(directory):
    referrer = factories.user(Role.REFERRER)
    return factories.refer(referrer, factories.referral_payload())


def _take_over(app, email: str, password: str) -> int | None:
    """Sign in as ``email`` with ``password`` in a fresh browser, enrol an authenticator the
    attacker holds if asked to, choose a new password if asked to, and return the status of the
    IDVA inbox (None if sign-in got nowhere)."""
    browser = app.test_client()
    response = LoginActions(browser).password(email, password)
    if response.status_code != 302 or not response.location.endswith(
        "/sign-in/set-up-authenticator"
    ):
        return None
    page = browser.get("/sign-in/set-up-authenticator").get_data(as_text=True)
    secret = re.search(r'id="setup-key">([^<]+)<', page)
    if secret is None:
        return None
    code = pyotp.TOTP(secret.group(1).replace(" ", "")).now()
    token = csrf_token(browser, "/sign-in/set-up-authenticator")
    browser.post("/sign-in/set-up-authenticator", data={"code": code, "csrf_token": token})
    if browser.get("/").status_code == 302:  # must change the temporary password first
        token = csrf_token(browser, "/account/password")
        browser.post(
            "/account/password",
            data={
                "current_password": password,
                "new_password": "attacker chose this one",
                "confirm_password": "attacker chose this one",
                "csrf_token": token,
            },
        )
    return browser.get("/inbox/").status_code


def test_resetting_a_workers_password_and_mfa_gives_the_admin_no_way_in(
    client, admin, app, directory
):
    worker = factories.user(Role.SERVICE_WORKER, email="idva2@example.test")
    idva = directory[ServiceKind.IDVA]
    db.session.add(ServiceMember(service_id=idva.id, user_id=worker.id))
    db.session.commit()
    _idva_referral(directory)
    token = csrf_token(client, f"/admin/users/{worker.id}")
    client.post(f"/admin/users/{worker.id}/reset-mfa", data={"csrf_token": token})
    page = client.post(f"/admin/users/{worker.id}/reset-password", data={"csrf_token": token})
    shown = SHOWN_PASSWORD.search(page.get_data(as_text=True))
    # The probe's path: the password on the admin's screen, and an authenticator of their own.
    # Without one shown, nothing the admin could type gets them in (not the old password either).
    password = shown.group(1) if shown else factories.PASSWORD
    assert _take_over(app, worker.email, password) is None
    assert shown is None, "a password was shown to the administrator"


def test_after_an_mfa_reset_knowing_the_password_is_not_enough_to_enrol(
    client, admin, app, directory
):
    """Someone with the worker's password (phished, or shared) cannot enrol their own
    authenticator after an admin's MFA reset: enrolment needs the link sent to the worker."""
    worker = factories.user(Role.SERVICE_WORKER, email="idva3@example.test")
    db.session.add(ServiceMember(service_id=directory[ServiceKind.IDVA].id, user_id=worker.id))
    db.session.commit()
    token = csrf_token(client, f"/admin/users/{worker.id}")
    client.post(f"/admin/users/{worker.id}/reset-mfa", data={"csrf_token": token})
    assert _take_over(app, worker.email, factories.PASSWORD) is None
    db.session.expire_all()
    assert not db.session.get(User, worker.id).totp_confirmed


def test_creating_a_case_worker_account_shows_the_admin_no_password(client, admin, app, directory):
    agency = db.session.scalar(sa.select(User.agency_id).where(User.id == admin.id))
    token = csrf_token(client, "/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "new.worker@example.test",
            "display_name": "New Worker",
            "agency": str(agency),
            "roles": ["service_worker"],
            "csrf_token": token,
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert SHOWN_PASSWORD.search(response.get_data(as_text=True)) is None
    created = db.session.scalar(sa.select(User).where(User.email == "new.worker@example.test"))
    db.session.add(ServiceMember(service_id=directory[ServiceKind.IDVA].id, user_id=created.id))
    db.session.commit()
    # Whatever the admin might guess, the account has no password until its holder chooses one.
    for guess in (factories.PASSWORD, "", "new.worker@example.test"):
        assert _take_over(app, created.email, guess or "x" * 12) is None
