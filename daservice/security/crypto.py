"""Field encryption: AES-256-GCM with per-column keys and AAD bound to the cell.

Stored form: ``ev1.<8-hex key id>.<base64url(nonce ‖ ciphertext ‖ tag), unpadded>``. The AAD binds
format version, key id, table, column and row id, so a value copied to another row or column, or
edited, fails to decrypt. Every failure is one ``DecryptError`` with no detail about the plaintext.
"""

from __future__ import annotations

import base64
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .keyring import Keyring, RootKey

__all__ = ["ColumnCipher", "DecryptError", "FieldCipher", "derive_key"]

VERSION = "ev1"
NONCE_BYTES = 12
TAG_BYTES = 16
HEAD_LENGTH = len("ev1.") + 8 + len(".")  # "ev1.<8-hex key id>."


class DecryptError(Exception):
    """A protected value could not be decrypted (tampered, moved, truncated or unknown key)."""

    def __init__(self, message: str = "protected value could not be decrypted") -> None:
        super().__init__(message)


def derive_key(root: RootKey, purpose: bytes, table: str, column: str) -> bytes:
    """A 256-bit key for one column, domain-separated by purpose, table and column."""
    info = b"daservice\x00" + purpose + b"\x00" + table.encode() + b"\x00" + column.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root.material)


def _aad_prefix(key_id: str, table: str, column: str) -> bytes:
    """The constant start of a cell's associated data; the row id's 16 bytes follow it."""
    return b"\x00".join((VERSION.encode(), key_id.encode(), table.encode(), column.encode(), b""))


def _encode_body(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode_body(body: str) -> bytes:
    """The bytes of a stored body, accepting only the one spelling ``_encode_body`` writes.

    Python's decoder is lenient (it skips characters outside the alphabet, reads ``+`` and ``/``
    as well as ``-`` and ``_``, ignores unused trailing bits), so a tampered body could otherwise
    spell the same bytes another way. Encoding the result again and requiring the input back makes
    the parser strict: canonical, unpadded base64url and nothing else."""
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:  # binascii.Error, or a character outside ASCII
        raise DecryptError() from None
    if _encode_body(raw) != body:
        raise DecryptError()
    return raw


class ColumnCipher:
    """Encrypt and decrypt for one column: what a protected field calls on every read and write.

    ``encrypt(plaintext, row_id)`` seals with the active key; ``decrypt(stored, row_id)`` opens a
    value sealed with any usable key. Keys and associated data are derived once per column and
    key, not per value."""

    __slots__ = ("table", "column", "key_id", "_keyring", "_head", "_aead", "_aad", "_openers")

    def __init__(self, keyring: Keyring, table: str, column: str) -> None:
        self.table = table
        self.column = column
        primary = keyring.active("encryption")
        self.key_id = primary.key_id
        self._keyring = keyring
        self._head = f"{VERSION}.{primary.key_id}."
        self._aead = AESGCM(derive_key(primary, b"field", table, column))
        self._aad = _aad_prefix(primary.key_id, table, column)
        # Keys for reading, by a stored value's head. Only usable keys are added, so a stream of
        # garbage values cannot grow it.
        self._openers: dict[str, tuple[AESGCM, bytes]] = {}

    def encrypt(self, plaintext: str, row_id: uuid.UUID) -> str:
        """``plaintext`` sealed to this column and row under the active key."""
        # A fresh random 96-bit nonce per value, straight from the kernel: nothing is kept
        # between calls, so no thread or forked process can ever reuse one.
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), self._aad + row_id.bytes)
        return self._head + _encode_body(nonce + sealed)

    def decrypt(self, stored: object, row_id: uuid.UUID) -> str:
        """The plaintext of a value stored in this column and row, or ``DecryptError``.

        Strict: ``ev1.`` + the exact (lowercase hex) id of a usable key + ``.`` + canonical
        unpadded base64url of at least a nonce and a tag; any other shape, and any
        authentication failure, is the same ``DecryptError``."""
        if not isinstance(stored, str):
            raise DecryptError()
        aead, aad = self._opener(stored[:HEAD_LENGTH])
        raw = _decode_body(stored[HEAD_LENGTH:])
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptError()
        try:
            opened = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad + row_id.bytes)
            return opened.decode()
        except (InvalidTag, UnicodeDecodeError):  # edited, moved to another cell, or not ours
            raise DecryptError() from None

    def _opener(self, head: str) -> tuple[AESGCM, bytes]:
        found = self._openers.get(head)
        if found is None:
            if len(head) != HEAD_LENGTH or head[:4] != f"{VERSION}." or head[-1] != ".":
                raise DecryptError()
            root = self._keyring.usable("encryption", head[4:-1])
            if root is None:
                raise DecryptError()
            aead = AESGCM(derive_key(root, b"field", self.table, self.column))
            found = self._openers[head] = (aead, _aad_prefix(root.key_id, self.table, self.column))
        return found

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
        """The cipher for one column, made on first use."""
        found = self._columns.get((table, column))
        if found is None:
            found = self._columns[table, column] = ColumnCipher(self.keyring, table, column)
        return found

    def encrypt(self, plaintext: str, *, table: str, column: str, row_id: uuid.UUID) -> str:
        return self.column(table, column).encrypt(plaintext, row_id)

    def decrypt(self, stored: str, *, table: str, column: str, row_id: uuid.UUID) -> str:
        return self.column(table, column).decrypt(stored, row_id)
