"""Blind indexes: keyed, truncated HMACs of normalised values, for finding a person without
decrypting everyone.

Sizing follows the CipherSweet guidance: for an expected population R, an index of L bits should
leave R / 2^L >= 2 people sharing each index value, so no index value singles anyone out; we take
the largest such L, which keeps false candidates (to be filtered by decrypting) to about two per
index per lookup. The key for each index is derived from the blind-index root with HKDF, so indexes
cannot be compared with each other or with anything outside daservice.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date

from .crypto import derive_key
from .keyring import Keyring, RootKey

# Features register functions that rebuild their index rows (``flask keys reindex`` calls them).
REINDEXERS: list[Callable[[Callable[[int, int], None] | None], int]] = []


def bits_for_population(population: int) -> int:
    """The CipherSweet-sized index length: the largest L with population / 2**L >= 2."""
    if population < 4:
        return 1
    return max(1, math.floor(math.log2(population / 2)))


def normalise_text(value: str) -> str:
    """Case, spacing, punctuation and accents removed: "O'Brien-Smyth " -> "obriensmyth"."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", stripped.casefold())


def normalise_phone(value: str) -> str:
    """UK numbers in any common spelling to one form: "+44 (0)7700 900123" -> "07700900123"."""
    digits = re.sub(r"\D", "", value)
    if digits.startswith("440"):
        digits = "0" + digits[3:]
    elif digits.startswith("44"):
        digits = "0" + digits[2:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    return digits


def normalise_postcode(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", value.upper())


def normalise_date(value: date) -> str:
    return value.isoformat()


class BlindIndexer:
    """Computes index values for named indexes under each usable blind-index root."""

    def __init__(self, keyring: Keyring, bits: int) -> None:
        self.keyring = keyring
        self.bits = bits
        self._keys: dict[tuple[str, str], bytes] = {}

    def _key(self, root: RootKey, name: str) -> bytes:
        cache_key = (root.key_id, name)
        if cache_key not in self._keys:
            self._keys[cache_key] = derive_key(root, b"blind-index", "person_index", name)
        return self._keys[cache_key]

    def value(self, name: str, normalised: str, root: RootKey | None = None) -> str:
        """The truncated HMAC, as hex, of one normalised value under ``root`` (default: active)."""
        root = root or self.keyring.active("blind_index")
        digest = hmac.new(
            self._key(root, name), normalised.encode("utf-8"), hashlib.sha256
        ).digest()
        as_int = int.from_bytes(digest[:8], "big") >> (64 - self.bits)
        return f"{as_int:x}"

    def lookup_values(self, name: str, normalised: str) -> list[tuple[str, str]]:
        """(key id, value) under every root still in use, for searching during a re-index."""
        return [
            (root.key_id, self.value(name, normalised, root))
            for root in self.keyring.roots("blind_index")
            if root.status != "retired"
        ]

    @property
    def active_key_id(self) -> str:
        return self.keyring.active("blind_index").key_id
