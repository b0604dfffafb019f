"""The audit trail: written with the change, hash-chained, verifiable, and readable by the DPO."""

from __future__ import annotations

import sqlalchemy as sa

from daservice import audit
from daservice.accounts.models import Role
from daservice.audit import AuditEvent
from daservice.extensions import db

from .. import factories


def _events(n: int) -> None:
    for i in range(n):
        audit.record("referral.viewed", target_type="referral", target_id=f"id-{i}")
    db.session.commit()


def test_intact_chain_verifies(app, runner):
    _events(5)
    assert audit.verify().ok
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "5 events, chain intact" in result.output


def test_edited_event_is_detected(app, runner):
    _events(5)
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 3).values(action="test.other"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "event 3 has been altered" in result.output


def test_deleted_event_is_detected(app):
    _events(5)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 2))
    db.session.commit()
    problems = audit.verify().problems
    assert any("event 2 is missing" in p for p in problems)


def test_deleted_last_event_is_detected(app):
    _events(5)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 5))
    db.session.commit()
    assert not audit.verify().ok


def test_reordered_events_are_detected(app):
    _events(5)
    # Swap the contents of events 2 and 4 (keeping their sequence numbers and hashes).
    rows = {e.seq: e for e in db.session.scalars(sa.select(AuditEvent))}
    two, four = rows[2], rows[4]
    columns = ("occurred_at", "action", "target_id", "prev_hash", "hash")
    swapped = {c: getattr(four, c) for c in columns}, {c: getattr(two, c) for c in columns}
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 4).values(hash="x" * 64))
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 2).values(**swapped[0]))
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 4).values(**swapped[1]))
    db.session.commit()
    problems = audit.verify().problems
    assert any("does not follow" in p for p in problems)


def test_event_is_written_in_the_same_transaction_as_the_change(app):
    audit.record("login.failed")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
    _events(1)
    assert audit.verify().ok


def test_audit_events_hold_no_personal_data_columns():
    columns = set(AuditEvent.__table__.columns.keys())
    assert columns == {
        "seq",
        "occurred_at",
        "actor_id",
        "agency_id",
        "action",
        "target_type",
        "target_id",
        "purpose",
        "request_id",
        "key_id",
        "prev_hash",
        "hash",
    }


def test_dpo_sees_who_accessed_a_record(client, login_as):
    worker = factories.user(Role.SERVICE_WORKER)
    record_id = "8a0f024e-5b7c-4d1e-9f3a-2c6b8d9e0f11"
    audit.record(
        "referral.viewed",
        actor=worker,
        target_type="referral",
        target_id=record_id,
        purpose="first contact",
    )
    db.session.commit()
    login_as(factories.user(Role.DPO))
    page = client.get(f"/dpo/access?target_type=referral&target_id={record_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert worker.display_name in body and "first contact" in body
    # In plain English, not the stored code.
    assert "Viewed the referral" in body and "referral.viewed" not in body
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "audit.access_log_viewed" in actions  # the DPO's own look is recorded


def test_dpo_search_without_an_id_is_explained(client, login_as):
    login_as(factories.user(Role.DPO))
    page = client.get("/dpo/access?target_type=person&target_id=")
    assert page.status_code == 400 and "Enter the record ID" in page.get_data(as_text=True)


def test_only_the_dpo_sees_the_access_log(client, login_as):
    login_as(factories.user(Role.ADMIN, Role.MANAGER))
    assert client.get("/dpo/access").status_code == 403


def test_truncating_the_newest_events_and_rewinding_the_head_is_detected(app):
    from daservice.audit.models import AuditChainHead

    _events(5)
    survivor = db.session.get(AuditEvent, 3)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq > 3))
    db.session.execute(sa.update(AuditChainHead).values(last_seq=3, last_hash=survivor.hash))
    db.session.commit()
    assert any("newest event" in p for p in audit.verify().problems)


def test_the_chain_verifies_whatever_time_zone_the_database_answers_in(app, db, request):
    # A PostgreSQL server or role whose TimeZone is not UTC returns times with its own offset;
    # the events' hashes were made over UTC times, so they must read back in UTC.
    import sqlalchemy as sa

    from daservice import audit

    audit.record("referral.viewed", target_type="referral", target_id="1")
    db.session.commit()
    if request.config.getoption("--db") == "postgresql":
        db.session.execute(sa.text("SET TIME ZONE 'Asia/Kolkata'"))  # +05:30, no DST
        assert db.session.scalar(sa.text("SELECT now()")).utcoffset().total_seconds() == 19800
    else:  # SQLite stores naive UTC: check the same type decoding directly
        from datetime import datetime, timedelta, timezone

        from daservice.extensions import UTCDateTime

        kolkata = datetime(2026, 11, 24, 15, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
        utc = UTCDateTime().process_result_value(kolkata, None)
        assert utc.isoformat() == "2026-11-24T09:30:00+00:00"
    db.session.expire_all()
    result = audit.verify()
    assert result.ok, result.problems
