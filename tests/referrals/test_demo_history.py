"""``flask demo load``'s referral history: referrals through the real intake over the last six
quarters, with what happened afterwards, made once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.extensions import db
from daservice.notify.models import OutboxMessage
from daservice.referrals import demo_history
from daservice.referrals.models import ContactAttempt, Referral, Route
from daservice.reports import periods
from daservice.uk_time import uk_today

from .. import factories
from ..conftest import row_count


def test_the_history_spans_six_quarters_with_what_happened_afterwards(app, directory):
    app.config["DEMO_HISTORY_REFERRALS"] = 120
    worker = factories.user(Role.SERVICE_WORKER)
    assert demo_history.load(worker) == 120
    made = db.session.scalars(sa.select(Referral.created_at)).all()
    quarters = {periods.quarter(uk_today(at.replace(tzinfo=UTC))).key for at in made}
    this_quarter = periods.quarter(uk_today())
    expected = {this_quarter.shifted(-n).key for n in range(1, 7)}
    assert expected <= quarters <= expected | {this_quarter.key}
    # Through the real intake: encrypted and indexed, risk and routes worked out for the time.
    assert row_count("person_index") > 0
    stored = db.session.execute(sa.text("SELECT narrative FROM referrals")).scalars().first()
    assert stored.startswith("ev1.")
    routes = db.session.scalars(sa.select(Route).where(Route.released_at.is_not(None))).all()
    assert all(r.due_at > r.released_at for r in routes)
    contacted = [r for r in routes if r.first_contact_at is not None]
    late = [r for r in contacted if r.first_contact_at > r.due_at]
    assert contacted and late and len(late) < len(contacted) / 2
    assert all(r.first_contact_at >= r.released_at for r in contacted)
    assert row_count("contact_attempts") == len(contacted)
    # Some victims referred again, some shared without consent, some held, some high risk.
    victims = db.session.execute(
        sa.select(Referral.victim_id, sa.func.count()).group_by(Referral.victim_id)
    ).all()
    assert any(n > 1 for _, n in victims)
    assert db.session.scalar(
        sa.select(sa.func.count()).where(Referral.override_legal_basis.is_not(None))
    )
    assert db.session.scalar(sa.select(sa.func.count()).where(Referral.marac.is_(True)))
    # The services were told of each referral at the time: none of those is still to be sent.
    old = datetime.now(UTC) - timedelta(days=2)
    assert not db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.created_at < old))
    # Made once.
    assert demo_history.load(worker) == 0
    assert row_count("referrals") == 120
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactAttempt)) == len(
        contacted
    )
