"""The session timeout as a user meets it (walkthrough B1, WCAG 2.2.1): pages say when the session
ends, "Stay signed in" extends it up to the absolute limit, asking how long is left does not, the
"You have been signed out" page, and a form sent after the session ended is refused with a plain
explanation instead of a bare redirect or 400."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role, UserSession
from daservice.audit import AuditEvent
from daservice.config import ConfigError, Defaults, validate
from daservice.extensions import db, utcnow

from .. import factories
from ..conftest import csrf_token, row_count

NOT_SAVED = "You were signed out, so what you typed on that page was not saved."


def _age_session(**ago: timedelta) -> None:
    """Move the signed-in session's clock back: last_seen_at and/or created_at."""
    values = {column: utcnow() - delta for column, delta in ago.items()}
    db.session.execute(sa.update(UserSession).values(**values))
    db.session.commit()


def _record() -> UserSession:
    db.session.expire_all()
    return db.session.scalars(sa.select(UserSession)).one()


def _dialog(page: str) -> dict[str, str]:
    match = re.search(r'<dialog class="app-timeout-dialog"[^>]*>', page)
    assert match, "no timeout dialog on the page"
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(0)))


def _drafts() -> int:
    return row_count("referral_drafts")


@pytest.fixture
def signed_in(client, login_as):
    user = factories.user(Role.REFERRER)
    login_as(user)
    return user


def test_signed_in_pages_say_when_the_session_ends_and_when_to_warn(client, signed_in):
    attributes = _dialog(client.get("/").get_data(as_text=True))
    assert 895 <= int(attributes["expires-in"]) <= 900  # 15 minutes
    assert attributes["warning"] == "120"
    assert attributes["at-limit"] == "false"
    assert attributes["keep-alive-url"] == "/session/keep-alive"
    assert attributes["status-url"] == "/session/status"
    assert attributes["timed-out-url"] == "/signed-out/timed-out"


def test_the_warning_lead_is_configurable(client, signed_in, app):
    app.config["SESSION_TIMEOUT_WARNING"] = timedelta(minutes=5)
    assert _dialog(client.get("/").get_data(as_text=True))["warning"] == "300"


def test_pages_count_from_the_last_recorded_activity_not_from_now(client, signed_in):
    # Within the once-a-minute write throttle the page's own request is not written down, so
    # the server ends the session 15 minutes after the last recorded activity: say that.
    _age_session(last_seen_at=timedelta(seconds=40))
    assert 855 <= int(_dialog(client.get("/").get_data(as_text=True))["expires-in"]) <= 860


def test_signed_out_pages_have_no_dialog(client):
    assert "app-timeout-dialog" not in client.get("/sign-in").get_data(as_text=True)


def test_stay_signed_in_counts_as_activity_inside_the_write_throttle(client, signed_in):
    _age_session(last_seen_at=timedelta(seconds=40))
    token = csrf_token(client, "/")
    before = _record().last_seen_at
    response = client.post("/session/keep-alive", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json["signed_in"] is True
    assert 895 <= response.json["expires_in"] <= 900
    assert _record().last_seen_at > before + timedelta(seconds=30)


def test_stay_signed_in_needs_the_csrf_token(client, signed_in):
    assert client.post("/session/keep-alive").status_code == 400


def test_asking_how_long_is_left_does_not_extend_the_session(client, signed_in):
    _age_session(last_seen_at=timedelta(minutes=5))
    before = _record().last_seen_at
    status = client.get("/session/status").json
    assert status["signed_in"] is True and 595 <= status["expires_in"] <= 600
    assert _record().last_seen_at == before


def test_status_after_the_session_ended_says_signed_out(client, signed_in):
    _age_session(last_seen_at=timedelta(minutes=16))
    assert client.get("/session/status").json == {
        "signed_in": False,
        "expires_in": 0,
        "at_limit": False,
    }


def test_stay_signed_in_cannot_pass_the_absolute_limit(client, signed_in):
    _age_session(created_at=timedelta(hours=8) - timedelta(seconds=90))
    page = client.get("/").get_data(as_text=True)
    attributes = _dialog(page)
    assert attributes["at-limit"] == "true" and int(attributes["expires-in"]) <= 90
    response = client.post("/session/keep-alive", headers={"X-CSRFToken": csrf_token(client, "/")})
    assert response.json["at_limit"] is True and response.json["expires_in"] <= 90


def test_the_timed_out_page_ends_the_session_and_says_the_answers_are_safe(client, signed_in):
    page = client.get("/signed-out/timed-out")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "You have been signed out" in text
    assert "We signed you out because you did not do anything for 15 minutes." in text
    assert "We saved your answers." in text
    assert 'href="/sign-in"' in text
    assert row_count("user_sessions") == 0
    assert client.get("/").status_code == 302
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "logout.timed_out" in actions


def test_the_timed_out_page_says_when_the_absolute_limit_ended_it(client, signed_in):
    text = client.get("/signed-out/timed-out?reason=limit").get_data(as_text=True)
    assert "you had been signed in for 8 hours" in text


def test_choosing_sign_out_in_the_warning_is_an_ordinary_sign_out(client, signed_in):
    text = client.get("/signed-out/timed-out?reason=chosen").get_data(as_text=True)
    assert "You have signed out" in text and "We saved your answers." in text
    assert "did not do anything" not in text
    assert row_count("user_sessions") == 0
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "logout" in actions and "logout.timed_out" not in actions


def test_the_timed_out_page_is_honest_when_typing_was_lost(client, signed_in):
    text = client.get("/signed-out/timed-out?lost=1").get_data(as_text=True)
    assert NOT_SAVED in text and "We saved your answers" not in text


def test_a_link_from_another_site_does_not_sign_anyone_out(client, signed_in):
    response = client.get("/signed-out/timed-out", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_the_timed_out_page_works_without_a_session(client):
    assert "You have been signed out" in client.get("/signed-out/timed-out").get_data(as_text=True)


def test_a_form_sent_after_the_session_expired_says_it_was_not_saved(client, signed_in):
    token = csrf_token(client, "/referrals/")
    _age_session(last_seen_at=timedelta(minutes=16))
    response = client.post("/referrals/new", data={"csrf_token": token})
    text = response.get_data(as_text=True)
    assert response.status_code == 401  # was: a redirect to /sign-in?next=… with no word
    assert NOT_SAVED in text
    assert 'href="/sign-in?next=/referrals/new"' in text
    assert _drafts() == 0  # refused: an unauthenticated request is never stored


def test_a_page_opened_after_the_session_expired_says_so_on_sign_in(client, signed_in):
    _age_session(last_seen_at=timedelta(minutes=16))
    response = client.get("/referrals/")
    assert response.status_code == 302 and "/sign-in?next=" in response.location
    text = client.get(response.location).get_data(as_text=True)
    assert "You have been signed out. Sign in again to continue" in text


def test_a_form_from_a_tab_signed_out_elsewhere_says_it_was_not_saved(client, signed_in):
    old_token = csrf_token(client, "/referrals/")
    client.post("/sign-out", data={"csrf_token": old_token})  # in another tab
    client.get("/sign-in")  # where that tab lands: a new token in the session
    response = client.post("/referrals/new", data={"csrf_token": old_token})
    text = response.get_data(as_text=True)
    assert response.status_code == 400  # still refused
    assert NOT_SAVED in text  # was: "Go back, reload the page and try again"
    assert _drafts() == 0


def test_a_forged_form_still_gets_the_plain_refusal(app, client):
    # A cross-site form arrives without the session cookie, or without a token at all.
    for data in ({"csrf_token": "forged-token"}, {}):
        response = app.test_client().post("/referrals/new", data=data)
        text = response.get_data(as_text=True)
        assert response.status_code == 400
        assert NOT_SAVED not in text and "Sorry, there is a problem" in text
    assert _drafts() == 0


def test_a_stale_sign_in_form_is_not_called_a_sign_out(client, signed_in):
    old_token = csrf_token(client, "/")
    client.post("/sign-out", data={"csrf_token": old_token})
    client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": old_token, "email": "a@b.c"})
    assert response.status_code == 400
    assert NOT_SAVED not in response.get_data(as_text=True)


def test_someone_who_must_change_their_password_still_gets_the_warning(client, login_as):
    user = factories.user(Role.REFERRER)
    user.must_change_password = True
    db.session.commit()
    login_as(user)
    assert client.get("/session/status").json["signed_in"] is True
    token = csrf_token(client, "/account/password")
    assert client.post("/session/keep-alive", headers={"X-CSRFToken": token}).status_code == 200


def test_a_warning_as_long_as_the_session_is_refused():
    config = {key: getattr(Defaults, key) for key in dir(Defaults) if key.isupper()} | {
        "ENV": "testing",
        "SECRET_KEY": "x" * 40,
    }
    config["SESSION_TIMEOUT_WARNING"] = config["SESSION_IDLE_TIMEOUT"]
    with pytest.raises(ConfigError, match="SESSION_TIMEOUT_WARNING"):
        validate(config)
