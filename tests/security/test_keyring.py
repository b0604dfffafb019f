"""The keyring refuses missing, short, duplicated or reused keys."""

from __future__ import annotations

import base64
import copy
import json
import os

import pytest

from daservice import create_app
from daservice.security import keyring


def _doc():
    return keyring.generate_document()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize("purpose", keyring.PURPOSES)
def test_missing_purpose_is_refused(purpose):
    doc = _doc()
    del doc[purpose]
    with pytest.raises(keyring.KeyringError, match=purpose):
        keyring.Keyring(doc)


def test_short_key_is_refused():
    doc = _doc()
    doc["encryption"][0]["key"] = _b64(os.urandom(16))
    with pytest.raises(keyring.KeyringError, match="32 bytes"):
        keyring.Keyring(doc)


def test_same_key_for_two_purposes_is_refused():
    doc = _doc()
    doc["blind_index"][0]["key"] = doc["encryption"][0]["key"]
    with pytest.raises(keyring.KeyringError, match="reuses"):
        keyring.Keyring(doc)


def test_duplicate_key_id_is_refused():
    doc = _doc()
    doc["audit"][0]["id"] = doc["encryption"][0]["id"]
    with pytest.raises(keyring.KeyringError, match="used twice"):
        keyring.Keyring(doc)


def test_key_equal_to_the_secret_key_is_refused():
    doc = _doc()
    secret = os.urandom(32)
    doc["audit"][0]["key"] = _b64(secret)
    with pytest.raises(keyring.KeyringError, match="reuses"):
        keyring.Keyring(doc, other_secrets=(secret,))


def test_exactly_one_active_key_per_purpose():
    doc = _doc()
    doc["encryption"][0]["status"] = "decrypt-only"
    with pytest.raises(keyring.KeyringError, match="exactly one active"):
        keyring.Keyring(doc)
    doc = _doc()
    doc["encryption"].append(keyring.new_root(taken={"x"}))
    with pytest.raises(keyring.KeyringError, match="exactly one active"):
        keyring.Keyring(doc)


def test_keys_file_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "keys.json"
    keyring.write_document(path, _doc())
    os.chmod(path, 0o644)
    with pytest.raises(keyring.KeyringError, match="chmod 600"):
        keyring.read_document(path)


def test_app_refuses_to_start_with_bad_keys(base_config):
    doc = _doc()
    doc["encryption"][0]["key"] = "too-short"
    with pytest.raises(keyring.KeyringError):
        create_app(dict(base_config, KEYS_JSON=json.dumps(doc)))


def test_key_material_never_appears_in_repr():
    doc = _doc()
    ring = keyring.Keyring(copy.deepcopy(doc))
    text = repr(ring) + repr(ring.active("encryption"))
    assert doc["encryption"][0]["key"] not in text


def test_junk_characters_in_a_key_are_refused():
    doc = _doc()
    doc["encryption"][0]["key"] = (
        doc["encryption"][0]["key"][:10] + "!*" + doc["encryption"][0]["key"][10:]
    )
    with pytest.raises(keyring.KeyringError, match="not base64url"):
        keyring.Keyring(doc)
