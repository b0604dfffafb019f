"""Extensions, created unbound here and bound in ``create_app``."""

from __future__ import annotations

import enum
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        # PostgreSQL answers in the session's TimeZone; the audit chain hashes the ISO text, so
        # the same instant must always read back the same way.
        return value.astimezone(UTC)


# Called with each model class before it is mapped. ``security.fields`` adds the one that turns
# each ``x = Encrypted()`` into its ciphertext column; the ORM base itself imports no security code
# (the kernel's packages depend one way: extensions, then security).
BEFORE_MAPPING: list[Callable[[type], None]] = []


class _BeforeMapping:
    """Runs the ``BEFORE_MAPPING`` hooks on each model class. A mixin rather than a method on
    Base, because Flask-SQLAlchemy rebuilds Base's body."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        for hook in BEFORE_MAPPING:
            hook(cls)
        super().__init_subclass__(**kwargs)


def str_enum(enum_class: type[enum.StrEnum], length: int = 32) -> sa.Enum:
    """A portable enum column storing the members' values ("referrer"), not their names."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def migration_objects_of(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for a database of ``dialect``: a model's index made on
    another kind of database only (``Index(...).ddl_if(dialect=...)``) is not looked for here."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        only = getattr(obj, "_ddl_if", None)
        if type_ == "index" and not reflected and only is not None and only.dialect:
            wanted = (only.dialect,) if isinstance(only.dialect, str) else tuple(only.dialect)
            return dialect in wanted
        return True

    return include


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Migrations spell UTCDateTime as the plain column type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


class Base(_BeforeMapping, DeclarativeBase):
    registry = sa.orm.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class UUIDModel:
    """Rows that hold (or will hold) protected data: a UUID primary key that exists from
    construction, so field encryption can bind the ciphertext to its row before the insert."""

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)


@event.listens_for(UUIDModel, "init", propagate=True)
def _assign_uuid(target: UUIDModel, args: Any, kwargs: dict[str, Any]) -> None:
    if kwargs.get("id") is None:
        kwargs["id"] = uuid.uuid4()


def insert_if_absent(connection: sa.Connection, table: sa.Table, **values: Any) -> None:
    """Insert a row unless one with the same key exists, without an error either way (a
    concurrent insert of the same key waits for the other, then does nothing)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


@event.listens_for(sa.engine.Engine, "connect")
def _sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """SQLite, set up as a service needs it (PostgreSQL needs none of this)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # the declared references are enforced
    cursor.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA synchronous = FULL")  # a commit is on disk before it is acknowledged
    # Copy the log back into the database every ~40 MB rather than every 4 MB: a page written by
    # many transactions in between (indexes, counters, the audit head) is copied once.
    cursor.execute("PRAGMA wal_autocheckpoint = 10000")
    cursor.close()


def refresh_statistics() -> str:
    """SQLite: ANALYZE, so the query planner knows how the data is spread now (the reports'
    grouped index is only skipped through when its statistics say the groups are few and large:
    migration 0014). Half a second at the benchmark's 100,000 referrals. PostgreSQL's
    autovacuum analyses its tables as they change, so there is nothing to do there."""
    if db.engine.dialect.name != "sqlite":
        return "nothing to do: PostgreSQL's autovacuum keeps its statistics"
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return "analysed"
