"""Key rotation: status, rotate, re-encrypt (batched, resumable, verified), retire, re-index."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from . import keyring, redaction
from .crypto import DecryptError, FieldCipher
from .fields import Encrypted

Progress = Callable[[int], None]

# Blind-index tables (with a ``key_id`` column), registered by the features that own them.
INDEX_TABLES: list[str] = []
# Tables whose rows carry the id of the audit key that signed them.
AUDIT_TABLES = ["audit_events"]


def _cipher() -> FieldCipher:
    cipher: FieldCipher = current_app.extensions["daservice.cipher"]
    return cipher


def _table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def protected_columns() -> list[tuple[str, str]]:
    return sorted({(f.table, f.name) for f in Encrypted.declared})


def encryption_status() -> dict[tuple[str, str], dict[str, int]]:
    """Rows per encryption key id, for every protected column."""
    result: dict[tuple[str, str], dict[str, int]] = {}
    for table_name, column_name in protected_columns():
        column = _table(table_name).c[column_name]
        key_id = sa.func.substr(column, 5, 8)
        rows = db.session.execute(
            sa.select(key_id, sa.func.count()).where(column.is_not(None)).group_by(key_id)
        ).all()
        result[(table_name, column_name)] = {str(k): int(n) for k, n in rows}
    return result


def keyed_rows_status(tables: list[str]) -> dict[str, dict[str, int]]:
    result = {}
    for name in tables:
        column = _table(name).c.key_id
        rows = db.session.execute(sa.select(column, sa.func.count()).group_by(column)).all()
        result[name] = {str(k): int(n) for k, n in rows}
    return result


def rows_using(key_id: str) -> int:
    total = sum(c.get(key_id, 0) for c in encryption_status().values())
    for counts in keyed_rows_status(INDEX_TABLES + AUDIT_TABLES).values():
        total += counts.get(key_id, 0)
    return total


def count_to_reencrypt() -> int:
    primary = _cipher().primary_key_id
    return sum(
        n for counts in encryption_status().values() for k, n in counts.items() if k != primary
    )


def reencrypt(batch: int = 2000, progress: Progress | None = None) -> int:
    """Move every protected value onto the primary key. Each batch commits after its new values
    are read back and checked, so an interrupted run loses nothing and the next run resumes.

    The values a batch decrypts are remembered for log redaction until the batch ends."""
    cipher = _cipher()
    prefix = f"ev1.{cipher.primary_key_id}."
    declared = {(f.table, f.name): f for f in Encrypted.declared}
    moved = 0
    for table_name, column_name in protected_columns():
        field = declared[table_name, column_name]
        table = _table(table_name)
        column = table.c[column_name]
        last_id: uuid.UUID | None = None
        while True:
            query = (
                sa.select(table.c.id, column)
                .where(column.is_not(None), sa.not_(column.startswith(prefix, autoescape=True)))
                .order_by(table.c.id)
                .limit(batch)
            )
            if last_id is not None:
                query = query.where(table.c.id > last_id)
            rows = db.session.execute(query).all()
            if not rows:
                break
            with redaction.scope():
                moved += _reencrypt_batch(cipher, field, table, column, rows)
            last_id = rows[-1][0]
            if progress:
                progress(len(rows))
    return moved


def _reencrypt_batch(
    cipher: FieldCipher, field: Encrypted[Any], table: sa.Table, column: Any, rows: Sequence[Any]
) -> int:
    table_name, column_name = table.name, column.name
    plain: dict[uuid.UUID, str] = {}
    updates = []
    for row_id, stored in rows:
        try:
            text = cipher.decrypt(stored, table=table_name, column=column_name, row_id=row_id)
        except DecryptError:
            raise DecryptError(
                f"{table_name}.{column_name} row {row_id} cannot be decrypted; nothing in this "
                "batch was changed"
            ) from None
        redaction.remember_all(field.decode(text))
        plain[row_id] = text
        fresh = cipher.encrypt(text, table=table_name, column=column_name, row_id=row_id)
        updates.append({"b_id": row_id, "b_old": stored, "b_new": fresh})
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"), column == sa.bindparam("b_old"))
        .values({column_name: sa.bindparam("b_new")})
    )
    db.session.execute(statement, updates, execution_options={"synchronize_session": False})
    # Read back what was written and prove it decrypts to the same plaintext before committing.
    written = db.session.execute(
        sa.select(table.c.id, column).where(table.c.id.in_(list(plain)))
    ).all()
    for row_id, stored in written:
        if (
            cipher.decrypt(stored, table=table_name, column=column_name, row_id=row_id)
            != plain[row_id]
        ):
            db.session.rollback()
            raise RuntimeError(f"{table_name}.{column_name} row {row_id} failed verification")
    db.session.commit()
    return len(updates)


def _keys_path() -> Path:
    if current_app.config.get("KEYS_JSON"):
        raise keyring.KeyringError(
            "keys come from KEYS_JSON; rotate them in your secret manager (see docs/security.md)"
        )
    return Path(current_app.config["KEYS_FILE"])


def _secret() -> tuple[bytes, ...]:
    return (str(current_app.config["SECRET_KEY"]).encode(),)


def rotate(purpose: str) -> tuple[str, keyring.Keyring]:
    """Add a new active root for ``purpose``; the old one becomes decrypt-only."""
    if purpose not in keyring.PURPOSES:
        raise keyring.KeyringError(f"purpose must be one of {', '.join(keyring.PURPOSES)}")
    path = _keys_path()
    document = keyring.read_document(path)
    taken = {e["id"] for p in keyring.PURPOSES for e in document[p]}
    for entry in document[purpose]:
        if entry["status"] == "active":
            entry["status"] = "decrypt-only"
    entry = keyring.new_root(taken=taken)
    document[purpose].append(entry)
    ring = keyring.Keyring(document, other_secrets=_secret())
    keyring.write_document(path, document, overwrite=True)
    return entry["id"], ring


def retire(key_id: str) -> keyring.Keyring:
    """Mark a root retired. Refuses for the active key or while any row still uses it."""
    path = _keys_path()
    document = keyring.read_document(path)
    entry = next((e for p in keyring.PURPOSES for e in document[p] if e["id"] == key_id), None)
    if entry is None:
        raise keyring.KeyringError(f"no key {key_id}")
    if entry["status"] == "active":
        raise keyring.KeyringError(f"{key_id} is the active key; rotate first")
    in_use = rows_using(key_id)
    if in_use:
        raise keyring.KeyringError(
            f"{in_use} rows still use {key_id}; run `flask keys reencrypt` or `keys reindex` first"
        )
    entry["status"] = "retired"
    ring = keyring.Keyring(document, other_secrets=_secret())
    keyring.write_document(path, document, overwrite=True)
    return ring
