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


def _empty_database_app(base_config, tmp_path, request, name):
    """An app on a new, empty database of the kind under test (nothing migrated yet)."""
    from daservice import create_app

    if request.config.getoption("--db") == "postgresql":
        from .pgcluster import create_database

        url = create_database(base_config["SQLALCHEMY_DATABASE_URI"], name)
    else:
        url = "sqlite:///" + str(tmp_path / f"{name}.sqlite3")
    return create_app(dict(base_config, SQLALCHEMY_DATABASE_URI=url)), url


def test_upgrade_and_downgrade_from_empty(base_config, tmp_path, request):
    from flask_migrate import downgrade, upgrade

    app, _ = _empty_database_app(base_config, tmp_path, request, "migration_check")
    with app.app_context():
        upgrade()
        assert "users" in db.inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        db.engine.dispose()


def test_0003_removes_the_answers_kept_by_drafts_already_sent(base_config, tmp_path, request):
    import sqlalchemy as sa
    from flask_migrate import upgrade

    app, url = _empty_database_app(base_config, tmp_path, request, "migration_0003")
    with app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as connection:
            # Rows for users and referrals that this test does not make: no FK checks here.
            if url.startswith("sqlite"):
                connection.execute(sa.text("PRAGMA foreign_keys=OFF"))
            else:
                connection.execute(sa.text("SET session_replication_role = replica"))
            for n, referral in ((1, "00000000-0000-0000-0000-00000000000a"), (2, None)):
                connection.execute(
                    sa.text(
                        "INSERT INTO referral_drafts (id, author_id, created_at, updated_at,"
                        " submitted_referral_id, answers)"
                        " VALUES (:id, :author, :now, :now, :referral, 'ev1.sealed')"
                    ),
                    {
                        "id": f"00000000-0000-0000-0000-00000000000{n}",
                        "author": "00000000-0000-0000-0000-0000000000ff",
                        "now": "2026-11-24 09:00:00",
                        "referral": referral,
                    },
                )
        upgrade()
        with db.engine.connect() as connection:
            left = connection.execute(
                sa.text("SELECT submitted_referral_id IS NULL, answers FROM referral_drafts")
            ).all()
        assert sorted(left) == [(False, None), (True, "ev1.sealed")]  # sent: cleared; open: kept
        db.engine.dispose()


def test_the_database_enforces_the_declared_references(app, request):
    import pytest
    import sqlalchemy as sa

    with db.engine.connect() as connection:
        if request.config.getoption("--db") != "postgresql":  # SQLite: set on every connection
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        with pytest.raises(sa.exc.IntegrityError):
            from daservice.people.models import PersonIndex

            nobody = __import__("uuid").uuid4()  # no such person
            connection.execute(
                sa.insert(PersonIndex.__table__).values(
                    person_id=nobody, name="phone", key_id="k", value="v"
                )
            )
