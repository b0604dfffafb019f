"""Two workers of one service acting on the same route at the same moment (security probe F3).

A route moves pending → accepted or pending → declined, never both: the move is one conditional
UPDATE, so of two racing requests exactly one wins, the other is told what happened instead, and
the audit holds one transition. Run on PostgreSQL too (``--db=postgresql``), where the requests
really overlap.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from daservice import audit
from daservice.accounts.models import Role, User
from daservice.directory.models import ServiceKind, ServiceMember
from daservice.exceptions import InvalidTransition
from daservice.extensions import db
from daservice.referrals import route_actions
from daservice.referrals.models import Route, RouteStatus
from tests import factories

ROUNDS = 6


@pytest.fixture()
def two_workers(app):
    directory = factories.directory()
    outreach = directory[ServiceKind.OUTREACH]
    referrer = factories.user(Role.REFERRER)
    first, second = factories.user(Role.SERVICE_WORKER), factories.user(Role.SERVICE_WORKER)
    db.session.add_all(
        [ServiceMember(service_id=outreach.id, user_id=u.id) for u in (first, second)]
    )
    db.session.commit()
    routes = []
    for n in range(ROUNDS):
        referral = factories.refer(
            referrer,
            factories.referral_payload(victim={"first_name": "Race", "last_name": f"Victim{n}"}),
        )
        routes.append(next(r.id for r in referral.routes if r.service_id == outreach.id))
    return first.id, second.id, routes


MOVES = {
    "accept": lambda user, route_id: route_actions.accept(user, route_id),
    "decline": lambda user, route_id: route_actions.decline(user, route_id, "race"),
    "close": lambda user, route_id: route_actions.close(
        user, route_id, outcome="no_contact", notes=None
    ),
    "contact": lambda user, route_id: route_actions.log_contact(
        user, route_id, channel="text", outcome="spoke", notes=None
    ),
}


def _race(
    app,
    first_id: uuid.UUID,
    second_id: uuid.UUID,
    route_id: uuid.UUID,
    moves: tuple[str, str] = ("accept", "decline"),
) -> list[str]:
    """The first worker's move and the second's at once (default: accept and decline); what
    each was told."""
    start = threading.Barrier(2)
    told: list[str] = []

    def act(user_id: uuid.UUID, move: str) -> None:
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                start.wait()
                MOVES[move](user, route_id)
                told.append(f"{move}: done")
            except InvalidTransition as refused:
                told.append(f"{move}: {refused}")
            except Exception as error:  # noqa: BLE001 - reported by the assertion
                told.append(f"{move}: crashed {error!r}")
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=act, args=(first_id, moves[0])),
        threading.Thread(target=act, args=(second_id, moves[1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return told


def test_racing_accept_and_decline_have_exactly_one_winner(app, two_workers):
    first_id, second_id, route_ids = two_workers
    for route_id in route_ids:
        told = _race(app, first_id, second_id, route_id)
        done = [line for line in told if line.endswith(": done")]
        assert len(done) == 1, told
        loser = next(line for line in told if not line.endswith(": done"))
        assert loser in (
            "accept: Someone else has already declined this referral",
            "decline: Someone else has already accepted this referral",
        ), told
        db.session.expire_all()
        route = db.session.get(Route, route_id)
        winner = done[0].split(":")[0]
        if winner == "accept":
            assert route.status == RouteStatus.ACCEPTED and route.decline_reason is None
        else:
            assert route.status == RouteStatus.DECLINED and route.decline_reason == "race"
        transitions = db.session.scalars(
            sa.select(audit.AuditEvent.action).where(
                audit.AuditEvent.target_id == str(route_id),
                audit.AuditEvent.action.in_(("route.accepted", "route.declined")),
            )
        ).all()
        assert transitions == [f"route.{winner}ed" if winner == "accept" else "route.declined"]
    checked = audit.verify()
    assert checked.ok, checked.problems


def test_a_move_from_a_status_read_earlier_is_refused_with_what_happened(app, two_workers):
    """The loser's view was stale: the route was declined after it was loaded."""
    first_id, second_id, route_ids = two_workers
    first, second = db.session.get(User, first_id), db.session.get(User, second_id)
    route_actions.decline(second, route_ids[0], "Out of area")
    with pytest.raises(InvalidTransition, match="Someone else has already declined"):
        route_actions.accept(first, route_ids[0])
    with pytest.raises(InvalidTransition, match="Someone else has already declined"):
        route_actions.decline(first, route_ids[0], "again")
    db.session.expire_all()
    assert db.session.get(Route, route_ids[0]).decline_reason == "Out of area"


def test_a_contact_attempt_racing_a_close_never_lands_on_a_closed_route(app, two_workers):
    first_id, second_id, route_ids = two_workers
    for route_id in route_ids:
        route_actions.accept(db.session.get(User, first_id), route_id)
        told = _race(app, first_id, second_id, route_id, moves=("contact", "close"))
        # Whichever is first wins; the other is told, or (contact first) the close follows it.
        assert sorted(told) in (
            ["close: done", "contact: Someone else has already closed this referral"],
            ["close: Someone else has already logged contact on this referral", "contact: done"],
            ["close: done", "contact: done"],
        ), told
        db.session.expire_all()
        route = db.session.get(Route, route_id)
        closed_at = db.session.scalar(
            sa.select(audit.AuditEvent.seq).where(
                audit.AuditEvent.target_id == str(route_id),
                audit.AuditEvent.action == "route.closed",
            )
        )
        contacts = db.session.scalars(
            sa.select(audit.AuditEvent.seq).where(
                audit.AuditEvent.target_id == str(route_id),
                audit.AuditEvent.action == "route.contact_attempted",
            )
        ).all()
        assert closed_at is None or all(seq < closed_at for seq in contacts)  # none after a close
        assert len(route.attempts) == len(contacts)


def test_two_contact_attempts_logged_at_once_both_count(app, two_workers):
    first_id, second_id, route_ids = two_workers
    for route_id in route_ids:
        route_actions.accept(db.session.get(User, first_id), route_id)
        told = _race(app, first_id, second_id, route_id, moves=("contact", "contact"))
        assert told == ["contact: done", "contact: done"], told
        db.session.expire_all()
        route = db.session.get(Route, route_id)
        assert route.status == RouteStatus.CONTACT_ATTEMPTED and len(route.attempts) == 2


TUESDAY = datetime(2026, 9, 1, 10, tzinfo=UTC)
MOVES["contact on 1 September"] = lambda user, route_id: route_actions.log_contact(
    user, route_id, channel="phone", outcome="spoke", notes=None, at=TUESDAY
)
MOVES["contact on 4 September"] = lambda user, route_id: route_actions.log_contact(
    user,
    route_id,
    channel="phone",
    outcome="spoke",
    notes=None,
    at=datetime(2026, 9, 4, 10, tzinfo=UTC),
)


def test_two_attempts_logged_at_once_keep_the_earliest_and_its_working_days(app, two_workers):
    """Released on Friday 28 August 2026 (Monday 31 August is a bank holiday); attempts made on
    Tuesday 1 and Friday 4 September are logged at the same moment, in either order. The first
    contact is Tuesday's, 1 working day after release, whichever lands first."""
    first_id, second_id, route_ids = two_workers
    friday = datetime(2026, 8, 28, 9, tzinfo=UTC)
    moves = ("contact on 1 September", "contact on 4 September")
    for n, route_id in enumerate(route_ids):
        route = db.session.get(Route, route_id)
        route.released_at = route.referral.created_at = friday
        db.session.commit()
        route_actions.accept(db.session.get(User, first_id), route_id)
        told = _race(app, first_id, second_id, route_id, moves if n % 2 else moves[::-1])
        assert sorted(told) == sorted(f"{move}: done" for move in moves)
        db.session.expire_all()
        route = db.session.get(Route, route_id)
        assert (route.first_contact_at, route.first_contact_working_days) == (TUESDAY, 1)
