"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from ..exceptions import DomainError
from ..security.tokens import HumanCode

# A small deny-list of passwords that meet the length rule but are still guessed first.
COMMON = frozenset(
    {
        "password1234",
        "password12345",
        "passwordpassword",
        "123456789012",
        "qwertyuiopas",
        "letmein12345",
        "welcome12345",
        "iloveyou1234",
        "changeme1234",
        "administrator",
        "redbridge123",
        "partnership1",
        "qwerty123456",
        "1234567890ab",
        "abcdefghijkl",
    }
)


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    c = current_app.config
    return _hasher(c["ARGON2_TIME_COST"], c["ARGON2_MEMORY_COST_KIB"], c["ARGON2_PARALLELISM"])


def too_long(password: str) -> bool:
    """Checked before hashing, so an oversized password never reaches argon2."""
    return len(password) > current_app.config["PASSWORD_MAX_LENGTH"]


class PasswordTooLong(DomainError):
    """Longer than ``PASSWORD_MAX_LENGTH`` (forms say so first; this guards argon2)."""


def hash_password(password: str) -> str:
    if too_long(password):
        raise PasswordTooLong("password too long")
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True if it matches. Unknown or corrupt hash formats fail closed."""
    if too_long(password):
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def burn_time(password: str) -> None:
    """Do the same work as a real check, so unknown accounts answer as slowly as known ones."""
    verify_password(_dummy_hash(), password[: current_app.config["PASSWORD_MAX_LENGTH"]])


def _dummy_hash() -> str:
    ext = current_app.extensions
    if "daservice.dummy_hash" not in ext:
        ext["daservice.dummy_hash"] = hasher().hash(secrets.token_urlsafe(16))
    return str(ext["daservice.dummy_hash"])


def policy_problems(password: str, *, email: str = "") -> list[str]:
    """Plain-English reasons a new password is not acceptable (empty list when it is)."""
    c = current_app.config
    problems = []
    if len(password) < c["PASSWORD_MIN_LENGTH"]:
        problems.append(f"Password must be {c['PASSWORD_MIN_LENGTH']} characters or more")
    elif len(password) > c["PASSWORD_MAX_LENGTH"]:
        problems.append(f"Password must be {c['PASSWORD_MAX_LENGTH']} characters or fewer")
    elif password.lower() in COMMON or len(set(password)) < 4:
        problems.append("Password is too easy to guess. Try three or more random words")
    elif email and email.split("@")[0].lower() in password.lower():
        problems.append("Password must not contain your email address")
    return problems


# A password read out or copied from a terminal: no characters read as one another (0/O, 1/I/l),
# 20 symbols of the kernel's unambiguous alphabet in groups of 5 (99 bits).
TEMPORARY_PASSWORD = HumanCode(length=20, group=5, at_least_bits=96)


def temporary_password() -> str:
    """A one-time password the operator of ``flask users create`` hands over; the user must
    change it at first sign-in. (Administrators on the web never see one.)"""
    code, _ = TEMPORARY_PASSWORD.issue()
    return code
