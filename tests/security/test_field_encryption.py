"""Field encryption: ciphertext at rest, cell binding, strict parsing, no partial plaintext."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from daservice.extensions import db
from daservice.people.matching import create_person
from daservice.people.models import Person, PersonKind
from daservice.security import keyring
from daservice.security.crypto import DecryptError, FieldCipher
from daservice.security.fields import inventory

ROW = uuid.UUID("12345678-1234-5678-1234-567812345678")


@pytest.fixture()
def cipher(app) -> FieldCipher:
    return app.extensions["daservice.cipher"]


def _seal(cipher, text="14 Acacia Avenue", table="people", column="address", row=ROW) -> str:
    return cipher.encrypt(text, table=table, column=column, row_id=row)


def test_round_trip_and_format(cipher):
    stored = _seal(cipher)
    prefix, key_id, body = stored.split(".")
    assert prefix == "ev1" and key_id == cipher.primary_key_id and len(key_id) == 8
    assert "Acacia" not in stored
    assert (
        cipher.decrypt(stored, table="people", column="address", row_id=ROW) == "14 Acacia Avenue"
    )


def test_fresh_nonce_every_write(cipher):
    assert _seal(cipher) != _seal(cipher)


@pytest.mark.parametrize(
    "where",
    [
        {"table": "people", "column": "address", "row_id": uuid.uuid4()},  # moved to another row
        {"table": "people", "column": "phone", "row_id": ROW},  # moved to another column
        {"table": "referrals", "column": "address", "row_id": ROW},  # moved to another table
    ],
)
def test_swapped_ciphertext_is_refused(cipher, where):
    with pytest.raises(DecryptError):
        cipher.decrypt(_seal(cipher), **where)


def _tamper(stored: str, index: int) -> str:
    prefix, key_id, body = stored.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[index] ^= 0x01
    return f"{prefix}.{key_id}." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize("index", [0, 11, 12, 20, -1])  # nonce, ciphertext, tag
def test_tampered_ciphertext_is_refused(cipher, index):
    with pytest.raises(DecryptError) as caught:
        cipher.decrypt(_tamper(_seal(cipher), index), table="people", column="address", row_id=ROW)
    assert "Acacia" not in str(caught.value)


def test_truncated_malformed_and_unknown_key_values_are_refused(cipher):
    stored = _seal(cipher)
    prefix, key_id, body = stored.split(".")
    bad = [
        stored[:-4],  # truncated
        stored[:20],
        f"{prefix}.{key_id}.",
        f"ev2.{key_id}.{body}",  # unknown version
        f"ev1.00000000.{body}",  # unknown key
        f"ev1.{key_id}.{body}=",  # padding
        stored + " ",
        "14 Acacia Avenue",  # plaintext where ciphertext belongs
        "",
    ]
    for value in bad:
        with pytest.raises(DecryptError):
            cipher.decrypt(value, table="people", column="address", row_id=ROW)


def test_a_key_id_in_capitals_is_refused(keys_document):
    # Key ids are random hex; give this one letters, so its capitalised spelling really differs.
    document = json.loads(json.dumps(keys_document))
    document["encryption"][0]["id"] = "abcdef12"
    lettered = FieldCipher(keyring.Keyring(document))
    stored = _seal(lettered)
    assert stored.startswith("ev1.abcdef12.")
    assert lettered.decrypt(stored, table="people", column="address", row_id=ROW)
    with pytest.raises(DecryptError):
        lettered.decrypt(
            stored.replace("abcdef12", "ABCDEF12"), table="people", column="address", row_id=ROW
        )


def test_retired_key_is_refused(keys_document, cipher):
    stored = _seal(cipher)
    document = json.loads(json.dumps(keys_document))
    document["encryption"][0]["status"] = "retired"
    document["encryption"].append(keyring.new_root(taken={"x"}))
    other = FieldCipher(keyring.Keyring(document))
    with pytest.raises(DecryptError):
        other.decrypt(stored, table="people", column="address", row_id=ROW)


def test_protected_fields_are_ciphertext_in_the_database(app):
    person = create_person(
        PersonKind.VICTIM,
        first_name="Canary",
        last_name="Zebedee-Quux",
        date_of_birth=date(1990, 4, 1),
        address="99 Secret Lane",
    )
    db.session.commit()
    row = db.session.execute(
        sa.text("SELECT first_name, last_name, date_of_birth, address FROM people WHERE id = :id"),
        {"id": person.id.hex if db.engine.dialect.name == "sqlite" else person.id},
    ).one()
    for value in row:
        assert value.startswith("ev1.")
    joined = " ".join(row)
    assert "Canary" not in joined and "Zebedee" not in joined and "1990" not in joined
    db.session.expire_all()
    again = db.session.get(Person, person.id)
    assert (again.first_name, again.date_of_birth) == ("Canary", date(1990, 4, 1))
    assert "Canary" not in repr(again)


def test_value_moved_between_rows_in_the_database_fails_to_read(app):
    a = create_person(PersonKind.VICTIM, last_name="Alpha")
    b = create_person(PersonKind.VICTIM, last_name="Bravo")
    db.session.commit()
    stolen = db.session.execute(
        sa.select(Person.__table__.c.last_name).where(Person.id == a.id)
    ).scalar()
    db.session.execute(
        sa.update(Person.__table__).where(Person.id == b.id).values(last_name=stolen)
    )
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(DecryptError):
        _ = db.session.get(Person, b.id).last_name


def test_inventory_lists_every_protected_field():
    assert set(inventory()) >= {
        ("users", "totp_secret"),
        ("people", "first_name"),
        ("people", "last_name"),
        ("people", "other_names"),
        ("people", "date_of_birth"),
        ("people", "gender"),
        ("people", "address"),
        ("people", "postcode"),
        ("people", "phone"),
        ("people", "email"),
        ("contact_attempts", "notes"),
        ("contact_attempts", "override_reason"),
        ("training_certificates", "code"),
        ("training_evaluations", "comments"),
    }


# Columns whose names say they hold personal data must be protected fields. Adding a plain column
# with one of these names fails here until it is declared with Encrypted() (or the name changes).
PERSONAL_NAME_PARTS = (
    "name",
    "address",
    "postcode",
    "phone",
    "email",
    "birth",
    "dob",
    "narrative",
    "note",
    "secret",
    "child",
    "school",
    "code_word",
    "safe_",
)
PLAIN_ALLOWED = {
    ("programmes", "name"),  # a programme's published name, not a person's
    ("agencies", "name"),
    ("agencies", "code"),
    ("users", "email"),
    ("users", "display_name"),
    ("person_index", "name"),
    ("recovery_codes", "code_hash"),
    ("api_clients", "name"),  # a partner system's name
    ("services", "name"),  # a service's public name
    ("job_runs", "name"),  # a scheduled job's name
    ("outbox_messages", "address"),  # a member of staff's work email, or a service id
    ("rate_limits", "name"),  # a configured limit's name ("sign_in"); keys are keyed hashes
    # Training data about staff is plain (DESIGN.md §3): reported on in SQL, by agency and course.
    ("training_plans", "name"),
    ("training_sites", "name"),  # premises open to the public (a pharmacy, a library)
    ("training_sites", "address"),
    ("trainees", "name"),  # a member of a partner agency's staff
    ("trainees", "work_email"),
    ("training_certificates", "holder_name"),  # the same name, as printed
    ("training_sites", "safe_space_since"),  # when a public site became a safe space
    ("training_plan_years", "safe_space_target"),  # how many safe spaces the borough plans for
    # The Marac return's count of children in the household, derived at intake; the children's
    # details stay protected (docs/security.md "Managers' reports").
    ("referrals", "children_count"),
    ("report_exports", "filename"),  # "board-pack-2026-Q3.pdf": a period, never a person
}


def test_every_column_named_like_personal_data_is_encrypted(app):
    protected = set(inventory())
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            key = (table.name, column.name)
            if (
                any(part in column.name for part in PERSONAL_NAME_PARTS)
                and key not in PLAIN_ALLOWED
            ):
                assert key in protected, (
                    f"{table.name}.{column.name} looks personal but is not encrypted"
                )


def test_standard_base64_characters_are_not_accepted_as_an_alternative_spelling(cipher):
    # Seal until the body holds a "-" or "_" (nearly always at once), then respell it.
    for _ in range(200):
        stored = _seal(cipher)
        body = stored[13:]
        if "-" in body or "_" in body:
            break
    variant = stored[:13] + body.replace("-", "+").replace("_", "/")
    assert variant != stored
    with pytest.raises(DecryptError):
        cipher.decrypt(variant, table="people", column="address", row_id=ROW)


def _nonce(stored: str) -> bytes:
    body = stored[13:]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))[:12]


def test_odd_spellings_of_the_body_are_refused(cipher):
    stored = _seal(cipher, text="14 Acacia Avenue E")  # 46 bytes sealed: the body ends mid-group
    assert len(stored[13:]) % 4 == 2
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # The last character carries 2 bits; setting an unused one spells the same bytes differently.
    respelt = stored[:-1] + alphabet[alphabet.index(stored[-1]) | 1]
    assert respelt != stored
    assert base64.urlsafe_b64decode(respelt[13:] + "==") == base64.urlsafe_b64decode(
        stored[13:] + "=="
    )
    bad = [
        respelt,  # non-canonical: unused trailing bits set
        stored[:20] + "é" + stored[21:],  # not ASCII
        stored[:20] + "!" + stored[21:],  # outside the alphabet
        stored[:20] + "\n" + stored[20:],  # whitespace inside
        stored[:20] + "=" + stored[21:],  # padding inside
    ]
    for value in bad:
        with pytest.raises(DecryptError):
            cipher.decrypt(value, table="people", column="address", row_id=ROW)
    for value in (None, 42, stored.encode()):
        with pytest.raises(DecryptError):
            cipher.decrypt(value, table="people", column="address", row_id=ROW)


def test_no_nonce_is_ever_used_twice(cipher):
    nonces = {_nonce(_seal(cipher)) for _ in range(5_000)}
    assert len(nonces) == 5_000


def test_threads_sealing_at_once_never_share_a_nonce(cipher):
    from concurrent.futures import ThreadPoolExecutor

    def seal_many(_: int) -> list[bytes]:
        return [_nonce(_seal(cipher)) for _ in range(1_000)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        nonces = [n for batch in pool.map(seal_many, range(8)) for n in batch]
    assert len(set(nonces)) == len(nonces) == 8_000


def test_a_forked_child_does_not_reuse_its_parents_nonces(cipher):
    # gunicorn forks workers from a parent that may already have encrypted something.
    import os

    _seal(cipher)
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.write(writer, b"".join(_nonce(_seal(cipher)) for _ in range(100)))
        finally:
            os._exit(0)
    os.close(writer)
    received = b""
    while chunk := os.read(reader, 4096):
        received += chunk
    os.close(reader)
    os.waitpid(child, 0)
    child_nonces = {received[i : i + 12] for i in range(0, len(received), 12)}
    parent_nonces = {_nonce(_seal(cipher)) for _ in range(1_000)}
    assert len(child_nonces) == 100
    assert not child_nonces & parent_nonces
