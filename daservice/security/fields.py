"""Declaring protected fields on a model: ``address = Encrypted()``.

The declaration creates the backing text column (same column name) holding only ``ev1.`` ciphertext.
Reads decrypt and writes encrypt through the app's ``FieldCipher``; views and services only ever see
plaintext attributes, and nothing but this module touches ciphertext.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any, Generic, TypeVar, overload

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import mapped_column

from ..extensions import BEFORE_MAPPING
from . import redaction
from .crypto import ColumnCipher, FieldCipher

T = TypeVar("T", str, date, dict, list)
_CACHE = "_daservice_plaintext"


def cipher() -> FieldCipher:
    """The current app's field cipher (bound in ``security.init_app``)."""
    found: FieldCipher = current_app.extensions["daservice.cipher"]
    return found


class Encrypted(Generic[T]):
    """A protected field, stored encrypted in a column of the same name."""

    declared: list[Encrypted[Any]] = []

    def __init__(self, kind: type[T] = str) -> None:  # type: ignore[assignment]
        self.kind: type[T] = kind
        self.name = ""
        self.table = ""
        self._bound: tuple[FieldCipher, ColumnCipher] | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.attr = f"_{name}_ciphertext"

    def attach(self, owner: type) -> None:
        """Add the backing column to the model being declared (called from the declarative base)."""
        table = owner.__dict__.get("__tablename__")
        if not isinstance(table, str):
            raise TypeError(f"{owner.__name__} declares protected fields without a __tablename__")
        self.table = table
        setattr(owner, self.attr, mapped_column(self.name, sa.Text, nullable=True))
        Encrypted.declared.append(self)

    @overload
    def __get__(self, obj: None, owner: type) -> Encrypted[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T | None: ...
    def __get__(self, obj: object | None, owner: type) -> Encrypted[T] | T | None:
        if obj is None:
            return self
        stored: str | None = getattr(obj, self.attr)
        if stored is None:
            return None
        cache: dict[str, tuple[str, Any]] = obj.__dict__.setdefault(_CACHE, {})
        hit = cache.get(self.name)
        if hit is not None and hit[0] == stored:
            # Remembered again: the object may outlive the redaction scope it was decrypted in.
            redaction.remember_all(hit[1])
            return hit[1]
        text = self._column().decrypt(stored, _row_id(obj))
        value = _decode(self.kind, text)
        redaction.remember_all(value)
        cache[self.name] = (stored, value)
        return value

    def __set__(self, obj: object, value: T | None) -> None:
        if value is None:
            setattr(obj, self.attr, None)
            return
        if not isinstance(value, self.kind):
            raise TypeError(f"{self.name} takes {self.kind.__name__}")
        text = _encode(value)
        redaction.remember_all(value)
        stored = self._column().encrypt(text, _row_id(obj))
        setattr(obj, self.attr, stored)
        obj.__dict__.setdefault(_CACHE, {})[self.name] = (stored, value)

    def stored(self, model: type) -> Any:
        """The column holding this field's ciphertext, for a query that reads it without loading
        the row (then ``open`` it)."""
        return getattr(model, self.attr)

    def open(self, stored: str | None, row_id: uuid.UUID) -> T | None:
        """The value ``stored`` (read from ``stored(model)``) holds for row ``row_id``;
        remembered for log redaction like any read. Tampered or moved values raise
        ``DecryptError`` as on the model."""
        if stored is None:
            return None
        value = self.decode(self._column().decrypt(stored, row_id))
        redaction.remember_all(value)
        return value

    def decode(self, text: str) -> T:
        """A decrypted value of this field as its attribute gives it (for code reading the stored
        column directly, such as key rotation)."""
        value: T = _decode(self.kind, text)
        return value

    def _column(self) -> ColumnCipher:
        """This column's cipher in the current app (bound once per app's cipher)."""
        current = cipher()
        bound = self._bound
        if bound is None or bound[0] is not current:
            bound = self._bound = (current, current.column(self.table, self.name))
        return bound[1]

    def __repr__(self) -> str:
        return f"Encrypted({self.table}.{self.name})"


def _encode(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _decode(kind: type, text: str) -> Any:
    if kind is str:
        return text
    if kind is date:
        return date.fromisoformat(text)
    return json.loads(text)


def _row_id(obj: object) -> uuid.UUID:
    row_id = getattr(obj, "id", None)
    if not isinstance(row_id, uuid.UUID):
        raise TypeError("protected fields need a UUID primary key assigned at construction")
    return row_id


def attach_protected_columns(cls: type) -> None:
    for value in list(cls.__dict__.values()):
        if isinstance(value, Encrypted):
            value.attach(cls)


if attach_protected_columns not in BEFORE_MAPPING:
    BEFORE_MAPPING.append(attach_protected_columns)


def erased(model: type, *names: str) -> dict[str, None]:
    """Values for a bulk UPDATE of ``model`` that erase the named protected fields (all of them
    when none is named): callers name fields, never the columns that store them."""
    declared = {f.name: f for f in Encrypted.declared if f.table == model.__tablename__}  # type: ignore[attr-defined]
    unknown = set(names) - set(declared)
    if unknown:
        raise KeyError(f"{model.__name__} has no protected field {sorted(unknown)}")
    return {declared[name].attr: None for name in names or declared}


def inventory() -> list[tuple[str, str]]:
    """Every protected (table, column) declared in the models."""
    return sorted((f.table, f.name) for f in Encrypted.declared)
