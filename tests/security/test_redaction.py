"""Log redaction remembers protected values for a bounded time: one request, or one batch of a
long command or job (``redaction.scope()``), and redacts them while they are remembered."""

from __future__ import annotations

import contextvars
import io
import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from flask import jsonify

from daservice.extensions import db
from daservice.people import matching as people_module
from daservice.people.matching import create_person
from daservice.people.models import Person, PersonKind
from daservice.security import keyring, redaction
from daservice.security.guard import public


@pytest.fixture()
def log(app) -> io.StringIO:
    """What the app's own configured handler (filters and all) writes."""
    written = io.StringIO()
    for handler in app.logger.handlers:
        handler.setStream(written)
    return written


@pytest.fixture()
def file_keys(app, keys_document) -> Path:
    path = Path(app.config["KEYS_FILE"])
    path.unlink(missing_ok=True)
    keyring.write_document(path, json.loads(json.dumps(keys_document)))
    app.config["KEYS_JSON"] = None
    return path


def _people(n: int) -> list[uuid.UUID]:
    """``n`` people's ids, made in a scope of their own so that the test's context remembers none
    of their values."""
    with redaction.scope():
        made = [
            create_person(
                PersonKind.VICTIM,
                last_name=f"Quorndon{i}",
                date_of_birth=date(1980, 1, 1 + i % 28),
                address=f"{i} Larkspur Way",
            ).id
            for i in range(n)
        ]
        db.session.commit()
        db.session.expunge_all()
    return made


def test_a_value_decrypted_in_a_batch_is_redacted_there_and_forgotten_after(app, log):
    (person_id,) = _people(1)
    before = redaction.remembered()
    with redaction.scope() as batch:
        loaded = db.session.get(Person, person_id)
        app.logger.warning("working on %s", loaded.last_name)
        assert "Quorndon0" in batch
    assert "Quorndon0" not in log.getvalue() and "working on [redacted]" in log.getvalue()
    assert redaction.remembered() == before


def test_what_is_remembered_does_not_grow_across_batches(app, log):
    made = _people(30)
    before = redaction.remembered()
    sizes = []
    for start in range(0, 30, 10):
        with redaction.scope():
            for person_id in made[start : start + 10]:
                loaded = db.session.get(Person, person_id)
                app.logger.info("%s lives at %s", loaded.last_name, loaded.address)
            sizes.append(redaction.remembered() - before)
        db.session.expunge_all()
    assert sizes == [20, 20, 20]  # a last name and an address per person, per batch only
    assert redaction.remembered() == before
    assert "Quorndon" not in log.getvalue() and "Larkspur" not in log.getvalue()


def test_an_object_decrypted_in_an_earlier_batch_is_still_redacted_in_a_later_one(app, log):
    (person_id,) = _people(1)
    with redaction.scope():
        loaded = db.session.get(Person, person_id)
        assert loaded.last_name == "Quorndon0"
    with redaction.scope():  # the same object, its plaintext already cached on it
        app.logger.warning("again %s", loaded.last_name)
    assert "Quorndon0" not in log.getvalue() and "again [redacted]" in log.getvalue()


def test_values_remembered_outside_a_batch_stay_redacted_inside_it_and_after(app, log):
    redaction.remember("Outer-Secret")
    with redaction.scope():
        with redaction.scope():  # nested, and both empty to start with
            redaction.remember("Inner-Secret")
            assert redaction.redact("Outer-Secret Inner-Secret") == "[redacted] [redacted]"
        assert redaction.redact("Inner-Secret") == "Inner-Secret"
    assert redaction.redact("Outer-Secret") == "[redacted]"


def test_each_request_remembers_only_its_own_values(app, client):
    made = _people(3)

    @app.route("/_test/remembered/<uuid:person_id>")
    @public
    def remembered(person_id):
        person = db.session.get(Person, person_id)
        return jsonify(name=bool(person.last_name), remembered=redaction.remembered())

    counts = [client.get(f"/_test/remembered/{p}").get_json()["remembered"] for p in made]
    assert counts == [1, 1, 1]  # a fresh set for each request, not one growing for the process


def test_keys_reencrypt_remembers_one_batch_at_a_time(app, runner, file_keys, log, monkeypatch):
    _people(25)
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    before = redaction.remembered()
    cipher = app.extensions["daservice.cipher"]
    real_encrypt = cipher.encrypt
    during: list[int] = []

    def logging_encrypt(plaintext, **where):  # code inside a batch that logs what it handles
        app.logger.warning("re-encrypting %s", plaintext)
        during.append(redaction.remembered() - before)
        return real_encrypt(plaintext, **where)

    monkeypatch.setattr(cipher, "encrypt", logging_encrypt)
    result = runner.invoke(args=["keys", "reencrypt", "--batch", "7"])
    assert result.exit_code == 0, result.output
    assert len(during) == 75  # three protected columns of 25 rows
    assert max(during) == 7  # never more than a batch
    assert redaction.remembered() == before
    logged = log.getvalue()
    assert logged.count("re-encrypting [redacted]") == 75
    assert "Quorndon" not in logged and "Larkspur" not in logged


def test_reindexing_remembers_one_batch_at_a_time(app, runner, file_keys, log, monkeypatch):
    _people(12)
    assert runner.invoke(args=["keys", "rotate", "--purpose", "blind_index"]).exit_code == 0
    before = redaction.remembered()
    real_index_rows = people_module.index_rows
    during: list[int] = []

    def logging_index_rows(person, indexer):
        app.logger.warning("re-indexing %s", person.last_name)
        during.append(redaction.remembered() - before)
        return real_index_rows(person, indexer)

    monkeypatch.setattr(people_module, "index_rows", logging_index_rows)
    assert people_module.reindex_all(batch=5) == 12
    assert len(during) == 12
    # Each batch of five starts from nothing: its counts repeat the first batch's.
    assert during[5:10] == during[:5] and during[10:] == during[:2]
    assert redaction.remembered() == before
    logged = log.getvalue()
    assert logged.count("re-indexing [redacted]") == 12 and "Quorndon" not in logged


def test_a_scope_outside_an_app_context_refuses_rather_than_remember_nothing(app):
    def outside() -> None:
        with redaction.scope():
            pass

    with pytest.raises(RuntimeError):
        contextvars.Context().run(outside)
