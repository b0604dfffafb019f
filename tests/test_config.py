"""Layered configuration and refusing unsafe settings."""

from __future__ import annotations

import json

import pytest

from daservice import create_app
from daservice.config import ConfigError
from daservice.security import keyring


def _production(**overrides):
    config = {
        "ENV": "production",
        "SECRET_KEY": "p" * 48,
        "SQLALCHEMY_DATABASE_URI": "postgresql://db.example/daservice",
        "KEYS_JSON": json.dumps(keyring.generate_document()),
        "SERVICE_URL": "https://daservice.example.gov.uk/",
        "NOTIFY_BACKEND": "smtp",
        "NOTIFY_SMTP_HOST": "smtp.example.gov.uk",
        "NOTIFY_FROM": "daservice@example.gov.uk",
    }
    config.update(overrides)
    return config


def test_production_starts_with_strong_settings():
    app = create_app(_production())
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.parametrize("secret", [None, "", "dev", "short-secret", "changeme"])
def test_production_refuses_missing_or_development_secret(secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(_production(SECRET_KEY=secret))


def test_production_refuses_insecure_cookies():
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE"):
        create_app(_production(SESSION_COOKIE_SECURE=False))


def test_production_refuses_sqlite_unless_chosen_explicitly():
    with pytest.raises(ConfigError, match="SQLite"):
        create_app(_production(SQLALCHEMY_DATABASE_URI="sqlite:///x.db"))
    create_app(
        _production(SQLALCHEMY_DATABASE_URI="sqlite:///x.db", ALLOW_SQLITE_IN_PRODUCTION=True)
    )


def test_production_refuses_notifications_that_only_go_to_the_log():
    with pytest.raises(ConfigError, match="NOTIFY_BACKEND is log"):
        create_app(_production(NOTIFY_BACKEND="log"))
    create_app(_production(NOTIFY_BACKEND="log", NOTIFY_LOG_ONLY=True))


def test_unset_environment_means_production(monkeypatch):
    with pytest.raises(ConfigError):
        create_app({"SECRET_KEY": "dev"})


def test_environment_overrides_instance_config_and_database_url_is_honoured(monkeypatch, tmp_path):
    monkeypatch.setenv("DASERVICE_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text(
        'ENV = "development"\nSECRET_KEY = "from-instance"\nLOGIN_MAX_FAILURES_PER_ACCOUNT = 9\n'
    )
    keyring.write_document(tmp_path / "keys.json", keyring.generate_document())
    monkeypatch.setenv("DASERVICE_LOGIN_MAX_FAILURES_PER_ACCOUNT", "7")
    monkeypatch.setenv("DASERVICE_SESSION_IDLE_TIMEOUT", "600")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1/x")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] == 7
    assert app.config["SESSION_IDLE_TIMEOUT"].total_seconds() == 600
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/x"
    # Test overrides come last.
    assert (
        create_app({"LOGIN_MAX_FAILURES_PER_ACCOUNT": 3}).config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        == 3
    )


def test_bad_environment_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("DASERVICE_LOGIN_MAX_FAILURES_PER_ACCOUNT", "many")
    with pytest.raises(ConfigError, match="DASERVICE_LOGIN_MAX_FAILURES_PER_ACCOUNT"):
        create_app(_production())


def test_rate_limits_can_be_set_from_the_environment(monkeypatch):
    limits = {"sign_in": "10 per 15 minutes", "public_lookup": "60 per minute"}
    limits["public_form"] = "5 per hour"
    monkeypatch.setenv("DASERVICE_RATE_LIMITS", json.dumps(limits))
    assert create_app(_production()).config["RATE_LIMITS"] == limits


@pytest.mark.parametrize(
    ("limits", "problem"),
    [
        (
            {"sign_in": "lots", "public_lookup": "1 per minute", "public_form": "1 per hour"},
            "RATE_LIMITS\\['sign_in'\\]: 'lots' is not a rate",
        ),
        (
            {"sign_in": "1 per minute", "public_lookup": "1 per minute"},
            "RATE_LIMITS has no 'public_form' limit",
        ),
        ("30 per minute", "RATE_LIMITS must map limit names"),
    ],
)
def test_bad_rate_limits_are_refused_by_name(limits, problem):
    with pytest.raises(ConfigError, match=problem):
        create_app(_production(RATE_LIMITS=limits))


@pytest.mark.parametrize("old", ["LOGIN_MAX_FAILURES_PER_IP", "LOGIN_IP_WINDOW"])
def test_replaced_sign_in_throttle_settings_are_refused_not_ignored(monkeypatch, old):
    monkeypatch.setenv(f"DASERVICE_{old}", "30")
    with pytest.raises(ConfigError, match=f'{old} was replaced by RATE_LIMITS\\["sign_in"\\]'):
        create_app(_production())


def test_each_app_has_its_own_copy_of_dictionary_defaults():
    first, second = create_app(_production()), create_app(_production())
    first.config["RATE_LIMITS"]["sign_in"] = "1 per hour"
    assert second.config["RATE_LIMITS"]["sign_in"] == "30 per 15 minutes"


def test_server_refuses_to_start_without_keys(tmp_path):
    with pytest.raises(keyring.KeyringError, match="keys init"):
        create_app(_production(KEYS_JSON=None, KEYS_FILE=str(tmp_path / "absent.json")))


def test_templates_do_not_see_config():
    app = create_app(_production())
    assert "config" not in app.jinja_env.globals


def test_wsgi_exposes_only_app():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(__file__).parent.parent.joinpath("wsgi.py").read_text())
    names = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets}
    assert names == {"app"}


# --- Trusted hosts (security probe F6) ----------------------------------------------------------


def _production_app(**overrides):
    return create_app(
        _production(
            SQLALCHEMY_DATABASE_URI="sqlite://", ALLOW_SQLITE_IN_PRODUCTION=True, **overrides
        )
    )


def test_production_trusts_only_the_host_of_service_url():
    app = _production_app()
    assert app.config["TRUSTED_HOSTS"] == ["daservice.example.gov.uk"]
    client = app.test_client()
    # Werkzeug's strict-slash redirect builds an absolute URL from the Host header.
    forged = client.get("/inbox", headers={"Host": "evil.example"})
    assert forged.status_code == 400
    assert "evil.example" not in forged.headers.get("Location", "")
    assert "evil.example" not in forged.get_data(as_text=True)
    good = client.get("/inbox", headers={"Host": "daservice.example.gov.uk"})
    assert good.status_code == 308
    assert good.headers["Location"].startswith("https://daservice.example.gov.uk/inbox/") or (
        good.headers["Location"].startswith("http://daservice.example.gov.uk/inbox/")
    )


def test_trusted_hosts_can_be_listed_in_the_environment(monkeypatch):
    monkeypatch.setenv("DASERVICE_TRUSTED_HOSTS", "daservice.example.gov.uk, app1.internal")
    app = _production_app()
    assert app.config["TRUSTED_HOSTS"] == ["daservice.example.gov.uk", "app1.internal"]
    assert app.test_client().get("/inbox", headers={"Host": "app1.internal"}).status_code == 308


def test_production_refuses_a_service_url_without_a_host():
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS"):
        create_app(_production(SERVICE_URL="daservice"))


def test_development_answers_any_host():
    from flask import Flask

    from daservice import config

    app = Flask("x")
    app.config.update(ENV="development", SERVICE_URL="https://daservice.example.gov.uk")
    config._derive(app)
    assert app.config["TRUSTED_HOSTS"] is None
