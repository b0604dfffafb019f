"""Signing in: password then TOTP, no enumeration, throttling and lockout, sessions."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from unittest import mock

import pytest
import sqlalchemy as sa

from daservice.accounts import mfa
from daservice.accounts.models import RecoveryCode, Role, User, UserSession
from daservice.audit import AuditEvent
from daservice.extensions import db, utcnow

from .. import factories
from ..conftest import LoginActions, csrf_token, row_count


def _body_without_tokens(response) -> str:
    text = response.get_data(as_text=True)
    text = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", text)
    return re.sub(r'nonce="[^"]+"', "", text)


def test_sign_in_with_password_and_code_reaches_home(client, login_as):
    user = factories.user(Role.REFERRER)
    login_as(user)
    page = client.get("/")
    assert page.status_code == 200
    assert "Welcome, " + user.display_name in page.get_data(as_text=True)
    assert row_count("user_sessions") == 1


def test_password_alone_does_not_sign_in(client, login_as):
    user = factories.user()
    response = login_as.password(user.email)
    assert response.location.endswith("/sign-in/security-code")
    assert client.get("/").status_code == 302
    assert row_count("user_sessions") == 0


def test_unknown_user_and_wrong_password_get_identical_responses(client, login_as, app):
    user = factories.user(email="known@example.test")
    wrong = login_as.password("known@example.test", "not the right password")
    unknown = factories_client_post(app, "unknown@example.test", "not the right password")
    assert wrong.status_code == unknown.status_code == 401
    assert _body_without_tokens(wrong).replace("known@", "X@") == _body_without_tokens(
        unknown
    ).replace("unknown@", "X@")
    assert "Enter a correct email address and password" in wrong.get_data(as_text=True)
    db.session.refresh(user)
    assert user.failed_logins == 1


def factories_client_post(app, email: str, password: str):
    other = app.test_client()
    return other.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": csrf_token(other)}
    )


def test_unknown_user_still_runs_the_password_hasher(client, login_as):
    with mock.patch("daservice.accounts.passwords.verify_password", return_value=False) as verify:
        login_as.password("nobody@example.test", "some password here")
    assert verify.called, "unknown accounts must cost the same hashing work as known ones"


def test_over_long_password_is_refused_before_hashing(client, login_as):
    user = factories.user()
    with mock.patch("argon2.PasswordHasher.verify") as verify:
        response = login_as.password(user.email, "x" * 129)
    assert response.status_code == 400
    assert "Password must be 128 characters or fewer" in response.get_data(as_text=True)
    assert not verify.called


def test_empty_and_malformed_fields_are_explained_not_500(client):
    response = client.post(
        "/sign-in", data={"email": "", "password": "", "csrf_token": csrf_token(client)}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in body
    assert "Enter your email address" in body and "Enter your password" in body
    response = client.post(
        "/sign-in",
        data={"email": "not-an-email", "password": "x", "csrf_token": csrf_token(client)},
    )
    assert "Enter an email address in the correct format" in response.get_data(as_text=True)
    assert 'value="not-an-email"' in response.get_data(as_text=True)  # what was typed is kept


def test_account_locks_after_five_failures_and_others_are_unaffected(client, login_as, app):
    victim = factories.user()
    bystander = factories.user()
    for _ in range(5):
        assert login_as.password(victim.email, "wrong password!!").status_code == 401
    db.session.refresh(victim)
    assert victim.locked_until is not None and victim.locked_until > utcnow()
    # Even the right password is refused while locked, with the same message.
    response = login_as.password(victim.email)
    assert response.status_code == 401
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    # Someone else can still sign in.
    assert login_as.password(bystander.email).status_code == 302
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"login.failed", "login.lockout", "login.failed_locked"} <= actions


def test_lock_expires(client, login_as):
    user = factories.user(locked_until=utcnow() - timedelta(seconds=1))
    assert login_as.password(user.email).status_code == 302


def test_source_address_is_throttled_across_accounts(client, login_as, app):
    app.config["RATE_LIMITS"] = dict(app.config["RATE_LIMITS"], sign_in="3 per 15 minutes")
    for n in range(3):
        login_as.password(f"nobody{n}@example.test", "wrong password!!")
    user = factories.user()
    response = login_as.password(user.email)
    assert response.status_code == 429
    assert "Too many sign-in attempts. Wait 5 minutes" in response.get_data(as_text=True)
    # One attempt comes back every 15 / 3 minutes, counted from the first.
    assert 290 <= int(response.headers["Retry-After"]) <= 300
    assert "login.throttled" in set(db.session.scalars(sa.select(AuditEvent.action)))
    # Another address is not held back by this one.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    assert LoginActions(other).password(user.email).status_code == 302


def test_parallel_guesses_from_one_address_cannot_overtake_the_limit(app):
    # Each attempt is counted before its password is checked, so guesses sent all at once are
    # held to the limit too, not only those that arrive after the first failures are recorded.
    app.config["RATE_LIMITS"] = dict(app.config["RATE_LIMITS"], sign_in="4 per 15 minutes")
    email = factories.user().email
    # One guess first, alone: the audit chain's very first event is not what is tested here.
    assert LoginActions(app.test_client()).password(email, "guess number one").status_code == 401
    guessers = 6
    clients = [app.test_client() for _ in range(guessers)]
    tokens = [csrf_token(c) for c in clients]
    start = threading.Barrier(guessers)
    statuses: list[int] = []

    def guess(n: int) -> None:
        start.wait()
        data = {"email": email, "password": f"guess number {n}!", "csrf_token": tokens[n]}
        statuses.append(clients[n].post("/sign-in", data=data).status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guessers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [401] * 3 + [429] * 3


def test_successful_sign_ins_do_not_count_against_the_address(client, login_as, app):
    app.config["RATE_LIMITS"] = dict(app.config["RATE_LIMITS"], sign_in="2 per 15 minutes")
    user = factories.user()
    for _ in range(4):  # an office whose staff sign in from one address
        assert login_as.password(user.email).status_code == 302
    login_as.password(user.email, "wrong password!!")
    login_as.password(user.email, "wrong password!!")
    assert login_as.password(user.email).status_code == 429


def test_disabled_account_cannot_sign_in(client, login_as):
    user = factories.user(disabled=True)
    response = login_as.password(user.email)
    assert response.status_code == 401
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_malformed_code_is_explained(client, login_as):
    user = factories.user()
    login_as.password(user.email)
    response = login_as.code("12ab")
    assert response.status_code == 400
    assert "Enter the security code as 6 digits" in response.get_data(as_text=True)


def test_wrong_code_is_refused_and_counts_towards_lockout(client, login_as):
    user = factories.user()
    login_as.password(user.email)
    good = factories.next_code(user)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = login_as.code(wrong)
    assert response.status_code == 401
    db.session.refresh(user)
    assert user.failed_logins == 1


def test_replayed_code_is_refused(client, login_as, app):
    user = factories.user()
    login_as(user)
    db.session.refresh(user)
    used = mfa.code_at(user.totp_secret, user.totp_last_step * mfa.STEP_SECONDS)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    login_as.password(user.email)
    response = login_as.code(used)
    assert response.status_code == 401
    assert "already been used" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_pending_sign_in_expires(client, login_as, monkeypatch):
    user = factories.user()
    login_as.password(user.email)
    monkeypatch.setattr("daservice.accounts.views.PENDING_SECONDS", -1)
    response = client.get("/sign-in/security-code")
    assert response.status_code == 302 and response.location.endswith("/sign-in")


def test_session_is_regenerated_at_sign_in(client, login_as):
    user = factories.user()
    before = csrf_token(client)
    login_as(user)
    # The token from before sign-in no longer works for a signed-in form.
    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
            "csrf_token": before,
        },
    )
    assert response.status_code == 400
    changed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "password.changed")
    )
    assert changed == 0


def test_sign_out_ends_the_session_even_for_a_copied_cookie(client, login_as, app):
    user = factories.user()
    login_as(user)
    stolen = client.get_cookie("daservice_session").value
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert row_count("user_sessions") == 0
    thief = app.test_client()
    thief.set_cookie("daservice_session", stolen)
    assert thief.get("/").status_code == 302


def test_idle_timeout_ends_the_session(client, login_as):
    user = factories.user()
    login_as(user)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.location
    assert row_count("user_sessions") == 0


def test_absolute_timeout_ends_an_active_session(client, login_as):
    user = factories.user()
    login_as(user)
    db.session.execute(
        sa.update(UserSession).values(created_at=utcnow() - timedelta(hours=8, minutes=1))
    )
    db.session.commit()
    assert client.get("/").status_code == 302


def test_timeouts_are_configurable(client, login_as, app):
    app.config["SESSION_IDLE_TIMEOUT"] = timedelta(minutes=30)
    user = factories.user()
    login_as(user)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert client.get("/").status_code == 200


def test_recovery_code_signs_in_once(client, login_as, app):
    user = factories.user(enrolled=False)
    login_as.password(user.email)
    client.get("/sign-in/set-up-authenticator")
    db.session.refresh(user)
    token = csrf_token(client, "/sign-in/set-up-authenticator")
    page = client.post(
        "/sign-in/set-up-authenticator",
        data={"code": mfa.code_at(user.totp_secret), "csrf_token": token},
    )
    codes = re.findall(
        r"<li>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</li>", page.get_data(as_text=True)
    )
    assert len(codes) == 10
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})

    for attempt, expected in ((1, 302), (2, 401)):
        login_as.password(user.email)
        token = csrf_token(client, "/sign-in/recovery-code")
        response = client.post(
            "/sign-in/recovery-code", data={"code": codes[0].lower(), "csrf_token": token}
        )
        assert response.status_code == expected, attempt
        if expected == 302:
            client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    # Recovery codes are stored hashed, never as typed.
    stored = db.session.scalars(sa.text("SELECT code_hash FROM recovery_codes")).all()
    assert codes[0] not in " ".join(stored) and codes[0].replace("-", "") not in " ".join(stored)


def test_recovery_codes_issued_before_the_tokens_module_still_sign_in(client, login_as):
    # A code as the first release stored it: SHA-256 of "K7QM9RXD2HFT", computed then.
    user = factories.user()
    db.session.add(
        RecoveryCode(
            user_id=user.id,
            code_hash="e561fdd6181aa9d36895208765a581efa14a15297f49deb8ed351c995c060338",
        )
    )
    db.session.commit()
    login_as.password(user.email)
    token = csrf_token(client, "/sign-in/recovery-code")
    response = client.post(
        "/sign-in/recovery-code", data={"code": "k7qm 9rxd-2hft", "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_recovery_code_with_a_look_alike_is_explained_not_counted(client, login_as):
    user = factories.user()
    login_as.password(user.email)
    token = csrf_token(client, "/sign-in/recovery-code")
    response = client.post(
        "/sign-in/recovery-code", data={"code": "K7QM-9RXD-2HF0", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "Enter the recovery code as 12 letters and numbers" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.failed_logins == 0


def test_first_sign_in_enrols_an_authenticator_with_a_qr_code(client, login_as):
    user = factories.user(enrolled=False)
    response = login_as.password(user.email)
    assert response.location.endswith("/sign-in/set-up-authenticator")
    page = client.get("/sign-in/set-up-authenticator").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    db.session.refresh(user)
    assert mfa.grouped_secret(user.totp_secret) in page
    # A wrong code does not enrol.
    token = csrf_token(client, "/sign-in/set-up-authenticator")
    wrong = f"{(int(mfa.code_at(user.totp_secret)) + 7) % 1_000_000:06d}"
    response = client.post(
        "/sign-in/set-up-authenticator", data={"code": wrong, "csrf_token": token}
    )
    assert response.status_code == 401
    db.session.refresh(user)
    assert not user.totp_confirmed


def test_totp_secret_is_ciphertext_at_rest(client, login_as):
    user = factories.user()
    secret = user.totp_secret
    raw = db.session.execute(
        sa.text("SELECT totp_secret FROM users WHERE email = :e"), {"e": user.email}
    ).scalar_one()
    assert raw.startswith("ev1.") and secret not in raw


def test_must_change_temporary_password_before_anything_else(client, login_as):
    user = factories.user(must_change_password=True)
    response = login_as(user)
    assert response.location.endswith("/account/password")
    assert client.get("/").location.endswith("/account/password")
    token = csrf_token(client, "/account/password")
    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "violet lantern orchard 42",
            "confirm_password": "violet lantern orchard 42",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_password_change_ends_other_sessions(client, login_as, app):
    user = factories.user()
    login_as(user)
    other_client = app.test_client()
    LoginActions(other_client)(user)
    assert row_count("user_sessions") == 2
    token = csrf_token(client, "/account/password")
    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "violet lantern orchard 42",
            "confirm_password": "violet lantern orchard 42",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert other_client.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_weak_or_mismatched_new_password_is_explained(client, login_as):
    user = factories.user()
    login_as(user)
    token = csrf_token(client, "/account/password")
    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "short",
            "confirm_password": "different",
            "csrf_token": token,
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The passwords do not match" in body
    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "short",
            "confirm_password": "short",
            "csrf_token": token,
        },
    )
    assert "Password must be 12 characters or more" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert db.session.get(User, user.id).password_changed_at == user.password_changed_at


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, login_as):
    user = factories.user()
    token = csrf_token(client, "/sign-in?next=/account/password")
    client.post(
        "/sign-in?next=/account/password",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert login_as.code(factories.next_code(user)).location.endswith("/account/password")
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client, "/sign-in")
    client.post(
        "/sign-in?next=//evil.example/x",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert login_as.code(factories.next_code(user)).location == "/"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x", "", None],
)
def test_only_local_paths_are_returned_to(target):
    from daservice.accounts.views import _safe_next

    assert _safe_next(target) is None
    assert _safe_next("/admin/users?x=1") == "/admin/users?x=1"
