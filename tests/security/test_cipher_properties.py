"""The field cipher's properties, over many generated values: what it seals opens again in the
same cell and nowhere else, the stored form is exactly the documented one, and every edited,
moved or malformed value is refused with the same ``DecryptError``."""

from __future__ import annotations

import base64
import os
import re
import string
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daservice.security import keyring
from daservice.security.crypto import ColumnCipher, DecryptError, derive_key

# Ids with letters, so that a capitalised spelling really differs.
OLD_ID, NEW_ID = "0a1b2c3d", "9e8f7a6b"
OLD_ROOT, NEW_ROOT = keyring.new_root(), keyring.new_root()
OLD_ROOT["id"], NEW_ROOT["id"] = OLD_ID, NEW_ID


def _ring(old_status: str, new_status: str | None) -> keyring.Keyring:
    document = keyring.generate_document()
    document["encryption"] = [{**OLD_ROOT, "status": old_status}]
    if new_status:
        document["encryption"].append({**NEW_ROOT, "status": new_status})
    return keyring.Keyring(document)


# The same two roots before and after a rotation: values sealed before it must still open.
BEFORE = ColumnCipher(_ring("active", None), "people", "address")
AFTER = ColumnCipher(_ring("decrypt-only", "active"), "people", "address")
ROW = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
BODY = re.compile(r"[A-Za-z0-9_-]+")
ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def _root(entry: dict[str, str]) -> keyring.RootKey:
    return keyring.RootKey(entry["id"], base64.urlsafe_b64decode(entry["key"] + "="), "active")


def _aad(key_id: str, row: uuid.UUID, table: str = "people", column: str = "address") -> bytes:
    """The associated data as docs/security.md states it: version, key id, table, column, row."""
    return b"\x00".join([b"ev1", key_id.encode(), table.encode(), column.encode(), row.bytes])


def _open_by_hand(stored: str, row: uuid.UUID) -> str:
    """Read a stored value from its documented form alone, without daservice's parser."""
    version, key_id, body = stored.split(".")
    assert version == "ev1" and key_id == NEW_ID and BODY.fullmatch(body)
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    aead = AESGCM(derive_key(_root(NEW_ROOT), b"field", "people", "address"))
    return aead.decrypt(raw[:12], raw[12:], _aad(key_id, row)).decode()


def _seal_by_hand(text: str, row: uuid.UUID) -> str:
    """A value in the documented form, sealed with the old key without daservice's code."""
    nonce = os.urandom(12)
    aead = AESGCM(derive_key(_root(OLD_ROOT), b"field", "people", "address"))
    sealed = aead.encrypt(nonce, text.encode(), _aad(OLD_ID, row))
    return f"ev1.{OLD_ID}." + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


REFUSED = ("refused", DecryptError)  # the one answer to anything not sealed for this cell


def _outcome(stored: object, row: uuid.UUID, cipher: ColumnCipher = AFTER) -> tuple[str, object]:
    try:
        return ("opened", cipher.decrypt(stored, row))
    except Exception as error:  # noqa: BLE001 - which exception it is, is what is checked
        return ("refused", type(error))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300), row=st.uuids())
def test_what_is_sealed_opens_in_its_cell_and_has_the_documented_form(text, row):
    stored = AFTER.encrypt(text, row)
    assert stored.startswith(f"ev1.{NEW_ID}.")
    assert AFTER.decrypt(stored, row) == text
    assert _open_by_hand(stored, row) == text


@settings(max_examples=100)
@given(text=st.text(max_size=100), row=st.uuids())
def test_values_sealed_before_a_rotation_still_open(text, row):
    assert _outcome(BEFORE.encrypt(text, row), row) == ("opened", text)
    assert _outcome(_seal_by_hand(text, row), row) == ("opened", text)


EDITS = st.one_of(
    st.tuples(
        st.just("replace"), st.integers(0, 200), st.sampled_from(string.printable + "é€\x00")
    ),
    st.tuples(st.just("insert"), st.integers(0, 200), st.sampled_from(string.printable + "é€\x00")),
    st.tuples(st.just("delete"), st.integers(0, 200), st.just("")),
)


def _edit(stored: str, edits: list[tuple[str, int, str]]) -> str:
    for kind, at, char in edits:
        at = at % (len(stored) + 1)
        if kind == "replace":
            stored = stored[:at] + char + stored[at + 1 :]
        elif kind == "insert":
            stored = stored[:at] + char + stored[at:]
        else:
            stored = stored[:at] + stored[at + 1 :]
    return stored


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=60),
    edits=st.lists(EDITS, min_size=1, max_size=3),
    old_key=st.booleans(),
    other_row=st.booleans(),
)
def test_every_edited_or_moved_value_is_refused(text, edits, old_key, other_row):
    stored = BEFORE.encrypt(text, ROW) if old_key else AFTER.encrypt(text, ROW)
    edited = _edit(stored, edits)
    row = uuid.uuid4() if other_row else ROW
    # An edit may cancel out (replace a character by itself); anything else is refused.
    if edited != stored or row != ROW:
        assert _outcome(edited, row) == REFUSED
    else:
        assert _outcome(edited, row) == ("opened", text)


@pytest.mark.parametrize(("table", "column"), [("people", "phone"), ("referrals", "address")])
def test_a_value_moved_to_another_column_or_table_is_refused(table, column):
    elsewhere = ColumnCipher(_ring("decrypt-only", "active"), table, column)
    assert _outcome(AFTER.encrypt("14 Acacia Avenue", ROW), ROW, elsewhere) == REFUSED


@settings(max_examples=300)
@given(
    value=st.one_of(
        st.text(),
        st.text(alphabet=ALPHABET).map(lambda body: f"ev1.{NEW_ID}.{body}"),
        st.binary().map(lambda raw: f"ev1.{NEW_ID}." + base64.urlsafe_b64encode(raw).decode()),
    )
)
def test_any_other_text_is_refused_with_the_one_error(value):
    assert _outcome(value, ROW) == REFUSED


@pytest.mark.parametrize(
    "value",
    [None, 42, b"ev1.9e8f7a6b.AAAA", "", "ev1.", f"ev1.{NEW_ID}.", f"ev1.{NEW_ID.upper()}."],
)
def test_shapes_that_are_not_a_stored_value_are_refused(value):
    assert _outcome(value, ROW) == REFUSED


def test_a_key_id_in_capitals_or_of_a_retired_key_is_refused():
    stored = AFTER.encrypt("14 Acacia Avenue", ROW)
    assert _outcome(stored.replace(NEW_ID, NEW_ID.upper()), ROW) == REFUSED
    retired = ColumnCipher(_ring("retired", "active"), "people", "address")
    assert _outcome(BEFORE.encrypt("14 Acacia Avenue", ROW), ROW, retired) == REFUSED


@pytest.mark.parametrize("length", range(6))  # every length of the body's last group
def test_a_respelt_last_character_is_refused(length):
    stored = AFTER.encrypt("x" * length, ROW)
    spare_bits = {0: 0, 2: 0x0F, 3: 0x03}[len(stored[13:]) % 4]
    last = ALPHABET.index(stored[-1])
    respellings = [stored[:-1] + ALPHABET[last | bit] for bit in (1, 2, 4, 8) if bit & spare_bits]
    assert respellings or not spare_bits
    for value in respellings:
        # The same bytes spelt another way: a lenient decoder would accept it.
        assert base64.urlsafe_b64decode(value[13:] + "==") == base64.urlsafe_b64decode(
            stored[13:] + "=="
        )
        assert _outcome(value, ROW) == REFUSED
