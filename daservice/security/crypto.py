"""Field encryption: AES-256-GCM with per-column keys and AAD bound to the cell.

Stored form: ``ev1.<8-hex key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``. The AAD binds format
version, key id, table, column and row id, so a value copied to another row or column, or edited,
fails to decrypt. Every failure is one ``DecryptError`` with no detail about the plaintext.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import _cellcipher
from .keyring import Keyring, RootKey

__all__ = ["ColumnCipher", "DecryptError", "FieldCipher", "derive_key"]


def hot_path(compiled: ModuleType) -> ModuleType:
    """The compiled cipher module while its source still has the digest recorded when it was
    built (``setup.py``); otherwise that source, loaded interpreted. An edit, checkout or copy
    after a build can never leave an older compiled copy running in the source's place."""
    built = Path(compiled.__file__ or "")
    if built.suffix == ".py":
        return compiled  # not built: this is the source
    source = built.with_name("_cellcipher.py")
    try:
        recorded = built.with_name("_cellcipher.digest").read_text().strip()
        current = hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError:
        recorded, current = "", "unreadable"
    if recorded == current:
        return compiled
    logging.getLogger(__name__).warning(
        "the compiled field cipher was not built from %s as it is now: running the source "
        "interpreted (slower). Reinstall (`make run` or `pip install -e .`) to rebuild it.",
        source,
    )
    spec = importlib.util.spec_from_file_location(f"{__package__}._cellcipher_source", source)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {source}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOT_PATH = hot_path(_cellcipher)
DecryptError = HOT_PATH.DecryptError

VERSION = "ev1"


def derive_key(root: RootKey, purpose: bytes, table: str, column: str) -> bytes:
    """A 256-bit key for one column, domain-separated by purpose, table and column."""
    info = b"daservice\x00" + purpose + b"\x00" + table.encode() + b"\x00" + column.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root.material)


def _aad_prefix(key_id: str, table: str, column: str) -> bytes:
    return b"\x00".join((VERSION.encode(), key_id.encode(), table.encode(), column.encode(), b""))


class ColumnCipher:
    """Encrypt and decrypt for one column: what a protected field calls on every read and write.

    ``encrypt(plaintext, row_id)`` seals with the active key; ``decrypt(stored, row_id)`` opens a
    value sealed with any usable key. The hot path is ``_cellcipher.bind`` (compiled); keys and
    associated data are worked out here, once per column and key."""

    __slots__ = ("table", "column", "key_id", "encrypt", "decrypt")

    def __init__(self, keyring: Keyring, table: str, column: str) -> None:
        self.table = table
        self.column = column
        primary = keyring.active("encryption")
        self.key_id = primary.key_id

        def resolve(stored: str) -> tuple[Any, bytes]:
            if stored[:4] != "ev1." or stored[12:13] != ".":
                raise DecryptError()
            root = keyring.usable("encryption", stored[4:12])
            if root is None:
                raise DecryptError()
            aead = AESGCM(derive_key(root, b"field", table, column))
            return aead.decrypt, _aad_prefix(root.key_id, table, column)

        self.encrypt, self.decrypt = HOT_PATH.bind(
            AESGCM(derive_key(primary, b"field", table, column)).encrypt,
            _aad_prefix(primary.key_id, table, column),
            f"{VERSION}.{primary.key_id}.",
            resolve,
        )

    def __repr__(self) -> str:
        return f"ColumnCipher({self.table}.{self.column}, key {self.key_id})"


class FieldCipher:
    """Encrypts and decrypts cell values with the keyring's encryption roots.

    New values always use the active key; old values decrypt with any key not yet retired."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self.primary_key_id = keyring.active("encryption").key_id
        self._columns: dict[tuple[str, str], ColumnCipher] = {}

    def column(self, table: str, column: str) -> ColumnCipher:
        try:
            return self._columns[table, column]
        except KeyError:
            found = self._columns[table, column] = ColumnCipher(self.keyring, table, column)
            return found

    def encrypt(self, plaintext: str, *, table: str, column: str, row_id: uuid.UUID) -> str:
        return self.column(table, column).encrypt(plaintext, row_id)

    def decrypt(self, stored: str, *, table: str, column: str, row_id: uuid.UUID) -> str:
        return self.column(table, column).decrypt(stored, row_id)
