"""daservice: joined-up domestic-abuse support for a Community Safety Partnership."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from . import config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> str:
    return os.environ.get("DASERVICE_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The application factory: config, extensions, security, blueprints, CLI, errors."""
    app = Flask(__name__, instance_path=instance_path(), instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config.load(app, test_config)
    _trust_proxies(app)

    from . import logs

    logs.init_app(app)
    _init_extensions(app)
    _init_templates(app)

    from . import audit, pdf, security

    security.init_app(app)
    audit.init_app(app)
    pdf.init_app(app)

    from . import (
        accounts,
        api,
        directory,
        dpo,
        errors,
        jobs,
        notify,
        people,
        perpetrators,
        referrals,
        reports,
        training,
    )
    from .main import views as main_views

    jobs.init_app(app)
    accounts.init_app(app)
    directory.init_app(app)
    people.init_app(app)
    referrals.init_app(app)
    perpetrators.init_app(app)
    training.init_app(app)
    reports.init_app(app)
    api.init_app(app)
    dpo.init_app(app)
    app.register_blueprint(main_views.bp)
    notify.init_app(app)  # after the features: it checks the backend against their templates
    _init_cli(app)
    errors.init_app(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind a TLS proxy, take scheme and client address from the proxies we were told to trust."""
    hops = app.config["TRUST_PROXY_HEADERS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _init_extensions(app: Flask) -> None:
    from .extensions import csrf, db, login_manager, migrate, render_migration_item

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )
    login_manager.init_app(app)
    csrf.init_app(app)


def _init_templates(app: Flask) -> None:
    from flask_login import current_user
    from govuk_frontend_wtf.main import WTFormsHelpers

    from .navigation import nav_items
    from .security.headers import csp_nonce
    from .uk_time import uk_date, uk_datetime

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    app.jinja_env.filters["uk_datetime"] = uk_datetime
    app.jinja_env.filters["uk_date"] = uk_date

    @app.context_processor
    def _globals() -> dict[str, Any]:
        # Templates get these and nothing else from the app: never `config`.
        return {
            "csp_nonce": csp_nonce(),
            "service_name": app.config["SERVICE_NAME"],
            "nav_items": nav_items(),
            "current_user": current_user,
        }

    app.jinja_env.globals.pop("config", None)


def _init_cli(app: Flask) -> None:
    from . import demo
    from .security.cli import keys

    app.cli.add_command(keys)
    app.cli.add_command(demo.demo)
