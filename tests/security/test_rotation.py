"""Key rotation round trip: rotate, re-encrypt (interrupted and resumed), retire, re-index."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from daservice.extensions import db
from daservice.people.matching import Identity, create_person, find_matches
from daservice.people.models import Person, PersonIndex, PersonKind
from daservice.security import keyring, rotation

from .. import factories


@pytest.fixture()
def file_keys(app, keys_document):
    """Keys from instance/keys.json (as `make run` sets up), so rotation can write them."""
    path = Path(app.config["KEYS_FILE"])
    path.unlink(missing_ok=True)
    keyring.write_document(path, json.loads(json.dumps(keys_document)))
    app.config["KEYS_JSON"] = None
    return path


def _people(n: int) -> list[Person]:
    made = [
        create_person(
            PersonKind.VICTIM,
            first_name=f"Name{i}",
            last_name=f"Surname{i}",
            date_of_birth=date(1980, 1, 1 + i % 28),
            address=f"{i} Road",
        )
        for i in range(n)
    ]
    db.session.commit()
    return made


def _key_ids(column: str = "address") -> set[str]:
    values = db.session.scalars(sa.select(Person.__table__.c[column])).all()
    return {v.split(".")[1] for v in values}


def test_rotate_reencrypt_retire_round_trip(app, runner, file_keys):
    people = _people(25)
    user = factories.user()
    old = app.extensions["daservice.cipher"].primary_key_id

    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    new = app.extensions["daservice.cipher"].primary_key_id
    assert new != old
    # Old rows still read (old key is decrypt-only); a retire attempt is refused while they exist.
    db.session.expire_all()
    assert db.session.get(Person, people[3].id).address == "3 Road"
    refused = runner.invoke(args=["keys", "retire", old])
    assert refused.exit_code != 0 and "still use" in refused.output

    result = runner.invoke(args=["keys", "reencrypt", "--batch", "7"])
    assert result.exit_code == 0, result.output
    assert _key_ids() == {new}
    assert rotation.count_to_reencrypt() == 0
    status = runner.invoke(args=["keys", "status"])
    assert f"{new}: 25" in status.output and "0 protected values" in status.output

    result = runner.invoke(args=["keys", "retire", old])
    assert result.exit_code == 0, result.output
    assert json.loads(file_keys.read_text())["encryption"][0]["status"] == "retired"
    db.session.expire_all()
    assert [db.session.get(Person, p.id).address for p in people[:3]] == [
        "0 Road",
        "1 Road",
        "2 Road",
    ]
    db.session.refresh(user)
    assert user.totp_secret  # users.totp_secret moved too


def test_interrupted_reencryption_resumes_and_loses_nothing(app, runner, file_keys, monkeypatch):
    people = _people(30)
    runner.invoke(args=["keys", "rotate"])
    new = app.extensions["daservice.cipher"].primary_key_id
    real = rotation._reencrypt_batch
    calls = {"n": 0}

    def crash_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the operator's Ctrl-C, or a killed process
        return real(*args, **kwargs)

    monkeypatch.setattr(rotation, "_reencrypt_batch", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        rotation.reencrypt(batch=5)
    db.session.rollback()
    partly = db.session.scalars(sa.select(Person.__table__.c.address)).all()
    on_new = sum(1 for v in partly if v.split(".")[1] == new)
    assert 0 < on_new < 30
    monkeypatch.setattr(rotation, "_reencrypt_batch", real)
    moved = rotation.reencrypt(batch=5)
    assert rotation.count_to_reencrypt() == 0
    assert moved >= 30 - on_new
    again = rotation.reencrypt(batch=5)  # idempotent
    assert again == 0
    db.session.expire_all()
    assert sorted(db.session.get(Person, p.id).address for p in people) == sorted(
        f"{i} Road" for i in range(30)
    )


def test_reencrypt_stops_on_a_tampered_row_without_changing_its_batch(app, file_keys):
    people = _people(4)
    stolen = db.session.scalar(
        sa.select(Person.__table__.c.address).where(Person.id == people[0].id)
    )
    db.session.execute(
        sa.update(Person.__table__).where(Person.id == people[1].id).values(address=stolen)
    )
    db.session.commit()
    rotation.rotate("encryption")
    from daservice.security import install_keys

    install_keys(app, keyring.load(app.config))
    with pytest.raises(Exception, match="cannot be decrypted") as caught:
        rotation.reencrypt(batch=10)
    assert "Road" not in str(caught.value)


def test_blind_index_rotation_keeps_people_findable(app, runner, file_keys):
    person = create_person(
        PersonKind.VICTIM, first_name="Imogen", last_name="Harrow", date_of_birth=date(1979, 9, 9)
    )
    db.session.commit()
    person_id = person.id
    result = runner.invoke(args=["keys", "rotate", "--purpose", "blind_index"])
    assert result.exit_code == 0, result.output
    identity = Identity("imogen", "HARROW", date(1979, 9, 9))
    # Before re-indexing, lookups try the old key too.
    assert [p.id for p in find_matches(PersonKind.VICTIM, identity)] == [person_id]
    result = runner.invoke(args=["keys", "reindex"])
    assert result.exit_code == 0, result.output
    active = app.extensions["daservice.blind_index"].active_key_id
    assert set(db.session.scalars(sa.select(PersonIndex.key_id))) == {active}
    old = json.loads(file_keys.read_text())["blind_index"][0]["id"]
    assert runner.invoke(args=["keys", "retire", old]).exit_code == 0
    assert [p.id for p in find_matches(PersonKind.VICTIM, identity)] == [person_id]


def test_rotation_refuses_when_keys_come_from_the_environment(app, runner):
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code != 0
    assert "KEYS_JSON" in str(result.exception) or "KEYS_JSON" in result.output
