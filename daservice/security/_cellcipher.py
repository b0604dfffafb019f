"""The hot path of field encryption: the stored form, nonces and base64url around AES-GCM.

Every read and write of a protected field runs these two functions, so they are compiled to C with
mypyc when daservice is installed (``setup.py``); the same source runs interpreted where it was not
built, with identical results (``tests/security/test_cellcipher.py`` checks the two against each
other and that an installed build is not older than this file). Keys, key ids and associated data
come from ``crypto.py``; this module only knows how a sealed value is laid out:

    ``ev1.<8-hex key id>.<base64url(nonce ‖ ciphertext ‖ tag), unpadded>``

It imports nothing from daservice so that it compiles on its own.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Callable
from uuid import UUID

from cryptography.exceptions import InvalidTag

NONCE_BYTES = 12
HEAD = 13  # len("ev1.") + 8 hex digits + "."

Seal = Callable[[bytes, bytes, bytes], bytes]  # AESGCM.encrypt / .decrypt: (nonce, data, aad)
Opener = tuple[Seal, bytes]  # a key's AES-GCM decrypt and the constant start of its AAD
Encrypt = Callable[[str, UUID], str]
Decrypt = Callable[[object, UUID], str]


class DecryptError(Exception):
    """A protected value could not be decrypted (tampered, moved, truncated or unknown key)."""

    def __init__(self, message: str = "protected value could not be decrypted") -> None:
        super().__init__(message)


# Nonces: 96 random bits from the kernel for every write, drawn 512 at a time because a getrandom
# call costs more than the AES-GCM it feeds. Nonces are public (they are stored in front of the
# ciphertext); what matters is that none is ever used twice, so: list.pop is atomic under the GIL
# (two threads never get the same one), and a forked child drops what its parent had drawn.
_NONCE_BATCH = 512
_nonces: list[bytes] = []


def _draw_nonces() -> bytes:
    block = os.urandom(NONCE_BYTES * _NONCE_BATCH)
    _nonces.extend(
        [block[i : i + NONCE_BYTES] for i in range(NONCE_BYTES, len(block), NONCE_BYTES)]
    )
    return block[:NONCE_BYTES]


def _forget_nonces() -> None:
    _nonces.clear()


os.register_at_fork(after_in_child=_forget_nonces)

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_INDEX = {ch: i for i, ch in enumerate(_ALPHABET)}
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
# Decoding maps the URL-safe alphabet back and turns the standard alphabet's own "+" and "/" into
# "!", which strict decoding refuses: one C pass instead of four string scans.
_FROM_URLSAFE = bytes.maketrans(b"-_+/", b"+/!!")
_PADDING = (b"", b"", b"==", b"=")
# Last character of an unpadded body: with 2 (or 3) characters in the final group, only 2 (or 4)
# of its 6 bits carry data; a canonical encoding leaves the rest zero.
_CANONICAL_LAST: tuple[frozenset[str], ...] = (
    frozenset(_ALPHABET),
    frozenset(),
    frozenset(c for c in _ALPHABET if not _INDEX[c] & 0x0F),
    frozenset(c for c in _ALPHABET if not _INDEX[c] & 0x03),
)


def bind(
    seal: Seal, seal_aad: bytes, head: str, resolve: Callable[[str], Opener]
) -> tuple[Encrypt, Decrypt]:
    """Encrypt and decrypt for one column.

    ``seal`` is the active key's AES-GCM encrypt, ``seal_aad`` the constant start of its
    associated data (the row id's 16 bytes follow), ``head`` its ``ev1.<key id>.``; ``resolve``
    turns another value's head into that key's opener or raises ``DecryptError`` (only usable keys
    are remembered, so a stream of garbage values cannot grow the table).

    Decryption is strict: ``ev1.`` + the exact (lowercase hex) id of a usable key + ``.`` +
    canonical unpadded base64url; any other shape, and any authentication failure, is the same
    ``DecryptError``."""
    if len(head) != HEAD:
        raise ValueError("a stored value's head is ev1.<8 hex>.")
    known: dict[str, Opener] = {}
    pop, draw, b2a, a2b = _nonces.pop, _draw_nonces, binascii.b2a_base64, binascii.a2b_base64
    to_urlsafe, from_urlsafe = _TO_URLSAFE, _FROM_URLSAFE
    padding, canonical = _PADDING, _CANONICAL_LAST

    def encrypt(plaintext: str, row_id: UUID) -> str:
        try:
            nonce = pop()
        except IndexError:
            nonce = draw()
        sealed = seal(nonce, plaintext.encode(), seal_aad + row_id.int.to_bytes(16, "big"))
        # translate() maps to the URL-safe alphabet and drops padding and newline in one pass
        return head + b2a(nonce + sealed).translate(to_urlsafe, b"=\n").decode()

    def decrypt(stored: object, row_id: UUID) -> str:
        if not isinstance(stored, str):
            raise DecryptError()
        key = stored[:HEAD]
        opener = known.get(key)
        if opener is None:
            opener = known[key] = resolve(stored)
        open_, aad = opener
        body = stored[HEAD:]
        remainder = len(body) & 3
        if stored[-1] not in canonical[remainder]:  # an empty body ends in ".": refused
            raise DecryptError()
        try:
            raw = a2b(
                body.encode("ascii").translate(from_urlsafe) + padding[remainder],
                strict_mode=True,
            )
            return open_(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad + row_id.int.to_bytes(16, "big")
            ).decode()
        except (UnicodeError, ValueError, binascii.Error, InvalidTag):
            # short, non-base64, tampered, moved, not UTF-8: all the same
            raise DecryptError() from None

    return encrypt, decrypt
