"""Secret tokens, single-use claims and human codes: one place for each, so every feature uses the
same ones.

- **Secret tokens** (API bearer tokens, links sent by email): random, shown once, stored as a
  SHA-256 digest and compared in constant time.
- **Single-use claims** (recovery codes, and later certificates, feedback links and idempotency
  records): one conditional ``UPDATE``, so two requests racing with the same value cannot both win.
- **Human codes** (recovery codes, certificate codes): read aloud, typed from paper, so drawn from
  an alphabet without look-alikes and printed in groups; each kind states its strength in bits.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from ..extensions import db, utcnow

TOKEN_BYTES = 32  # 256 bits from the kernel's random source


# --- Secret tokens ----------------------------------------------------------------------------


def new_token(prefix: str = "", nbytes: int = TOKEN_BYTES) -> str:
    """A random URL-safe token. The prefix (``"das_"`` for API tokens) lets a leaked token be
    recognised by secret scanners and by whoever finds it; it adds no strength."""
    return prefix + secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """The digest stored in place of a token (hex SHA-256).

    A fast, unsalted hash is right here and wrong for passwords: a token carries 256 random bits
    (a human code at least 59), so a stolen digest cannot be reversed by guessing, and a slow hash
    would only add its cost to every request. Being deterministic, the digest is also what the
    database indexes, so a token is found by one indexed lookup."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def verify_token(token: str, stored_hash: str) -> bool:
    """Whether ``token`` is the one whose digest was stored, compared in constant time so the
    time taken says nothing about how much of it matched."""
    return hmac.compare_digest(hash_token(token), stored_hash)


# --- Single-use claims ------------------------------------------------------------------------


class AmbiguousClaim(RuntimeError):
    """A claim's conditions matched more than one row: a programming error, never user input."""


def conditional_update(entity: Any, *where: Any, values: dict[str, Any]) -> bool:
    """``UPDATE entity SET values WHERE where``, in the caller's transaction; True if it changed
    exactly one row.

    The condition is checked and the row changed in one statement, which the database runs
    atomically: PostgreSQL makes a second writer wait for the first's row lock and then re-checks
    the condition against the committed row; SQLite has one writer at a time. So of two requests
    racing for the same row, only one is told True. Loaded objects are not refreshed.
    """
    result = db.session.execute(
        sa.update(entity).where(*where).values(values).execution_options(synchronize_session=False)
    )
    changed = int(result.rowcount)  # type: ignore[attr-defined]
    if changed > 1:
        raise AmbiguousClaim(f"a single-row update matched {changed} rows")
    return changed == 1


def claim_once(
    column: InstrumentedAttribute[datetime | None], *where: Any, at: datetime | None = None
) -> bool:
    """Use up a single-use row: set its timestamp ``column`` (``used_at``, ``redeemed_at``) where
    ``where`` holds and the column is still empty. True for the one caller that claimed it; False
    if it was already used or no row matched. The caller commits (or rolls back) as usual."""
    return conditional_update(
        column.class_, *where, column.is_(None), values={column.key: at or utcnow()}
    )


# --- Human codes ------------------------------------------------------------------------------

# Digits and capitals without the characters read or typed as one another: 0/O and 1/I/L.
# (Crockford's base32 keeps 0 and 1 and reads O and I/L as them; we drop all five, so no code
# depends on anyone knowing that rule.) 31 symbols: log2(31) = 4.95 bits per character.
UNAMBIGUOUS_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUP_SEPARATOR = "-"


@dataclass(frozen=True)
class HumanCode:
    """A kind of code people read and type: ``length`` symbols from ``alphabet``, printed in
    groups of ``group`` (``K7QM-9RXD-2HFT``). ``at_least_bits`` is the strength it promises; a
    kind too short to keep that promise cannot be made."""

    length: int
    group: int
    at_least_bits: float
    alphabet: str = UNAMBIGUOUS_ALPHABET

    def __post_init__(self) -> None:
        if len(set(self.alphabet)) != len(self.alphabet):
            raise ValueError("alphabet has repeated symbols")
        if self.bits < self.at_least_bits:
            raise ValueError(
                f"{self.length} symbols give {self.bits:.1f} bits, not {self.at_least_bits}"
            )

    @property
    def bits(self) -> float:
        """Entropy of one code drawn uniformly: length × log2(alphabet size)."""
        return self.length * math.log2(len(self.alphabet))

    def issue(self) -> tuple[str, str]:
        """A fresh code from the kernel's random source, formatted for people, and the digest to
        store in its place."""
        compact = "".join(secrets.choice(self.alphabet) for _ in range(self.length))
        return self.format(compact), hash_token(compact)

    def format(self, compact: str) -> str:
        """``K7QM9RXD2HFT`` → ``K7QM-9RXD-2HFT``."""
        return GROUP_SEPARATOR.join(
            compact[i : i + self.group] for i in range(0, len(compact), self.group)
        )

    def normalise(self, typed: str) -> str | None:
        """The compact code someone meant, or None if what they typed is not a code of this kind.

        Forgiving where people are: lower case, spaces, and hyphens missing, doubled or misplaced
        (including the dashes a PDF viewer pastes). Strict everywhere else: any other character,
        a look-alike left out of the alphabet, or the wrong length is refused rather than guessed.
        """
        kept = []
        for char in typed:
            if char.isspace() or unicodedata.category(char) == "Pd":  # Pd: hyphens and dashes
                continue
            upper = char.upper()
            if not char.isascii() or upper not in self.alphabet:
                return None
            kept.append(upper)
        return "".join(kept) if len(kept) == self.length else None

    def digest(self, typed: str) -> str | None:
        """The stored form of a typed code (SHA-256 of its compact form), or None if it is not a
        code of this kind. Spelling differences never change the digest."""
        compact = self.normalise(typed)
        return None if compact is None else hash_token(compact)


# Sizes, stated. MFA recovery codes keep the size they were issued with (12 symbols, 59.45 bits):
# each is a second factor behind the password, works once, and sign-in attempts are rate-limited.
RECOVERY_CODE = HumanCode(length=12, group=4, at_least_bits=59)
# Certificate codes are public lookups, checked by anyone with the verify page: 16 symbols,
# 79.27 bits (12 of this alphabet would be 59.45, short of the 60 DESIGN.md asks for).
CERTIFICATE_CODE = HumanCode(length=16, group=4, at_least_bits=60)
