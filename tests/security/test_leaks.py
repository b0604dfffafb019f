"""Canary values stored in every protected field never appear in the raw database, the logs or
the error pages."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import pytest

from daservice.accounts import mfa
from daservice.extensions import db
from daservice.people.matching import Identity, create_person, find_matches
from daservice.people.models import Person, PersonKind
from daservice.security.fields import Encrypted
from daservice.security.guard import public

from .. import factories

CANARY = "CANARY7Q"


def _canaries() -> dict[str, object]:
    values: dict[str, object] = {}
    for field in Encrypted.declared:
        if field.table != "people":
            continue
        values[field.name] = date(1901, 2, 3) if field.kind is date else f"{CANARY}-{field.name}"
    return values


def _store_canaries() -> Person:
    person = create_person(PersonKind.VICTIM, **_canaries())
    user = factories.user()
    user.totp_secret = mfa.new_secret()[:16] + CANARY.upper() + "AAAAAAAA"
    db.session.commit()
    return person


def _raw_database_bytes(request) -> bytes:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        db.session.close()
        db.engine.dispose()  # flush everything to the file
        path = Path(url.database)
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    from ..pgcluster import find_pg_binaries

    pg_dump = find_pg_binaries().bindir / "pg_dump"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(
        [str(pg_dump), "--data-only", dsn], check=True, capture_output=True
    ).stdout


def test_no_canary_in_the_raw_database(app, request):
    person = _store_canaries()
    sealed = person._address_ciphertext  # what the database holds for her address
    raw = _raw_database_bytes(request)
    assert sealed.startswith("ev1.") and sealed.encode() in raw  # the scan sees the stored data
    assert CANARY.encode() not in raw
    assert CANARY.lower().encode() not in raw
    assert b"1901-02-03" not in raw


def test_no_canary_in_logs_repr_or_error_pages(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    log = io.StringIO()
    for handler in app.logger.handlers:  # the app's own configured handler, filters and all
        handler.setStream(log)

    @app.route("/_test/boom/<uuid:person_id>")
    @public
    def boom(person_id):
        person = db.session.get(Person, person_id)
        app.logger.warning("about to fail for %s at %s", person.last_name, person.address)
        raise ValueError(f"could not route {person.first_name} ({person.phone})")

    person = _store_canaries()
    # Matching decrypts candidates too.
    assert find_matches(
        PersonKind.VICTIM, Identity(last_name=f"{CANARY}-last_name", date_of_birth=date(1901, 2, 3))
    )
    response = client.get(f"/_test/boom/{person.id}")
    assert response.status_code == 500
    assert CANARY not in response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
    logged = log.getvalue()
    assert "about to fail" in logged and "[redacted]" in logged and "ValueError" in logged
    assert CANARY not in logged
    assert CANARY not in repr(person) and CANARY not in repr(db.session.get(Person, person.id))


@pytest.mark.parametrize("path", ["/sign-in", "/no-such-page"])
def test_error_and_public_pages_never_show_stored_values(app, client, path):
    _store_canaries()
    assert CANARY not in client.get(path).get_data(as_text=True)
