"""The "is she in the system?" timing oracle (security probe F1): a referral about someone already
known must cost the request the same work as one about someone new, so the time to answer says
nothing about who was known. Not timed (``bench/matching_timing.py`` times it): the work itself is
counted, statement by statement, with every decryption, encryption and blind-index HMAC."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Agency
from daservice.api import auth
from daservice.extensions import db
from daservice.referrals.models import Referral
from daservice.security.blind_index import BlindIndexer
from daservice.security.crypto import ColumnCipher

from .. import factories

KNOWN = {"first_name": "Kate", "last_name": "Kellaway", "date_of_birth": "1971-03-13"}


def _token(code: str) -> str:
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == code))
    return auth.issue(agency.id, f"{code} bridge")[1]


def _post(client: Any, token: str, body: dict) -> dict:
    response = client.post(
        "/api/v1/referrals", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.json
    return response.json


def _victim(n: int, **identity: str) -> dict:
    return {
        **identity,
        "postcode": "IG1 1DD",
        "phone": f"07700 90{n:04d}",
        "address": f"{n} Example Road, Ilford",
    }


@contextmanager
def _work() -> Iterator[Counter]:
    """Every SQL statement run (its text, literals masked, and how many rows it bound) and every
    call into the cipher and the blind index, while the block runs."""
    done: Counter = Counter()

    def statement(conn: Any, cursor: Any, text: str, params: Any, context: Any, many: bool) -> None:
        rows = len(params) if many else 1
        done[("sql", re.sub(r"\s+", " ", text), rows)] += 1

    originals = []
    for owner, name in (
        (ColumnCipher, "decrypt"),
        (ColumnCipher, "encrypt"),
        (BlindIndexer, "value"),
        (BlindIndexer, "lookup_values"),
    ):
        original = owner.__dict__[name]
        originals.append((owner, name, original))

        def counted(*args: Any, _original: Any = original, _name: str = name, **kw: Any) -> Any:
            done[("call", _name)] += 1
            return _original(*args, **kw)

        setattr(owner, name, counted)
    sa.event.listen(db.engine, "before_cursor_execute", statement)
    try:
        yield done
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statement)
        for owner, name, original in originals:
            setattr(owner, name, original)


KNOWN_PERPETRATOR = {
    "first_name": "Dean",
    "last_name": "Dorrance",
    "date_of_birth": "1969-09-09",
    "relationship": "ex",
}


@pytest.fixture()
def probe(app: Any, client: Any, directory: dict) -> Any:
    """Another agency referred Kate at Marac, naming Dean; the prober (a partner system of the
    LBR) refers at standard risk Kate or someone new, naming Dean or someone new, and gets the
    work each request did."""
    seeder, prober = _token("MPS"), _token("LBR")
    _post(
        client,
        seeder,
        factories.referral_payload(
            victim=_victim(1, **KNOWN),
            perpetrator=KNOWN_PERPETRATOR,
            risk__answers=factories.high_risk_answers(24),
        ),
    )
    made = iter(range(2, 1000))

    def refer(
        victim: dict, perpetrator: dict | None = None, **changes: Any
    ) -> tuple[dict, Counter]:
        n = next(made)
        perpetrator = perpetrator or {**KNOWN_PERPETRATOR, "last_name": f"Perrin{n}"}
        body = factories.referral_payload(
            victim=_victim(n, **victim), perpetrator=perpetrator, **changes
        )
        db.session.remove()  # a fresh session, as a new request has
        with _work() as done:
            answer = _post(client, prober, body)
        answer.pop("id"), answer.pop("reference")
        return answer, done

    return refer


def _new(n: int) -> dict:
    return {"first_name": "Nora", "last_name": f"Newcombe{n}", "date_of_birth": "1971-03-13"}


def _referrals() -> list[Referral]:
    return list(db.session.scalars(sa.select(Referral).order_by(Referral.created_at)))


@pytest.mark.parametrize("consent", ["given", "not_sought"])
def test_a_known_victim_costs_the_request_the_same_work_as_a_new_one(probe, consent):
    known_answer, known = probe(KNOWN, consent={"status": consent})
    new_answer, new = probe(_new(1), consent={"status": consent})
    # Matching still works: she was linked, and her earlier Marac referral made this one Marac.
    first, repeat, stranger = _referrals()
    assert repeat.victim_id == first.victim_id and repeat.repeat and repeat.marac
    assert stranger.victim_id not in {first.victim_id, repeat.victim_id} and not stranger.marac
    assert len(repeat.routes) == 3 and len(stranger.routes) == 1
    # What the prober is told is the same ...
    assert known_answer == new_answer
    # ... and so is the work done to tell her: the same statements, binding the same number of
    # rows, and as many decryptions, encryptions and blind-index HMACs.
    assert known == new


def test_a_known_victim_probed_again_costs_the_same_as_a_new_one(probe):
    probe(KNOWN)
    _, again = probe(KNOWN)  # she is now known twice over, once at Marac
    _, new = probe(_new(2))
    assert again == new


def test_a_known_perpetrator_costs_the_same_work_as_a_new_one(probe):
    known_answer, known = probe(_new(3), KNOWN_PERPETRATOR)
    new_answer, new = probe(_new(4))
    first, serial, other = _referrals()
    assert serial.perpetrator_id == first.perpetrator_id and serial.serial_perpetrator
    assert first.serial_perpetrator and not other.serial_perpetrator  # the flag is still raised
    assert known_answer == new_answer and known == new
