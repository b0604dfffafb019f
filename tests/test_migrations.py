"""Migrations build the schema from empty, and it equals the models."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from daservice.extensions import db, migration_objects_of, render_migration_item


def test_migrated_schema_matches_the_models(app):
    # The session schema was built by `flask db upgrade` from an empty database (conftest._schema).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_item": render_migration_item,
                "include_object": migration_objects_of(connection.dialect.name),
            },
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


def test_0013_works_out_repeat_victims_copies_route_dimensions_and_counts_working_days(
    base_config, tmp_path, request
):
    """Victim V: referred on 10 January 2025, again on 1 June 2025 (within 12 months: a repeat)
    and on 1 August 2026 (more than 12 months after the last: not). June's route was released on
    Friday 6 June 2025 and first attempted on Monday 9 June: 1 working day."""
    import uuid
    from datetime import datetime

    from flask_migrate import upgrade

    app, url = _empty_database_app(base_config, tmp_path, request, "migration_0013")
    with app.app_context():
        upgrade(revision="0012")
        tables = sa.MetaData()
        tables.reflect(db.engine, only=["agencies", "referrals", "routes"])
        agency, victim, service = (uuid.uuid4() for _ in range(3))
        referrals = {
            name: (uuid.uuid4(), at, level)
            for name, at, level in (
                ("january", datetime(2025, 1, 10, 9), "standard"),
                ("june", datetime(2025, 6, 1, 9), "high"),
                ("august", datetime(2026, 8, 1, 9), "medium"),
            )
        }
        routes = {"june": uuid.uuid4(), "august": uuid.uuid4()}
        with db.engine.begin() as connection:
            if url.startswith("sqlite"):
                connection.execute(sa.text("PRAGMA foreign_keys=OFF"))
            else:
                connection.execute(sa.text("SET session_replication_role = replica"))
            connection.execute(
                sa.insert(tables.tables["agencies"]),
                _filled(tables.tables["agencies"], id=agency, code="TEST", name="Test agency"),
            )
            for name, (referral_id, at, level) in referrals.items():
                connection.execute(
                    sa.insert(tables.tables["referrals"]),
                    _filled(
                        tables.tables["referrals"],
                        id=referral_id,
                        reference=f"DA-{name}",
                        agency_id=agency,
                        victim_id=victim,
                        created_at=at,
                        risk_level=level,
                    ),
                )
            for name, contact in (("june", datetime(2025, 6, 9, 10)), ("august", None)):
                referral_id, at, _ = referrals[name]
                released = datetime(2025, 6, 6, 9) if name == "june" else at
                connection.execute(
                    sa.insert(tables.tables["routes"]),
                    _filled(
                        tables.tables["routes"],
                        id=routes[name],
                        referral_id=referral_id,
                        service_id=service,
                        status="contact_attempted" if contact else "pending",
                        created_at=at,
                        updated_at=at,
                        released_at=released,
                        first_contact_at=contact,
                    ),
                )
        upgrade()
        with db.engine.connect() as connection:
            repeat = dict(
                connection.execute(sa.text("SELECT reference, repeat_victim FROM referrals")).all()
            )
            copied = connection.execute(
                sa.text(
                    "SELECT referral_risk_level, first_contact_working_days, referral_agency_id "
                    "FROM routes ORDER BY referral_risk_level"
                )
            ).all()
        assert {k: bool(v) for k, v in repeat.items()} == {
            "DA-january": False,
            "DA-june": True,
            "DA-august": False,
        }
        assert [(level, days) for level, days, _ in copied] == [("high", 1), ("medium", None)]
        assert {uuid.UUID(str(a)) for _, _, a in copied} == {agency}
        db.engine.dispose()


def _filled(table, **values):
    """A row for ``table`` with ``values`` and something of the right type in every other column
    that must have one (the migration reads only the columns the test sets)."""
    import uuid
    from datetime import datetime

    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None:
            continue
        kind = column.type
        if column.name == "id" or column.name.endswith("_id") or isinstance(kind, sa.Uuid):
            row[column.name] = uuid.uuid4()
        elif isinstance(kind, sa.Boolean):
            row[column.name] = False
        elif isinstance(kind, sa.Integer):
            row[column.name] = 0
        elif isinstance(kind, sa.DateTime):
            row[column.name] = datetime(2026, 1, 1)
        else:
            row[column.name] = "given" if column.name == "consent_status" else ""
    # SQLite keeps a UUID as 32 hex characters (reflected as CHAR(32)); PostgreSQL as a uuid.
    return {
        name: value.hex
        if isinstance(value, uuid.UUID) and not isinstance(table.c[name].type, sa.Uuid)
        else value
        for name, value in row.items()
    }


def test_the_planner_statistics_are_refreshed_on_sqlite(base_config, tmp_path, request):
    """On SQLite the reports' grouped route index (migration 0014) is skipped through only when
    ANALYZE has counted its groups; the daily job counts them again as the data grows. On its
    own database: statistics left behind would steer the planner in every later test.
    PostgreSQL's autovacuum needs no help."""
    from flask_migrate import upgrade

    from daservice import jobs

    from . import factories

    app, _ = _empty_database_app(base_config, tmp_path, request, "planner_statistics")
    with app.app_context():
        upgrade()
        factories.directory()
        factories.refer(factories.user(factories.Role.REFERRER), factories.referral_payload())
        (outcome,) = jobs.run_due(app, only={"database.refresh_statistics"}, force=True)
        assert outcome.ok
        if db.engine.dialect.name == "sqlite":
            found = db.session.execute(
                sa.text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'routes'")
            ).scalars()
            assert "ix_routes_reporting_grouped" in set(found)
        else:
            assert "autovacuum" in outcome.summary
        db.session.remove()
        db.engine.dispose()


def _columns_read(source) -> set[str]:
    """The source table's columns its counts read: its moment, dimensions and sums."""
    from sqlalchemy.sql import visitors

    table = source.model.__table__
    read = {source.at.key, *source.dimensions}
    for expression in source.sums(datetime.now(UTC)).values():
        read |= {
            element.name
            for element in visitors.iterate(expression)
            if isinstance(element, sa.Column) and element.table is table
        }
    return read


def _triggers(connection, table: str) -> dict[str, set[str]]:
    """{event: columns an UPDATE trigger watches (empty for others)} of the month-count
    triggers on ``table``."""
    found: dict[str, set[str]] = {}
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": table},
        ).scalars()
        for sql in rows:
            if "report_month_changes" not in sql:
                continue
            event = re.search(r"AFTER (INSERT|DELETE|UPDATE)", sql)[1]
            watched = re.search(r"UPDATE OF (.*?) ON", sql)
            found[event] = {c.strip() for c in watched[1].split(",")} if watched else set()
        return found
    for event, column in connection.execute(
        sa.text(
            "SELECT t.event_manipulation, c.event_object_column"
            " FROM information_schema.triggers t"
            " LEFT JOIN information_schema.triggered_update_columns c"
            "   ON c.trigger_name = t.trigger_name AND c.event_object_table = t.event_object_table"
            " WHERE t.event_object_table = :t AND t.trigger_name LIKE 'report_month_%'"
        ),
        {"t": table},
    ):
        found.setdefault(event, set())
        if event == "UPDATE" and column:
            found[event].add(column)
    return found


def test_the_month_count_triggers_watch_every_column_the_counts_read(app):
    """A migration that rebuilds referrals or routes drops their triggers (SQLite's batch mode
    copies the table), and a column the reports start counting by must be watched: either way
    counted months would go on being read after their rows changed."""
    from daservice.reports.measures import month_counts

    with db.engine.connect() as connection:
        for source in month_counts.SOURCES:
            table = source.model.__tablename__
            triggers = _triggers(connection, table)
            assert {"INSERT", "DELETE", "UPDATE"} <= set(triggers), (table, triggers)
            assert _columns_read(source) <= triggers["UPDATE"], (table, triggers["UPDATE"])
