"""The per-process routing directory: any change to services, however it is made, is seen by the
next request; a change that rolled back never is; a warm request reads only the version. Who works
a service and which tokens are usable are read as they are now, every time."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.api import auth
from daservice.directory import cache
from daservice.directory.models import Service, ServiceKind, ServiceMember, ServiceStatus
from daservice.extensions import db
from daservice.referrals.models import Route

from .. import factories


def refer(client, token, **changes):
    response = client.post(
        "/api/v1/referrals",
        json=factories.referral_payload(**changes),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.json
    return response.json


def routed_to(summary) -> list[str]:
    return sorted(r["service"] for r in summary["routes"])


def version() -> str:
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT version FROM directory_version")).scalar_one()


def test_a_service_closed_by_plain_sql_gets_no_more_referrals(client, token, directory):
    outreach = directory[ServiceKind.OUTREACH]
    assert routed_to(refer(client, token)) == [outreach.name]  # the copy is now warm
    with db.engine.begin() as connection:  # as another process, or an operator's SQL, would
        connection.execute(
            sa.text("UPDATE services SET status = 'temporarily_closed' WHERE id = :id"),
            {"id": outreach.id.hex if db.engine.dialect.name == "sqlite" else outreach.id},
        )
    assert routed_to(refer(client, token)) == []
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE services SET status = 'active'"))
    assert routed_to(refer(client, token)) == [outreach.name]


def test_a_token_revoked_by_plain_sql_stops_working_at_once(client, token):
    refer(client, token)
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE api_clients SET revoked_at = created_at"))
    response = client.post(
        "/api/v1/referrals",
        json=factories.referral_payload(),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401


def test_a_new_service_that_sorts_first_takes_the_kind_at_once(client, token, directory):
    refer(client, token)
    outreach = directory[ServiceKind.OUTREACH]
    db.session.add(
        Service(name="A first outreach", kind=ServiceKind.OUTREACH, agency_id=outreach.agency_id)
    )
    db.session.commit()
    assert routed_to(refer(client, token)) == ["A first outreach"]


def test_workers_told_follow_membership_and_disabling(client, token, app, directory):
    outreach = directory[ServiceKind.OUTREACH]
    first, second = factories.user(Role.SERVICE_WORKER), factories.user(Role.SERVICE_WORKER)
    db.session.add(ServiceMember(service_id=outreach.id, user_id=first.id))
    db.session.commit()
    refer(client, token)
    assert [m.to for m in factories.deliver()] == [first.email]

    db.session.add(ServiceMember(service_id=outreach.id, user_id=second.id))
    db.session.commit()
    refer(client, token)
    assert sorted(m.to for m in factories.deliver()) == sorted([first.email, second.email])

    first.disabled = True
    db.session.commit()
    refer(client, token)
    assert [m.to for m in factories.deliver()] == [second.email]

    second.email = "moved.on@demo.daservice.invalid"
    db.session.commit()
    refer(client, token)
    assert [m.to for m in factories.deliver()] == ["moved.on@demo.daservice.invalid"]

    db.session.execute(sa.delete(ServiceMember).where(ServiceMember.user_id == second.id))
    db.session.commit()
    refer(client, token)
    assert factories.deliver() == []


def test_every_service_change_renews_the_version_and_nothing_else_does(app, directory):
    worker = factories.user(Role.SERVICE_WORKER)
    outreach = directory[ServiceKind.OUTREACH]
    changes = [
        lambda: setattr(outreach, "capacity_available", 3),
        lambda: db.session.add(
            Service(name="Another", kind=ServiceKind.OUTREACH, agency_id=outreach.agency_id)
        ),
        lambda: db.session.execute(sa.delete(Service).where(Service.name == "Another")),
    ]
    for change in changes:
        before = version()
        change()
        db.session.commit()
        assert version() != before
    # Not what routing reads: who works a service, users, partner systems.
    before = version()
    db.session.add(ServiceMember(service_id=outreach.id, user_id=worker.id))
    worker.email = "renamed@demo.daservice.invalid"
    worker.disabled = True
    db.session.commit()
    client, _ = auth.issue(outreach.agency_id, "A partner system")  # commits
    auth.revoke(client)
    assert version() == before


def test_a_change_that_rolled_back_is_never_served(client, token, app, directory):
    outreach, name = directory[ServiceKind.OUTREACH], directory[ServiceKind.OUTREACH].name
    marac_id = directory[ServiceKind.MARAC].id
    with app.test_request_context():
        outreach_in_request = db.session.get(Service, outreach.id)
        outreach_in_request.status = ServiceStatus.INACTIVE
        db.session.flush()  # the trigger renews the version inside this transaction
        assert cache.current().service_for(ServiceKind.OUTREACH) is None  # it sees its own change
        db.session.rollback()
    db.session.remove()
    # A committed change after it must not land on the rolled-back version (a counter would).
    marac = db.session.get(Service, marac_id)
    marac.capacity_available = 1
    db.session.commit()
    assert routed_to(refer(client, token)) == [name]


def test_a_warm_request_reads_the_version_instead_of_the_directory(client, token, app):
    refer(client, token)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        summary = refer(client, token)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert sum("directory_version" in s for s in reads) == 1
    assert not any("FROM services" in s or "service_members" in s for s in reads)
    assert sum("FROM api_clients" in s for s in reads) == 1  # the token, by its index
    # ...and the route still names its service (merged from the copy, not lazily loaded).
    assert routed_to(summary) == ["Community outreach"]
    route = db.session.scalars(sa.select(Route)).first()
    assert route is not None and route.service.kind == ServiceKind.OUTREACH


def test_every_trigger_that_keeps_the_copy_current_is_in_place(app):
    """A later migration that rebuilds one of these tables (SQLite's batch mode does) drops its
    triggers silently: this fails until they are made again."""
    import importlib.util
    from pathlib import Path

    def migration(number):
        folder = Path(__file__).parents[2] / "migrations" / "versions"
        spec = importlib.util.spec_from_file_location(
            f"migration_{number}", next(folder.glob(f"{number}_*.py"))
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    made, dropped = migration("0004"), migration("0005")
    expected = {f"directory_{name}" for name, _, _ in set(made.CHANGES) - set(dropped.DROPPED)}
    assert expected == {
        "directory_services_insert",
        "directory_services_update",
        "directory_services_delete",
    }
    if db.engine.dialect.name == "postgresql":
        truncated = set(made.TRUNCATED) - set(dropped.DROPPED_TRUNCATE)
        expected |= {f"directory_{table}_truncate" for table in truncated}
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    present = {
        name for (name,) in db.session.execute(sa.text(query)) if name.startswith("directory_")
    }
    assert present == expected


def test_a_truncated_membership_table_is_seen(client, token, app, directory):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    worker = factories.user(Role.SERVICE_WORKER)
    db.session.add(ServiceMember(service_id=directory[ServiceKind.OUTREACH].id, user_id=worker.id))
    db.session.commit()
    refer(client, token)
    assert [m.to for m in factories.deliver()] == [worker.email]
    with db.engine.begin() as connection:
        connection.execute(sa.text("TRUNCATE service_members"))
    refer(client, token)
    assert factories.deliver() == []


def test_the_requests_own_copy_of_a_service_is_returned_untouched(app, directory):
    outreach_id = directory[ServiceKind.OUTREACH].id
    with app.test_request_context():
        own = db.session.get(Service, outreach_id)
        own.capacity_available = 7  # a change this request is making
        routed = cache.current().service_for(ServiceKind.OUTREACH)
        assert routed is own and routed.capacity_available == 7
        db.session.rollback()
