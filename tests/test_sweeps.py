"""Rules made into tests by sweeping every route in ``app.url_map``."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from daservice.accounts.models import Role
from daservice.security.guard import is_public, uses_tokens

from . import factories
from .conftest import csrf_token

# Every public endpoint is a decision; adding one means adding it here.
PUBLIC_ENDPOINTS = {
    "static",
    "main.healthz",
    "main.accessibility",  # the accessibility statement, privacy notice and help page must be
    "main.privacy",  # readable by someone who cannot sign in (PSBAR; UK GDPR Art. 13)
    "main.support",
    "accounts.login",
    "accounts.code",
    "accounts.recovery",
    "accounts.enrol",
    "accounts.timed_out",  # "You have been signed out": shown after the session has ended
    "accounts.session_status",  # the timeout dialog asks; answers "signed out" when it is
    "accounts.open_setup_link",  # the emailed set-up link (single-use token)
    "accounts.set_up",
    "api.openapi_document",
    "api.certificate",  # public certificate checks (DESIGN.md §5), rate-limited per address
    "verify.form",
    "verify.certificate",
    "evaluation_form.respond",  # a trainee's emailed evaluation link (single-use token)
    "safe_spaces.index",  # where someone at risk can walk in and ask for help
}
REQUIRED_HEADERS = {
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
}


def _example_url(rule) -> str:
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg].__class__.__name__
        values[arg] = (
            "00000000-0000-4000-8000-000000000000" if converter == "UUIDConverter" else "x"
        )
    return rule.build(values)[1]


def _rules(app: Flask, method: str):
    return [
        r
        for r in app.url_map.iter_rules()
        if method in (r.methods or set()) and r.endpoint != "static"
    ]


def test_public_endpoints_are_exactly_the_allowlist(app):
    public = {r.endpoint for r in app.url_map.iter_rules() if is_public(app, r.endpoint)}
    assert public == PUBLIC_ENDPOINTS


def test_every_private_route_redirects_anonymous_users_to_sign_in(app, client):
    checked = 0
    token = csrf_token(client)  # a valid anonymous token, so POSTs reach the sign-in guard
    for rule in _rules(app, "GET") + _rules(app, "POST"):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(_example_url(rule), method=method, data=data)
            if uses_tokens(rule.endpoint):  # the API answers 401 for a missing bearer token
                assert response.status_code == 401, (rule.endpoint, method)
                assert response.json["error"]
                checked += 1
                continue
            if rule.endpoint == "accounts.keep_alive":  # the timeout dialog's fetch(): JSON
                assert response.status_code == 401 and response.json["signed_in"] is False
                checked += 1
                continue
            assert response.status_code == 302, (rule.endpoint, method, response.status_code)
            assert "/sign-in" in response.location
            checked += 1
    assert checked >= 8


def test_every_post_refuses_a_missing_or_wrong_csrf_token(app, client, login_as):
    login_as(factories.user(Role.ADMIN))
    good = csrf_token(client, "/")
    rules = [r for r in _rules(app, "POST") if not uses_tokens(r.endpoint)]
    assert rules
    for rule in rules:
        for data in ({}, {"csrf_token": "forged-token"}):
            response = client.post(_example_url(rule), data=data)
            assert response.status_code == 400, (rule.endpoint, data)
    assert client.get("/").status_code == 200  # still signed in; the refusals changed nothing
    assert good


def test_every_response_has_the_security_headers(app, client, login_as):
    urls = ["/sign-in", "/healthz", "/does-not-exist", "/static/build/app.css"]
    for rule in _rules(app, "GET"):
        urls.append(_example_url(rule))
    responses = [client.get(u) for u in urls]
    login_as(factories.user(Role.ADMIN))
    responses += [client.get(u) for u in urls]
    for response in responses:
        missing = REQUIRED_HEADERS - set(response.headers.keys())
        assert not missing, (response.request.path, missing)
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if not response.request.path.startswith("/static/"):
            assert response.headers["Cache-Control"] == "no-store", response.request.path


def test_hsts_is_sent_over_https(client):
    response = client.get("/sign-in", base_url="https://localhost")
    assert re.fullmatch(
        r"max-age=\d{8,}; includeSubDomains", response.headers["Strict-Transport-Security"]
    )
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_inline_scripts_carry_the_response_nonce(client):
    response = client.get("/sign-in")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    body = response.get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag


@pytest.mark.parametrize("status,path", [(404, "/no-such-page")])
def test_error_pages_use_the_service_layout(client, status, path):
    response = client.get(path)
    assert response.status_code == status
    assert "Page not found" in response.get_data(as_text=True)


def test_a_browser_session_does_not_authenticate_the_api(app, client, login_as):
    """The API is exempt from CSRF because only a bearer token opens it, never a cookie."""
    login_as(factories.user(Role.REFERRER))
    response = client.post("/api/v1/referrals", json={})
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_forms_work_over_https_without_a_referer(app, client):
    """Browsers send no Referer under Referrer-Policy: no-referrer, so CSRF must not need one."""
    user = factories.user()
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
        base_url="https://localhost",
    )
    assert response.status_code == 302


def test_method_not_allowed_says_which_methods_are(client):
    page = client.post("/healthz")
    api = client.delete("/api/v1/referrals")
    for response in (page, api):
        assert response.status_code == 405
        assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]
