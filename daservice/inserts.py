"""Insert new objects with the statements worked out beforehand.

What a flush does for new rows, split in two so that a caller holding the database's write lock
(SQLite's is the whole database) holds it only while statements run:

    rows = NewRows([person, referral, *routes], write_only=messages)  # reads the values now
    ...take the lock...
    rows.set(referral, "reference", next_reference())       # a value only known inside it
    rows.insert()                                            # one INSERT per table/column set

``insert`` runs one executemany insert per table and set of columns, tables in the order their
first object was given (so give parents before children: people, then the referral, then its
routes), and then joins the objects to the session as persistent and clean, exactly as if they
had been flushed: nothing is left to flush and nothing is loaded again. Columns an object leaves
unset get their defaults from the insert, as in a flush. Objects must have their primary keys set
(``UUIDModel`` rows do from construction).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached

from .extensions import db


class NewRows:
    """``objects`` are inserted and then joined to the session; ``write_only`` ones (an outbox
    message nobody in this transaction reads again) are inserted only. An object must not change
    after it is given here except through ``set``: its values are read now."""

    def __init__(self, objects: list[Any], *, write_only: list[Any] | None = None) -> None:
        self.objects = list(objects)
        self.write_only = list(write_only or ())
        self._values: dict[int, dict[str, Any]] = {
            id(obj): _column_values(obj) for obj in (*self.objects, *self.write_only)
        }

    def set(self, obj: Any, attribute: str, value: Any) -> None:
        """Give one object's column a value decided after construction (inside the lock)."""
        setattr(obj, attribute, value)
        column = sa.inspect(obj).mapper.attrs[attribute].columns[0].key
        self._values[id(obj)][column] = value

    def insert(self) -> None:
        """Insert every object in the caller's transaction, then add them to the session."""
        connection = db.session.connection()
        for table, parameters in self._grouped():
            connection.execute(table.insert(), parameters)
        for obj in self.objects:  # all first: adding one may cascade to the others
            make_transient_to_detached(obj)
        db.session.add_all(self.objects)

    def _grouped(self) -> list[tuple[sa.Table, list[dict[str, Any]]]]:
        groups: dict[tuple[sa.Table, frozenset[str]], list[dict[str, Any]]] = {}
        for obj in (*self.objects, *self.write_only):
            values = self._values[id(obj)]
            table = sa.inspect(obj).mapper.local_table
            groups.setdefault((table, frozenset(values)), []).append(values)
        return [(table, parameters) for (table, _), parameters in groups.items()]


def _column_values(obj: Any) -> dict[str, Any]:
    state = sa.inspect(obj)
    return {
        prop.columns[0].key: state.dict[prop.key]
        for prop in state.mapper.column_attrs
        if prop.key in state.dict
    }
