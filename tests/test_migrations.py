"""Migrations build the schema from empty, and it equals the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from daservice.extensions import db, render_migration_item


def test_migrated_schema_matches_the_models(app):
    # The session schema was built by `flask db upgrade` from an empty database (conftest._schema).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_item": render_migration_item}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_upgrade_and_downgrade_from_empty(base_config, tmp_path, request):
    from flask_migrate import downgrade, upgrade

    from daservice import create_app

    if request.config.getoption("--db") == "postgresql":
        from .pgcluster import create_database

        url = create_database(base_config["SQLALCHEMY_DATABASE_URI"], "migration_check")
    else:
        url = "sqlite:///" + str(tmp_path / "fresh.sqlite3")
    app = create_app(dict(base_config, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade()
        assert "users" in db.inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        db.engine.dispose()
