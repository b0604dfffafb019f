"""Referrals arriving at the same moment, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from daservice import audit
from daservice.accounts.models import Role, User
from daservice.extensions import db
from daservice.referrals.models import ReferenceCounter, Referral
from tests import factories

WRITERS = 6


def test_the_first_referrals_of_a_year_all_succeed_with_distinct_references(app):
    factories.directory()
    referrer = factories.user(Role.REFERRER)
    user_id = referrer.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferenceCounter)) == 0
    db.session.commit()
    start = threading.Barrier(WRITERS)
    made: list[str] = []
    failures: list[str] = []

    def refer(n: int) -> None:
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                body = factories.referral_payload(
                    victim={"first_name": "Asha", "last_name": f"Writer{n}"}
                )
                start.wait()  # all at once, with no counter row for the year yet
                made.append(factories.refer(user, body).reference)
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=refer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert len(made) == WRITERS and len(set(made)) == WRITERS
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in made)
    assert numbers == list(range(1, WRITERS + 1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == WRITERS
    checked = audit.verify()
    assert checked.ok, checked.problems
