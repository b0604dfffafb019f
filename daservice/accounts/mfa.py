"""TOTP (RFC 6238) with replay protection. (Recovery codes: ``security.tokens.RECOVERY_CODE``.)"""

from __future__ import annotations

import hmac
import re
import time

import pyotp
import segno

STEP_SECONDS = 30
DRIFT_STEPS = 1  # accept the previous and next 30-second code for clock drift
CODE = re.compile(r"[0-9]{6}")  # ASCII only: compare_digest refuses other characters


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code equals ``code`` within the drift window, or None (also for
    anything but six ASCII digits, which no step's code can equal)."""
    if not CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int((now if now is not None else time.time()) // STEP_SECONDS)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def code_at(secret: str, now: float | None = None) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).at(now if now is not None else time.time())


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer
    )


def qr_data_uri(uri: str) -> str:
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def grouped_secret(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
