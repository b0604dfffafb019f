"""Layered, validated configuration.

Order: defaults (this module) → ``instance/config.py`` → ``DASERVICE_*`` environment variables
(and ``DATABASE_URL``) → test overrides. ``validate()`` then refuses to run with missing or weak
secrets outside development and testing.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

ENVIRONMENTS = ("development", "testing", "production")

# Secrets that must never run in production. A hard-coded fallback key is how sessions get forged.
KNOWN_DEVELOPMENT_SECRETS = frozenset(
    {"dev", "development", "secret", "changeme", "test", "testing"}
)


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


class Defaults:
    ENV = "production"  # fail safe: anything not explicitly development is treated as production
    SECRET_KEY: str | None = None
    SERVICE_NAME = "Redbridge Domestic Abuse Partnership"
    SQLALCHEMY_DATABASE_URI: str | None = (
        None  # set from DATABASE_URL or instance/daservice.sqlite3
    )
    SQLALCHEMY_ECHO = False
    SQLALCHEMY_RECORD_QUERIES = False
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    KEYS_FILE: str | None = None  # default instance/keys.json
    KEYS_JSON: str | None = None  # keys supplied directly (environment / secret manager)

    # Risk (SafeLives Dash bands and Marac criteria; local practice may differ)
    RISK_MEDIUM_FROM = 10
    RISK_HIGH_FROM = 14
    RISK_ESCALATION_INCIDENTS = 3
    MARAC_REPEAT_MONTHS = 12
    # Working days to the first contact attempt, by risk level
    SLA_WORKING_DAYS: dict[str, int] = {"high": 1, "medium": 3, "standard": 5}
    SERVICE_URL: str | None = None  # public base URL for links in notifications
    # Who to contact, shown on the support, privacy and accessibility pages and at sign-in.
    # Demo defaults (reserved .example addresses); a deployment sets its own.
    SUPPORT_EMAIL = "support@partnership.example"
    SUPPORT_PHONE = "020 7946 0000"  # Ofcom's drama range: never a real number
    SUPPORT_HOURS = "Monday to Friday, 9am to 5pm (except bank holidays)"
    DPO_EMAIL = "dpo@partnership.example"
    DATA_CONTROLLER = "the Redbridge Community Safety Partnership's member agencies"

    # Host header values this app answers (Flask): any other is a 400, so a forged Host is never
    # echoed into an absolute redirect (probe F6). Production: SERVICE_URL's host unless set;
    # DASERVICE_TRUSTED_HOSTS takes a comma-separated list (add a load balancer's health-check
    # name). None (any host) in development and tests, which serve loopback.
    TRUSTED_HOSTS: list[str] | None = None

    # Notifications (notify/): "log" (default), "smtp" or "govuk_notify"; checked at start-up
    NOTIFY_BACKEND = "log"  # refused in production unless NOTIFY_LOG_ONLY says so
    NOTIFY_LOG_ONLY = False
    NOTIFY_FROM: str | None = None  # smtp: the From address
    NOTIFY_SMTP_HOST: str | None = None
    NOTIFY_SMTP_PORT = 587
    NOTIFY_SMTP_STARTTLS = True
    NOTIFY_SMTP_USERNAME: str | None = None
    NOTIFY_SMTP_PASSWORD: str | None = None
    NOTIFY_API_KEY: str | None = None  # govuk_notify
    NOTIFY_TEMPLATE_IDS: dict[str, str] = {}  # govuk_notify: our template name -> Notify's id
    NOTIFY_BASE_URL: str | None = None  # govuk_notify: only to point at a test double
    NOTIFY_TIMEOUT_SECONDS = 10
    NOTIFY_DELIVERY_EVERY = timedelta(minutes=1)
    NOTIFY_MAX_ATTEMPTS = 8  # then the message is failed and shown to administrators
    NOTIFY_RETRY_BASE = timedelta(minutes=1)  # doubling after each failure, at most an hour

    # Scheduled jobs (flask jobs run)
    SLA_CHECK_EVERY = timedelta(minutes=15)
    DRAFT_RETENTION = timedelta(days=30)  # unsent drafts untouched this long are deleted
    IDEMPOTENCY_RETENTION = timedelta(days=7)  # how long an API retry gets the same answer

    # The training programme
    SAFE_SPACE_MIN_TRAINED_STAFF = 2  # staff with a valid practitioner-or-higher certificate
    EVALUATION_FOLLOW_UP_AFTER = timedelta(weeks=8)  # Kirkpatrick level 3, after completion
    REFRESHER_CLOSING_NOTICE = timedelta(days=14)  # "window about to close": before expiry
    CERTIFICATES_EXPIRING_WITHIN = timedelta(days=90)  # the dashboard's "expiring soon"
    TRAINING_CHECK_EVERY = timedelta(hours=1)  # reminders, follow-ups, safe spaces

    # Reports (daservice/reports). The adult female population (16 and over) of the partnership's
    # area, for the SafeLives benchmark of 40 Marac cases a year per 10,000 adult women. This
    # default is synthetic (about Redbridge's size): SET IT from the latest ONS mid-year estimate.
    REPORTS_ADULT_FEMALE_POPULATION = 125_000
    # The codes of the agencies that are the police, for the Marac return's "referrals from the
    # police" (every other agency is a partner agency).
    REPORTS_POLICE_AGENCY_CODES: list[str] = ["MPS"]
    # How many synthetic referrals `flask demo load` spreads over the last six quarters (each goes
    # through the real intake; a test that only needs the demo's users may set fewer).
    DEMO_HISTORY_REFERRALS = 300

    # Blind indexes are sized for this many people (security/blind_index.py)
    PERSON_INDEX_POPULATION = 100_000

    # Sessions: server-side records, checked on every request (accounts/sessions.py)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=15)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=8)
    SESSION_TIMEOUT_WARNING = timedelta(minutes=2)  # the timeout dialog opens this long before
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-daservice"
    PREFERRED_URL_SCHEME = "https"
    REMEMBER_COOKIE_DURATION = timedelta(0)

    # Account lockout (accounts/throttle.py)
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_LOCKOUT = timedelta(minutes=15)
    # Rate limits by client address, shared by all app servers (security/ratelimit.py):
    # a burst of N, then one more every period / N.
    RATE_LIMITS: dict[str, str] = {
        "sign_in": "30 per 15 minutes",  # failed sign-ins (password or code)
        # certificate verification, a trainee's evaluation link (a room of trainees may answer
        # on one venue's Wi-Fi, so one address) and the like
        "public_lookup": "30 per minute",
        "public_form": "20 per hour",  # forms anyone may send (feedback)
    }

    # Passwords: argon2id, RFC 9106 low-memory profile (above the ASVS Appendix C minimum)
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 65536
    ARGON2_PARALLELISM = 4

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Flask-WTF's HTTPS referrer check cannot work with our Referrer-Policy: no-referrer (browsers
    # send no Referer, and Origin is "null"). The synchronizer token and SameSite cookies remain.
    WTF_CSRF_SSL_STRICT = False
    MAX_CONTENT_LENGTH = 1024 * 1024
    HSTS_SECONDS = 63072000
    TRUST_PROXY_HEADERS = 0  # number of trusted reverse proxies in front (X-Forwarded-*)
    LOG_LEVEL = "INFO"

    # PDFs (daservice/pdf): renders at once on one machine, so exports cannot starve the web
    # workers; how long a request waits for a free render before a 503; warm image cache size
    PDF_MAX_CONCURRENT_RENDERS = 2
    PDF_RENDER_WAIT_SECONDS = 15
    PDF_IMAGE_CACHE_ENTRIES = 256

    # Report exports (reports/exports.py): prepared by background threads in each web process,
    # at most this many at once in a process (renders are also capped by the PDF slots above);
    # kept this long for download; a running export not heard from for this long lost its
    # worker (a restart) and is shown as failed. INLINE runs them in the request (tests only).
    REPORT_EXPORTS_WORKERS = 1
    REPORT_EXPORTS_KEPT_FOR = timedelta(hours=24)
    REPORT_EXPORTS_STALE_AFTER = timedelta(minutes=5)
    REPORT_EXPORTS_INLINE = False


def _coerce(current: Any, raw: str) -> Any:
    """Convert an environment string to the type of the default it overrides."""
    if isinstance(current, bool):
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"expected true or false, got {raw!r}")
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, timedelta):
        return timedelta(seconds=int(raw))
    if isinstance(current, dict):
        return json.loads(raw)
    return raw


def load(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` in layers, then validate it."""
    app.config.from_object(Defaults)
    for key, value in list(app.config.items()):
        if isinstance(value, dict):  # each app its own copy: changing one must not change Defaults
            app.config[key] = dict(value)
    instance_config = Path(app.instance_path) / "config.py"
    if instance_config.exists():
        app.config.from_pyfile(str(instance_config))
    prefix = "DASERVICE_"
    for name, raw in os.environ.items():
        if not name.startswith(prefix):
            continue
        key = name.removeprefix(prefix)
        try:
            app.config[key] = _coerce(app.config.get(key), raw)
        except (ValueError, ConfigError) as exc:
            raise ConfigError(f"{name}: {exc}") from None
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    _derive(app)
    validate(app.config)


def _derive(app: Flask) -> None:
    config = app.config
    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + str(Path(app.instance_path) / "daservice.sqlite3")
    # Plain postgresql:// URLs (as hosting platforms hand them out) use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            uri = "postgresql+psycopg://" + uri.removeprefix(prefix)
    config["SQLALCHEMY_DATABASE_URI"] = uri
    hosts = config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):  # from the environment
        hosts = [h.strip() for h in hosts.split(",") if h.strip()]
    if not hosts and config.get("ENV") not in ("development", "testing"):
        service_host = urlsplit(str(config.get("SERVICE_URL") or "")).hostname
        hosts = [service_host] if service_host else None
    config["TRUSTED_HOSTS"] = hosts or None
    if not config.get("KEYS_FILE"):
        config["KEYS_FILE"] = str(Path(app.instance_path) / "keys.json")


def validate(config: Any) -> None:
    """Refuse to start with unsafe settings. Raises ConfigError naming every problem."""
    problems: list[str] = []
    env = config.get("ENV")
    if env not in ENVIRONMENTS:
        problems.append(f"ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    secret = config.get("SECRET_KEY")
    relaxed = env in ("development", "testing")
    if not secret:
        problems.append("SECRET_KEY is not set (run `make run` or set DASERVICE_SECRET_KEY)")
    elif not relaxed and (
        len(str(secret)) < 32 or str(secret).lower() in KNOWN_DEVELOPMENT_SECRETS
    ):
        problems.append("SECRET_KEY is a development value or shorter than 32 characters")
    if not relaxed:
        if config.get("NOTIFY_BACKEND", "log") == "log" and not config.get("NOTIFY_LOG_ONLY"):
            problems.append(
                "NOTIFY_BACKEND is log: staff would never be emailed; set smtp or govuk_notify "
                "(or NOTIFY_LOG_ONLY = True for a trial without email)"
            )
        if not config.get("SESSION_COOKIE_SECURE"):
            problems.append("SESSION_COOKIE_SECURE must be true in production")
        if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite") and not config.get(
            "ALLOW_SQLITE_IN_PRODUCTION"
        ):
            # The embedded default suits one machine; using it live must be an explicit choice.
            problems.append(
                "production uses SQLite; set DATABASE_URL to PostgreSQL "
                "(or ALLOW_SQLITE_IN_PRODUCTION = True for a single-machine install)"
            )
        if not config.get("SERVICE_URL"):
            problems.append(
                "SERVICE_URL is not set (the address staff are sent to in notifications)"
            )
        elif not config.get("TRUSTED_HOSTS"):
            problems.append(
                "TRUSTED_HOSTS is empty: set it, or a SERVICE_URL with a host name, so a forged "
                "Host header is refused"
            )
    if config.get("PASSWORD_MAX_LENGTH", 0) < config.get("PASSWORD_MIN_LENGTH", 0):
        problems.append("PASSWORD_MAX_LENGTH is below PASSWORD_MIN_LENGTH")
    if config.get("SESSION_IDLE_TIMEOUT") > config.get("SESSION_ABSOLUTE_TIMEOUT"):
        problems.append("SESSION_IDLE_TIMEOUT is longer than SESSION_ABSOLUTE_TIMEOUT")
    if config.get("SESSION_TIMEOUT_WARNING") >= config.get("SESSION_IDLE_TIMEOUT"):
        problems.append("SESSION_TIMEOUT_WARNING must be shorter than SESSION_IDLE_TIMEOUT")
    problems.extend(_rate_limit_problems(config))
    if problems:
        raise ConfigError("unsafe configuration: " + "; ".join(problems))


# Settings that were replaced, and what replaced them: refused rather than silently ignored.
REPLACED = {
    "LOGIN_MAX_FAILURES_PER_IP": 'RATE_LIMITS["sign_in"], e.g. "30 per 15 minutes"',
    "LOGIN_IP_WINDOW": 'RATE_LIMITS["sign_in"], e.g. "30 per 15 minutes"',
}


def _rate_limit_problems(config: Any) -> list[str]:
    from .rates import parse

    problems = [f"{old} was replaced by {new}" for old, new in REPLACED.items() if old in config]
    limits = config.get("RATE_LIMITS")
    if not isinstance(limits, dict):
        return [*problems, "RATE_LIMITS must map limit names to rates like '30 per minute'"]
    for name in Defaults.RATE_LIMITS:
        if name not in limits:
            problems.append(f"RATE_LIMITS has no {name!r} limit")
    for name, rate in limits.items():
        try:
            parse(str(rate))
        except ValueError as exc:
            problems.append(f"RATE_LIMITS[{name!r}]: {exc}")
    return problems
