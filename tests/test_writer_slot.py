"""The SQLite writer slot: held from the first write to the end of the transaction, however it
ends, and by one transaction at a time across processes."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
import sqlalchemy as sa

from daservice import writer_slot
from daservice.extensions import db
from daservice.referrals.models import ReferenceCounter


def _lock_file() -> str:
    return db.engine.url.database + ".writer"


def slot_is_free() -> bool:
    """Ask as another process would: through a descriptor of our own, without waiting."""
    fd = os.open(_lock_file(), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.fixture()
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        # PostgreSQL orders writers with row locks: taking the slot is a no-op there.
        writer_slot.take()
        db.session.rollback()
        assert not os.path.exists(str(db.engine.url.database) + ".writer")
        pytest.skip("the writer slot is for SQLite; checked above that it does nothing here")


_years = iter(range(1900, 2000))


def _write() -> None:
    writer_slot.take()
    db.session.add(ReferenceCounter(year=next(_years), last=0))
    db.session.flush()


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_held_until_the_transaction_ends_however_it_ends(app, sqlite_only, ending):
    db.session.execute(sa.text("SELECT 1"))
    assert slot_is_free()
    _write()
    assert not slot_is_free()
    writer_slot.take()  # again in the same transaction: no wait for itself
    getattr(db.session, ending)()
    assert slot_is_free()
    _write()  # and can be taken again afterwards
    assert not slot_is_free()
    db.session.rollback()
    assert slot_is_free()


def test_a_second_writer_waits_for_the_first_to_commit(app, sqlite_only):
    _write()
    order: list[str] = []

    def second() -> None:
        with app.app_context():
            writer_slot.take()
            order.append("second has the slot")
            db.session.rollback()

    other = threading.Thread(target=second)
    other.start()
    time.sleep(0.2)
    order.append("first commits")
    db.session.commit()
    other.join(10)
    assert order == ["first commits", "second has the slot"]
    assert slot_is_free()


def test_a_failed_referral_request_gives_the_slot_back(app, sqlite_only, monkeypatch):
    from daservice.referrals import drafts, services

    from . import factories

    factories.directory()
    db.session.commit()

    def fails(*args, **kwargs):
        raise RuntimeError("the audit trail could not be written")

    referrer = factories.user(factories.Role.REFERRER)
    draft = drafts.start(referrer)
    drafts.save(referrer, draft.id, factories.referral_payload())
    monkeypatch.setattr(services.audit, "record_all", fails)
    with pytest.raises(RuntimeError):
        services.submit_draft(referrer, draft.id)
    assert not slot_is_free()  # still inside the failed transaction
    db.session.remove()  # what the end of a request does
    assert slot_is_free()


def test_a_second_session_in_the_same_thread_does_not_free_the_first_ones_slot(app, sqlite_only):
    from sqlalchemy.orm import Session

    _write()
    inner = Session(db.engine)
    outer_session = db.session
    try:
        db.session = lambda: inner  # what a nested unit of work in the same thread would use
        writer_slot.take()
        inner.rollback()
    finally:
        db.session = outer_session
        inner.close()
    assert not slot_is_free()  # the outer transaction is still writing
    db.session.commit()
    assert slot_is_free()
