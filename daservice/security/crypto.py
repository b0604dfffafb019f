"""Field encryption: AES-256-GCM with per-column keys and AAD bound to the cell.

Stored form: ``ev1.<8-hex key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``. The AAD binds format
version, key id, table, column and row id, so a value copied to another row or column, or edited,
fails to decrypt. Every failure is one ``DecryptError`` with no detail about the plaintext.
"""

from __future__ import annotations

import binascii
import os
import uuid
from typing import Any

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
# Decoding maps the URL-safe alphabet back and turns the standard alphabet's own "+" and "/" into
# "!", which strict decoding refuses: one C pass instead of four string scans.
_FROM_URLSAFE = bytes.maketrans(b"-_+/", b"+/!!")
_PADDING = (b"", b"", b"==", b"=")

# Nonces: 96 random bits from the kernel for every write, drawn 512 at a time because a getrandom
# call costs more than the AES-GCM it feeds. Nonces are public (they are stored in front of the
# ciphertext); what matters is that none is ever used twice, so: list.pop is atomic under the GIL
# (two threads never get the same one), and a forked child drops what its parent had drawn.
_NONCE_BATCH = 512
_nonces: list[bytes] = []


def _draw_nonces() -> bytes:
    block = _urandom(NONCE_BYTES * _NONCE_BATCH)
    _nonces.extend(
        [block[i : i + NONCE_BYTES] for i in range(NONCE_BYTES, len(block), NONCE_BYTES)]
    )
    return block[:NONCE_BYTES]


def _forget_nonces() -> None:
    _nonces.clear()


os.register_at_fork(after_in_child=_forget_nonces)

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_INDEX = {ch: i for i, ch in enumerate(_ALPHABET)}


# Last character of an unpadded body: with 2 (or 3) characters in the final group, only 2 (or 4)
# of its 6 bits carry data; a canonical encoding leaves the rest zero.
_CANONICAL_LAST: tuple[frozenset[str], ...] = (
    frozenset(_ALPHABET),
    frozenset(),
    frozenset(c for c in _ALPHABET if not _INDEX[c] & 0x0F),
    frozenset(c for c in _ALPHABET if not _INDEX[c] & 0x03),
)
_FAILURES = (UnicodeError, ValueError, binascii.Error, InvalidTag)


class ColumnCipher:
    """Encrypt and decrypt for one column: what a protected field calls on every read and write.

    The hot path is one dictionary lookup, AES-GCM and base64 in C, with everything else bound
    once here. Decryption is strict: the value must be ``ev1.`` + the exact (lowercase hex) id of
    a usable key + ``.`` + canonical unpadded base64url; any other shape, and any authentication
    failure, is the same ``DecryptError``."""

    __slots__ = ("table", "column", "key_id", "encrypt", "decrypt")

    def __init__(self, keyring: Keyring, table: str, column: str) -> None:
        self.table = table
        self.column = column
        primary = keyring.active("encryption")
        self.key_id = primary.key_id
        # "ev1.<key id>." -> (AES-GCM decrypt, constant AAD prefix); only usable keys enter, so
        # a stream of garbage values cannot grow it.
        known: dict[str, tuple[Any, bytes]] = {}

        def key_for(stored: str) -> tuple[Any, bytes]:
            if stored[:4] != "ev1." or stored[12:13] != ".":
                raise DecryptError()
            root = keyring.usable("encryption", stored[4:12])
            if root is None:
                raise DecryptError()
            aead = AESGCM(derive_key(root, b"field", table, column))
            found = known[stored[:13]] = (aead.decrypt, _aad_prefix(root.key_id, table, column))
            return found

        seal = AESGCM(derive_key(primary, b"field", table, column)).encrypt
        seal_aad = _aad_prefix(primary.key_id, table, column)
        prefix = f"{VERSION}.{primary.key_id}."
        pop, draw, b2a, to_urlsafe = _nonces.pop, _draw_nonces, _b2a, _TO_URLSAFE
        a2b, from_urlsafe, padding, canonical = _a2b, _FROM_URLSAFE, _PADDING, _CANONICAL_LAST
        failures, to_bytes = _FAILURES, int.to_bytes  # int.to_bytes(16): UUID.bytes, twice as fast

        def encrypt(plaintext: str, row_id: uuid.UUID) -> str:
            try:
                nonce = pop()
            except IndexError:
                nonce = draw()
            sealed = seal(nonce, plaintext.encode(), seal_aad + to_bytes(row_id.int, 16))
            # translate() maps to the URL-safe alphabet and drops padding and newline in one pass
            return prefix + b2a(nonce + sealed).translate(to_urlsafe, b"=\n").decode()

        def decrypt(stored: str, row_id: uuid.UUID) -> str:
            try:
                open_, aad = known[stored[:13]]
            except KeyError:
                open_, aad = key_for(stored)
            except TypeError:  # not a string
                raise DecryptError() from None
            body = stored[13:]
            remainder = len(body) & 3
            if stored[-1] not in canonical[remainder]:  # an empty body ends in ".": refused
                raise DecryptError()
            try:
                raw = a2b(
                    body.encode("ascii").translate(from_urlsafe) + padding[remainder],
                    strict_mode=True,
                )
                return open_(
                    raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad + to_bytes(row_id.int, 16)
                ).decode()
            except failures:  # short, non-base64, tampered, moved, not UTF-8: all the same
                raise DecryptError() from None

        self.encrypt = encrypt
        self.decrypt = decrypt

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
