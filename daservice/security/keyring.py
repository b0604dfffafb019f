"""Versioned root keys, loaded from ``instance/keys.json`` or ``KEYS_JSON``; never created at boot.

The file holds separate roots per purpose. Each root has a 32-bit id (8 hex digits) and a status:
``active`` (the one used for new writes; exactly one per purpose), ``decrypt-only`` (still read),
``retired`` (refused). ``flask keys init`` creates the file; nothing else writes it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_BYTES = 32
PURPOSES = ("encryption", "blind_index", "audit")
STATUSES = ("active", "decrypt-only", "retired")


class KeyringError(RuntimeError):
    """The keys are missing, malformed or unsafe; the app refuses to start."""


@dataclass(frozen=True)
class RootKey:
    key_id: str
    material: bytes
    status: str

    def __repr__(self) -> str:  # never show key material
        return f"RootKey(id={self.key_id}, status={self.status})"


def _b64decode(value: str) -> bytes:
    """Strict base64url: any character outside the alphabet is an error, not silently dropped."""
    padded = value + "=" * (-len(value) % 4)
    standard = padded.replace("-", "+").replace("_", "/")
    if "+" in value or "/" in value:
        raise ValueError("not base64url")
    return base64.b64decode(standard.encode("ascii"), validate=True)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def new_root(status: str = "active", taken: set[str] | None = None) -> dict[str, str]:
    """A fresh random root key entry with an id not already in ``taken``."""
    taken = taken or set()
    while True:
        key_id = secrets.token_hex(4)
        if key_id not in taken:
            return {
                "id": key_id,
                "key": _b64encode(secrets.token_bytes(KEY_BYTES)),
                "status": status,
            }


def generate_document() -> dict[str, Any]:
    """A complete new keys document: one active root per purpose."""
    taken: set[str] = set()
    doc: dict[str, Any] = {"format": 1}
    for purpose in PURPOSES:
        entry = new_root(taken=taken)
        taken.add(entry["id"])
        doc[purpose] = [entry]
    return doc


class Keyring:
    """All root keys, by purpose. Validated on construction."""

    def __init__(self, document: dict[str, Any], *, other_secrets: tuple[bytes, ...] = ()) -> None:
        if not isinstance(document, dict) or document.get("format") != 1:
            raise KeyringError('keys document must be a JSON object with "format": 1')
        self._roots: dict[str, dict[str, RootKey]] = {}
        self._active: dict[str, RootKey] = {}
        seen_material: set[bytes] = set(other_secrets)
        seen_ids: set[str] = set()
        for purpose in PURPOSES:
            entries = document.get(purpose)
            if not isinstance(entries, list) or not entries:
                raise KeyringError(f"no {purpose} key")
            roots: dict[str, RootKey] = {}
            for entry in entries:
                root = self._parse(purpose, entry)
                if root.key_id in seen_ids:
                    raise KeyringError(f"key id {root.key_id} is used twice")
                if root.material in seen_material:
                    raise KeyringError(f"{purpose} key {root.key_id} reuses another key or secret")
                seen_ids.add(root.key_id)
                seen_material.add(root.material)
                roots[root.key_id] = root
            active = [r for r in roots.values() if r.status == "active"]
            if len(active) != 1:
                raise KeyringError(
                    f"exactly one active {purpose} key is required, found {len(active)}"
                )
            self._roots[purpose] = roots
            self._active[purpose] = active[0]

    @staticmethod
    def _parse(purpose: str, entry: Any) -> RootKey:
        if not isinstance(entry, dict):
            raise KeyringError(f"{purpose}: each key must be an object")
        key_id, raw, status = entry.get("id"), entry.get("key"), entry.get("status")
        if not isinstance(key_id, str) or len(key_id) != 8 or key_id.strip("0123456789abcdef"):
            raise KeyringError(f"{purpose}: key id must be 8 lowercase hex digits")
        if status not in STATUSES:
            raise KeyringError(
                f"{purpose} key {key_id}: status must be one of {', '.join(STATUSES)}"
            )
        try:
            material = _b64decode(str(raw))
        except (ValueError, TypeError):
            raise KeyringError(f"{purpose} key {key_id}: not base64url") from None
        if len(material) != KEY_BYTES:
            raise KeyringError(f"{purpose} key {key_id}: must be {KEY_BYTES} bytes")
        return RootKey(key_id, material, status)

    def active(self, purpose: str) -> RootKey:
        return self._active[purpose]

    def usable(self, purpose: str, key_id: str) -> RootKey | None:
        """The root with this id if it may still decrypt or verify, else None."""
        root = self._roots[purpose].get(key_id)
        if root is None or root.status == "retired":
            return None
        return root

    def roots(self, purpose: str) -> list[RootKey]:
        return list(self._roots[purpose].values())

    def __repr__(self) -> str:
        return "Keyring(" + ", ".join(f"{p}={self._active[p].key_id}" for p in PURPOSES) + ")"


def read_document(path: Path) -> dict[str, Any]:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyringError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
    try:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise KeyringError(f"{path} is not valid JSON (line {exc.lineno})") from None
    return doc


def write_document(path: Path, document: dict[str, Any], *, overwrite: bool = False) -> None:
    """Write atomically with mode 0600. Refuses to replace an existing file unless ``overwrite``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not overwrite:
        raise KeyringError(f"{path} already exists; refusing to overwrite keys")
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(document, fh, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load(config: Any) -> Keyring:
    """The keyring from ``KEYS_JSON`` (environment / secret manager) or ``KEYS_FILE``."""
    other = tuple(s.encode() if isinstance(s, str) else s for s in (config.get("SECRET_KEY"),) if s)
    raw = config.get("KEYS_JSON")
    if raw:
        try:
            document = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            raise KeyringError("KEYS_JSON is not valid JSON") from None
    else:
        path = Path(config["KEYS_FILE"])
        if not path.exists():
            raise KeyringError(
                f"no keys at {path}: run `flask --app daservice keys init` (make run does this)"
            )
        document = read_document(path)
    return Keyring(document, other_secrets=other)
