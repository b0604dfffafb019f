"""Field encryption: AES-256-GCM with per-column keys and AAD bound to the cell.

Stored form: ``ev1.<8-hex key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``. The AAD binds format
version, key id, table, column and row id, so a value copied to another row or column, or edited,
fails to decrypt. Every failure is one ``DecryptError`` with no detail about the plaintext.
"""

from __future__ import annotations

import binascii
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .keyring import Keyring, RootKey

VERSION = "ev1"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptError(Exception):
    """A protected value could not be decrypted (tampered, moved, truncated or unknown key)."""

    def __init__(self, message: str = "protected value could not be decrypted") -> None:
        super().__init__(message)


def derive_key(root: RootKey, purpose: bytes, table: str, column: str) -> bytes:
    """A 256-bit key for one column, domain-separated by purpose, table and column."""
    info = b"daservice\x00" + purpose + b"\x00" + table.encode() + b"\x00" + column.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root.material)


def _aad_prefix(key_id: str, table: str, column: str) -> bytes:
    return b"\x00".join((VERSION.encode(), key_id.encode(), table.encode(), column.encode(), b""))


_urandom = os.urandom
_a2b = binascii.a2b_base64
_b2a = binascii.b2a_base64
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_INDEX = {ch: i for i, ch in enumerate(_ALPHABET)}


def _b64encode(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode()


_PADDING_TEXT = ("", "", "==", "=")
# Last character of an unpadded body: with 2 (or 3) characters in the final group, only 2 (or 4)
# of its 6 bits carry data; a canonical encoding leaves the rest zero.
_CANONICAL_LAST: tuple[frozenset[str], ...] = (
    frozenset(_ALPHABET),
    frozenset(),
    frozenset(c for c in _ALPHABET if not _INDEX[c] & 0x0F),
    frozenset(c for c in _ALPHABET if not _INDEX[c] & 0x03),
)


def _b64decode_strict(text: str) -> bytes:
    """Unpadded base64url, canonical only (unused trailing bits zero, no padding or whitespace)."""
    remainder = len(text) & 3
    if (
        not text
        or text[-1] not in _CANONICAL_LAST[remainder]
        or not text.isascii()
        or "+" in text
        or "/" in text
    ):
        raise DecryptError()
    try:
        return binascii.a2b_base64(
            text.replace("-", "+").replace("_", "/") + _PADDING_TEXT[remainder], strict_mode=True
        )
    except binascii.Error:
        raise DecryptError() from None


class _ColumnKey:
    """The AEAD and the constant part of the AAD for one key and one column."""

    __slots__ = ("aead", "prefix", "aad_prefix")

    def __init__(self, root: RootKey, table: str, column: str) -> None:
        self.aead = AESGCM(derive_key(root, b"field", table, column))
        self.prefix = f"{VERSION}.{root.key_id}."
        self.aad_prefix = _aad_prefix(root.key_id, table, column)


class FieldCipher:
    """Encrypts and decrypts cell values with the keyring's encryption roots.

    This is on every read and write of a protected field, so the hot path is kept short: one
    dictionary lookup for the column key, AES-GCM, and base64."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self.primary_key_id = keyring.active("encryption").key_id
        self._keys: dict[tuple[str, str, str], _ColumnKey] = {}
        self._primary: dict[tuple[str, str], _ColumnKey] = {}

    def _column_key(self, key_id: str, table: str, column: str) -> _ColumnKey | None:
        """The column key for a usable root; None for unknown or retired ids (never cached, so
        a stream of garbage ids cannot grow the cache)."""
        cache_key = (key_id, table, column)
        found = self._keys.get(cache_key)
        if found is None:
            root = self.keyring.usable("encryption", key_id)
            if root is None:
                return None
            found = self._keys[cache_key] = _ColumnKey(root, table, column)
        return found

    def encrypt(self, plaintext: str, *, table: str, column: str, row_id: uuid.UUID) -> str:
        try:
            key = self._primary[table, column]
        except KeyError:
            key = self._primary_column_key(table, column)
        nonce = _urandom(NONCE_BYTES)
        sealed = key.aead.encrypt(nonce, plaintext.encode(), key.aad_prefix + row_id.bytes)
        body = _b2a(nonce + sealed, newline=False).translate(_TO_URLSAFE).rstrip(b"=")
        return key.prefix + body.decode()

    def decrypt(self, stored: str, *, table: str, column: str, row_id: uuid.UUID) -> str:
        # Strict shape: "ev1." + key id + "." + canonical unpadded base64url. Only the keyring's
        # exact (lowercase hex) ids find a key. Every failure is the same DecryptError.
        try:
            if stored[:4] != "ev1." or stored[12:13] != ".":
                raise DecryptError()
            key = self._keys[stored[4:12], table, column]
        except KeyError:
            found = self._column_key(stored[4:12], table, column)
            if found is None:
                raise DecryptError() from None
            key = found
        except TypeError:  # not a string
            raise DecryptError() from None
        body = stored[13:]
        remainder = len(body) & 3
        if (
            body[-1:] not in _CANONICAL_LAST[remainder]
            or not body.isascii()
            or "+" in body
            or "/" in body
        ):
            raise DecryptError()
        try:
            raw = _a2b(
                body.replace("-", "+").replace("_", "/") + _PADDING_TEXT[remainder],
                strict_mode=True,
            )
            if len(raw) < NONCE_BYTES + TAG_BYTES:
                raise DecryptError()
            aad = key.aad_prefix + row_id.bytes
            return key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad).decode()
        except (binascii.Error, InvalidTag, UnicodeDecodeError):
            raise DecryptError() from None

    def _primary_column_key(self, table: str, column: str) -> _ColumnKey:
        key = self._column_key(self.primary_key_id, table, column)
        if key is None:  # cannot happen: the active key is never retired
            raise RuntimeError("active encryption key is unusable")
        self._primary[table, column] = key
        return key
