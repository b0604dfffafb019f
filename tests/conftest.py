"""Fixtures: ``app``, ``db``, ``client``, ``runner``, ``login_as``.

The suite runs on SQLite by default and on a throwaway PostgreSQL cluster with ``--db=postgresql``
(``make test`` runs both). The schema is built once per run by the real migrations.
"""

from __future__ import annotations

import contextvars
import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from daservice import create_app
from daservice.extensions import db as _db
from daservice.security import keyring

from . import factories

# Settings for the test tools themselves, not the app: kept.
TEST_TOOL_SETTINGS = {
    "DASERVICE_CHROMIUM",
    "DASERVICE_PG_BINDIR",
    "DASERVICE_AXE_JS",
    "DASERVICE_E2E_ARTIFACTS",
}
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def pytest_configure(config: pytest.Config) -> None:
    # Never read the developer's instance/ (config, keys, database) or DASERVICE_* app settings.
    for name in list(os.environ):
        if (
            name.startswith("DASERVICE_") and name not in TEST_TOOL_SETTINGS
        ) or name == "DATABASE_URL":
            del os.environ[name]
    os.environ["DASERVICE_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="daservice-instance-")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="database to run the suite on (postgresql starts a throwaway cluster)",
    )


@pytest.fixture(scope="session")
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.config.getoption("--db") == "postgresql":
        from .pgcluster import throwaway_cluster

        with throwaway_cluster() as url:
            yield url
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def keys_document() -> dict[str, Any]:
    return keyring.generate_document()


@pytest.fixture(scope="session")
def base_config(
    database_url: str, keys_document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "KEYS_JSON": json.dumps(keys_document),
        "KEYS_FILE": str(tmp_path_factory.mktemp("keys") / "keys.json"),
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_NAME": "daservice_session",
        "PREFERRED_URL_SCHEME": "http",
        # Fast crypto parameters in tests; real ones everywhere else.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 8,
        "ARGON2_PARALLELISM": 1,
        "DEMO_PASSWORD": "demo-password-for-tests",
    }


@pytest.fixture(scope="session")
def _schema(base_config: dict[str, Any]) -> None:
    """Build the schema once per run with the real migrations."""
    from flask_migrate import upgrade

    app = create_app(dict(base_config))
    with app.app_context():
        upgrade()
        _db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in a real server.

    Tests hold an app context open (for factories and assertions); without this, Flask would reuse
    it for requests and ``g`` (CSRF token, request id) would leak from one request to the next."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture()
def app(base_config: dict[str, Any], _schema: None) -> Iterator[Flask]:
    application = create_app(dict(base_config))
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
        _db.session.remove()
        _wipe()
        _db.engine.dispose()


# Rows the migrations put in place and the app expects to find (the tables' triggers keep them).
_KEPT = {"directory_version"}


def _wipe() -> None:
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            if table.name not in _KEPT:
                conn.execute(table.delete())
        # Deleting old referrals and routes counted changes to their months (migration 0015).
        conn.execute(_db.metadata.tables["report_month_changes"].delete())


@pytest.fixture()
def db(app: Flask) -> Any:
    return _db


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    # Followed: "/" is a redirect for some roles (a manager's home page is the reports dashboard).
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class LoginActions:
    """Signs in through the real forms (password, then security code)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def password(self, email: str, password: str = factories.PASSWORD) -> Any:
        return self.client.post(
            "/sign-in",
            data={"email": email, "password": password, "csrf_token": csrf_token(self.client)},
        )

    def code(self, code: str) -> Any:
        token = csrf_token(self.client, "/sign-in/security-code")
        return self.client.post("/sign-in/security-code", data={"code": code, "csrf_token": token})

    def __call__(self, user: Any, password: str = factories.PASSWORD) -> Any:
        response = self.password(user.email, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.location.endswith("/sign-in/security-code")
        response = self.code(factories.next_code(user))
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, page: str = "/") -> Any:
        """POST with a valid CSRF token for the signed-in session."""
        payload = dict(data or {}, csrf_token=csrf_token(self.client, page))
        return self.client.post(path, data=payload)


@pytest.fixture()
def login_as(client: FlaskClient) -> LoginActions:
    return LoginActions(client)


@pytest.fixture()
def directory(app: Flask) -> dict[Any, Any]:
    """The demo partnership's services, one of each kind."""
    return factories.directory()


@pytest.fixture()
def token(app: Flask, directory: dict[Any, Any]) -> str:
    """A bearer token of a partner system of the MPS (the directory is loaded first)."""
    from daservice.accounts.models import Agency
    from daservice.api import auth

    agency = _db.session.scalar(sa.select(Agency).where(Agency.code == "MPS"))
    _, raw = auth.issue(agency.id, "MPS test bridge")
    return raw


@pytest.fixture()
def make_user(app: Flask) -> Callable[..., Any]:
    return factories.user


def row_count(table: str) -> int:
    return int(_db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)  # noqa: S608
