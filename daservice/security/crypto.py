"""Field encryption: AES-256-GCM with per-column keys and AAD bound to the cell.

Stored form: ``ev1.<8-hex key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``. The AAD binds format
version, key id, table, column and row id, so a value copied to another row or column, or edited,
fails to decrypt. Every failure is one ``DecryptError`` with no detail about the plaintext.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import uuid
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .keyring import Keyring, RootKey

VERSION = "ev1"
NONCE_BYTES = 12
TAG_BYTES = 16
_FORMAT = re.compile(r"ev1\.([0-9a-f]{8})\.([A-Za-z0-9_-]+)")


class DecryptError(Exception):
    """A protected value could not be decrypted (tampered, moved, truncated or unknown key)."""

    def __init__(self, message: str = "protected value could not be decrypted") -> None:
        super().__init__(message)


def derive_key(root: RootKey, purpose: bytes, table: str, column: str) -> bytes:
    """A 256-bit key for one column, domain-separated by purpose, table and column."""
    info = b"daservice\x00" + purpose + b"\x00" + table.encode() + b"\x00" + column.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root.material)


def _aad(key_id: str, table: str, column: str, row_id: uuid.UUID) -> bytes:
    return b"\x00".join(
        (VERSION.encode(), key_id.encode(), table.encode(), column.encode(), row_id.bytes)
    )


def _b64decode_strict(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, ValueError):
        raise DecryptError() from None
    # Reject non-canonical encodings (extra bits in the last character).
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != text:
        raise DecryptError()
    return raw


class FieldCipher:
    """Encrypts and decrypts cell values with the keyring's encryption roots."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._aead = lru_cache(maxsize=1024)(self._make_aead)

    def _make_aead(self, key_id: str, table: str, column: str) -> AESGCM | None:
        root = self.keyring.usable("encryption", key_id)
        if root is None:
            return None
        return AESGCM(derive_key(root, b"field", table, column))

    @property
    def primary_key_id(self) -> str:
        return self.keyring.active("encryption").key_id

    def encrypt(self, plaintext: str, *, table: str, column: str, row_id: uuid.UUID) -> str:
        key_id = self.primary_key_id
        aead = self._aead(key_id, table, column)
        if aead is None:  # cannot happen: the active key is never retired
            raise RuntimeError("active encryption key is unusable")
        nonce = os.urandom(NONCE_BYTES)
        sealed = aead.encrypt(nonce, plaintext.encode("utf-8"), _aad(key_id, table, column, row_id))
        body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{VERSION}.{key_id}.{body}"

    def decrypt(self, stored: str, *, table: str, column: str, row_id: uuid.UUID) -> str:
        match = _FORMAT.fullmatch(stored) if isinstance(stored, str) else None
        if match is None:
            raise DecryptError()
        key_id, body = match.groups()
        raw = _b64decode_strict(body)
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptError()
        aead = self._aead(key_id, table, column)
        if aead is None:
            raise DecryptError()
        try:
            plain = aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(key_id, table, column, row_id)
            )
            return plain.decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            raise DecryptError() from None

    @staticmethod
    def key_id_of(stored: str) -> str | None:
        match = _FORMAT.fullmatch(stored)
        return match.group(1) if match else None
