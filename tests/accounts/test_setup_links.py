"""Set-up links: a new account or a reset reaches its holder, and only them, as a single-use,
expiring link; with it the holder chooses a password and sets up their authenticator."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import sqlalchemy as sa

from daservice.accounts import passwords
from daservice.accounts.models import SetupLink, User
from daservice.extensions import db
from daservice.notify.models import OutboxMessage
from daservice.security import tokens

from .. import factories
from ..conftest import LoginActions, csrf_token
from .conftest import recorded_actions

NEW_PASSWORD = "violet kettle harbour lamp"
LINK = re.compile(r"/account/set-up/[A-Za-z0-9_-]+")


def _invite(client, email: str = "holder@example.test", roles=("referrer",)) -> str:
    """Add a user as the admin; return the link the holder was emailed."""
    agency = factories.agency()
    client.post(
        "/admin/users/new",
        data={
            "email": email,
            "display_name": "Holder Person",
            "agency": str(agency.id),
            "roles": list(roles),
            "csrf_token": csrf_token(client, "/admin/users/new"),
        },
    )
    return _link_sent_to(email)


def _link_sent_to(email: str) -> str:
    sent = [m for m in factories.deliver() if m.to == email]
    assert len(sent) == 1, sent
    return LINK.search(sent[0].body).group(0)


def _set_up(browser, link: str, **fields: str):
    """Open the link and send the set-up form; ``code=None`` fills a valid first code."""
    opened = browser.get(link)
    assert opened.status_code == 302, opened.get_data(as_text=True)
    page = browser.get("/account/set-up").get_data(as_text=True)
    secret = re.search(r'id="setup-key">([^<]+)<', page)
    data = {"csrf_token": csrf_token(browser, "/account/set-up"), **fields}
    if "code" not in data and secret:
        data["code"] = pyotp.TOTP(secret.group(1).replace(" ", "")).now()
    return browser.post("/account/set-up", data=data)


def test_the_holder_chooses_a_password_and_enrols_from_the_link(client, admin, app):
    link = _invite(client)
    browser = app.test_client()
    response = _set_up(browser, link, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Save your recovery codes" in body
    assert browser.get("/").status_code == 200  # signed in
    user = db.session.scalar(sa.select(User).where(User.email == "holder@example.test"))
    db.session.refresh(user)
    assert user.totp_confirmed and passwords.verify_password(user.password_hash, NEW_PASSWORD)
    assert {"account.setup_link_opened", "mfa.enrolled", "account.setup_completed"} <= set(
        recorded_actions()
    )
    # Single use: the same link again does nothing.
    again = app.test_client().get(link)
    assert again.status_code == 410 and "This link does not work" in again.get_data(as_text=True)


def test_only_the_tokens_digest_is_stored_and_the_outbox_forgets_it_once_sent(client, admin):
    link = _invite(client)
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(SetupLink))
    assert stored.token_hash == tokens.hash_token(token) and token not in stored.token_hash
    message = db.session.scalar(sa.select(OutboxMessage))
    db.session.refresh(message)
    assert message.params is None


def test_an_expired_link_does_not_work(client, admin, app):
    from daservice.extensions import utcnow

    link = _invite(client)
    db.session.execute(sa.update(SetupLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = app.test_client().get(link)
    assert response.status_code == 410
    assert "account.setup_link_refused" in recorded_actions()


def test_a_new_account_link_lasts_24_hours_and_a_reset_link_2(client, admin):
    from daservice.extensions import utcnow

    _invite(client)
    lasts = db.session.scalar(sa.select(SetupLink.expires_at)) - utcnow()
    assert timedelta(hours=23, minutes=59) < lasts <= timedelta(hours=24)
    target = factories.user()
    client.post(
        f"/admin/users/{target.id}/reset-password", data={"csrf_token": csrf_token(client, "/")}
    )
    lasts = (
        db.session.scalar(sa.select(SetupLink.expires_at).where(SetupLink.user_id == target.id))
        - utcnow()
    )
    assert timedelta(hours=1, minutes=59) < lasts <= timedelta(hours=2)


def test_an_unknown_link_looks_like_a_used_one(client):
    response = client.get("/account/set-up/" + tokens.new_token())
    assert response.status_code == 410
    assert client.get("/account/set-up").status_code == 410


def test_a_second_reset_replaces_the_first_link(client, admin, app):
    target = factories.user()
    token = csrf_token(client, "/")
    client.post(f"/admin/users/{target.id}/reset-password", data={"csrf_token": token})
    first = _link_sent_to(target.email)
    client.post(f"/admin/users/{target.id}/reset-password", data={"csrf_token": token})
    second = _link_sent_to(target.email)
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 302


def test_a_password_reset_link_keeps_the_authenticator_and_does_not_sign_in(client, admin, app):
    target = factories.user()
    client.post(
        f"/admin/users/{target.id}/reset-password", data={"csrf_token": csrf_token(client, "/")}
    )
    link = _link_sent_to(target.email)
    browser = app.test_client()
    page = _set_up(browser, link, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert page.status_code == 302 and page.location.endswith("/sign-in")
    assert browser.get("/").status_code == 302  # not signed in: the authenticator comes next
    LoginActions(app.test_client())(target, NEW_PASSWORD)


def test_a_weak_password_is_refused_on_the_set_up_page(client, admin, app):
    link = _invite(client)
    response = _set_up(app.test_client(), link, new_password="short", confirm_password="short")
    assert response.status_code == 400
    assert "Password must be 12 characters or more" in response.get_data(as_text=True)
    assert app.test_client().get(link).status_code == 302  # still usable


def test_an_authenticator_reset_needs_the_current_password(client, admin, app):
    target = factories.user()
    client.post(f"/admin/users/{target.id}/reset-mfa", data={"csrf_token": csrf_token(client, "/")})
    link = _link_sent_to(target.email)
    browser = app.test_client()
    wrong = _set_up(browser, link, current_password="not the password at all")
    assert wrong.status_code == 400
    assert "Your current password is incorrect" in wrong.get_data(as_text=True)
    assert "account.setup_failed" in recorded_actions()
    db.session.refresh(target)
    assert target.failed_logins == 1 and not target.totp_confirmed
    right = _set_up(browser, link, current_password=factories.PASSWORD)
    assert right.status_code == 200 and "Save your recovery codes" in right.get_data(as_text=True)
    db.session.refresh(target)
    assert target.totp_confirmed


def test_a_wrong_first_code_is_counted_and_does_not_use_the_link(client, admin, app):
    link = _invite(client)
    browser = app.test_client()
    response = _set_up(
        browser, link, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD, code="000000"
    )
    assert response.status_code == 400
    assert "The security code is incorrect" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(SetupLink.used_at)) is None


def test_a_disabled_account_cannot_use_its_link(client, admin, app):
    link = _invite(client)
    user = db.session.scalar(sa.select(User).where(User.email == "holder@example.test"))
    client.post(f"/admin/users/{user.id}/disable", data={"csrf_token": csrf_token(client, "/")})
    assert app.test_client().get(link).status_code == 410


def test_after_adding_a_service_worker_the_admin_is_offered_to_add_them_to_a_service(client, admin):
    agency = factories.agency()
    response = client.post(
        "/admin/users/new",
        data={
            "email": "worker@example.test",
            "display_name": "Worker",
            "agency": str(agency.id),
            "roles": ["service_worker"],
            "csrf_token": csrf_token(client, "/admin/users/new"),
        },
        follow_redirects=True,
    )
    assert 'href="/admin/services/">Add them to a service</a>' in response.get_data(as_text=True)


def test_the_users_table_names_agencies_and_each_role_says_what_it_sees(client, admin):
    factories.user(agency_row=factories.agency("VSX", "Victim Support Example"))
    table = client.get("/admin/users").get_data(as_text=True)
    assert "Victim Support Example" in table and ">VSX<" not in table
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "Sees only the referrals they made." in form
    assert "Never sees a victim&#39;s address or safe-contact details." in form


def test_the_demo_and_the_command_line_still_enrol_at_first_sign_in(client, runner, app):
    factories.agency("CLI", "Command Line Agency")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "op@example.test",
            "--name",
            "Op",
            "--agency",
            "CLI",
            "--role",
            "admin",
        ]
    )
    temporary = result.output.rsplit(": ", 1)[1].strip()
    assert not set(temporary) & set("0O1Il")  # no look-alikes to misread over the phone
    response = LoginActions(client).password("op@example.test", temporary)
    assert response.location.endswith("/sign-in/set-up-authenticator")


def test_the_email_holds_an_absolute_link_without_a_double_slash(client, admin, app):
    app.config["SERVICE_URL"] = "https://daservice.example.gov.uk/"
    agency = factories.agency()
    client.post(
        "/admin/users/new",
        data={
            "email": "abs@example.test",
            "display_name": "Abs",
            "agency": str(agency.id),
            "roles": ["referrer"],
            "csrf_token": csrf_token(client, "/admin/users/new"),
        },
    )
    (sent,) = factories.deliver()
    assert "\nhttps://daservice.example.gov.uk/account/set-up/" in sent.body


def test_a_locked_account_is_told_to_wait_on_a_password_only_link(client, admin, app):
    from daservice.extensions import utcnow

    target = factories.user()
    client.post(
        f"/admin/users/{target.id}/reset-password", data={"csrf_token": csrf_token(client, "/")}
    )
    link = _link_sent_to(target.email)
    target.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    response = _set_up(
        app.test_client(), link, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
    )
    assert response.status_code == 400
    assert "too many attempts" in response.get_data(as_text=True)
