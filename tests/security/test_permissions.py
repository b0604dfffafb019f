"""One permissions table decides who may open what: a sweep of every route × every role ×
anonymous gives the status the table says, and navigation follows it."""

from __future__ import annotations

import re

import pytest

from daservice.navigation import ENTRIES
from daservice.security import permissions
from daservice.security.guard import is_public, uses_tokens
from daservice.security.permissions import ROLE_PERMISSIONS, Permission, Role

from .. import factories
from ..conftest import LoginActions, csrf_token
from ..test_sweeps import _example_url, _rules

NAV_LINK = re.compile(
    r'navigation__item[^"]*">\s*<a class="govuk-service-navigation__link"[^>]*>'
    r"\s*(?:<strong[^>]*>)?\s*([^<]+?)\s*<"
)


def _expected(app, endpoint: str, role: Role) -> str:
    needed = permissions.required_for(app, endpoint)
    return "allowed" if needed <= ROLE_PERMISSIONS[role] else "refused"


def test_every_role_has_a_row_in_the_table():
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_every_permission_is_needed_by_some_view(app):
    needed = set().union(*(permissions.required_for(app, r.endpoint) for r in _rules(app, "GET")))
    assert needed == set(Permission)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_what_the_table_says_on_every_route(app, role):
    client = app.test_client()
    LoginActions(client)(factories.user(role))
    token = csrf_token(client, "/")
    checked = 0
    for method in ("GET", "POST"):
        for rule in _rules(app, method):
            if is_public(app, rule.endpoint) or uses_tokens(rule.endpoint):
                continue
            if rule.endpoint == "accounts.logout":
                continue  # would end this sweep's session
            data = {"csrf_token": token} if method == "POST" else None
            status = client.open(_example_url(rule), method=method, data=data).status_code
            if _expected(app, rule.endpoint, role) == "refused":
                assert status == 403, (role, method, rule.endpoint, status)
            else:
                assert status != 403 and status < 500, (role, method, rule.endpoint, status)
            checked += 1
    assert checked >= 20
    assert client.get("/").status_code == 200  # still signed in: nothing in the sweep signed out


def test_anonymous_users_are_sent_to_sign_in_from_every_private_route(app, client):
    for rule in _rules(app, "GET"):
        if is_public(app, rule.endpoint) or uses_tokens(rule.endpoint):
            continue
        response = client.get(_example_url(rule))
        assert response.status_code == 302 and "/sign-in" in response.location, rule.endpoint


@pytest.mark.parametrize("role", list(Role))
def test_navigation_offers_exactly_what_the_role_may_open(app, role):
    client = app.test_client()
    LoginActions(client)(factories.user(role))
    page = client.get("/").get_data(as_text=True)
    shown = set(NAV_LINK.findall(page))
    offered = {text for text, endpoint in ENTRIES if _expected(app, endpoint, role) == "allowed"}
    assert shown == offered, role


def test_a_disabled_account_is_allowed_nothing():
    class Disabled:
        roles = {Role.ADMIN}
        is_active = False

    assert not permissions.allows(Disabled(), Permission.MANAGE_USERS)
