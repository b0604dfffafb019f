"""``flask demo load``'s referral history: a few hundred synthetic referrals over the last six
quarters and this one, so a manager can make the board pack and the Marac return for any of them.

Every referral goes through the real intake (``intake.build_referral``, as a partner system of its
agency would send it), dated by the intake's own ``now``: its people are matched and indexed, what
she told us is encrypted, its risk, Marac criteria, routes and SLA clocks are worked out for that
moment. What happens afterwards is dated in one place, ``_afterwards``: consent given later, the
first contact attempt (most in time, some late, a few never), routes closed, SLA breaches.

Everything is invented and seeded, so every load makes the same history (relative to today). Some
victims are referred again (repeat victims, some repeat Marac cases) and some perpetrators harm
more than one victim (serial perpetrators).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import Agency, User
from ..extensions import db
from ..notify.models import MessageStatus, OutboxMessage
from ..uk_time import LONDON, uk_today
from . import intake, sla
from .models import ConsentStatus, ContactAttempt, Referral, Route, RouteStatus
from .notifications import WAITING
from .referral_input import LEGAL_BASES
from .validation import parse

REFERRALS = 300  # the default of DEMO_HISTORY_REFERRALS
QUARTERS_BACK = 6  # the six quarters before this one, and this one so far
SEED = 12
BATCH = 40  # referrals per commit: one transaction each, not one per referral

# Who refers, as a share of referrals (the police most).
AGENCY_WEIGHTS = {
    "MPS": 40,
    "LBR": 14,
    "NELFT": 10,
    "BHRUT": 10,
    "VS": 8,
    "REFUGE": 6,
    "PROB": 5,
    "LFB": 3,
    "NHSNEL": 4,
}
FIRST_NAMES = (
    "Amara Bella Chloe Dana Esme Farah Gita Hana Ines Jade Kezia Lena Maya Nadia Olga Pia Rosa "
    "Sana Tara Uma Vera Wren Yara Zara Adam Ben Carl Dev Eli"
).split()
SURNAMES = (
    "Ahmed Brown Clarke Das Evans Fofana Green Hussain Islam Jones Khan Lewis Mensah Novak "
    "Osei Patel Quinn Rahman Singh Taylor Uddin Vieira Walsh Young Zaman"
).split()
MALE_NAMES = frozenset({"Adam", "Ben", "Carl", "Dev", "Eli"})


@dataclass
class _Victim:
    first: str
    last: str
    born: date
    phone: str
    perpetrator: dict[str, Any] | None


def _victims(rng: random.Random, count: int, today: date) -> list[_Victim]:
    # A few perpetrators harm more than one victim (serial perpetrators); the rest one each.
    serial = [_perpetrator(rng, today, f"Demo-Serial{n}") for n in range(8)]
    victims = []
    for n in range(count):
        young = rng.random() < 0.04
        age_days = (
            rng.randint(16 * 365 + 40, 17 * 365 + 300) if young else rng.randint(19 * 365, 70 * 365)
        )
        chance = rng.random()
        victims.append(
            _Victim(
                first=rng.choice(FIRST_NAMES),
                last=f"Demo-{rng.choice(SURNAMES)}{n}",  # a surname of her own: no false matches
                born=today - timedelta(days=age_days),
                phone=f"07700 9{n:05d}",
                perpetrator=rng.choice(serial)
                if chance < 0.07
                else _perpetrator(rng, today, f"Demo-{rng.choice(SURNAMES)}P{n}")
                if chance < 0.72
                else None,
            )
        )
    return victims


def _perpetrator(rng: random.Random, today: date, surname: str) -> dict[str, Any]:
    young = rng.random() < 0.03
    age_days = rng.randint(15 * 365, 17 * 365) if young else rng.randint(19 * 365, 60 * 365)
    return {
        "first_name": rng.choice(["Kyle", "Lee", "Mark", "Omar", "Ryan", "Dan", "Jo", "Sam"]),
        "last_name": surname,
        "relationship": rng.choice(["partner", "ex-partner", "son", "brother"]),
        "date_of_birth": (today - timedelta(days=age_days)).isoformat(),
    }


def _moment(rng: random.Random, start: date, end: date) -> datetime:
    """A UK working hour on a day from ``start`` to before ``end`` (now and then an evening)."""
    day = start + timedelta(days=rng.randrange((end - start).days))
    while day.weekday() >= 5 and rng.random() < 0.8:
        day += timedelta(days=1)
    hour = rng.choice([9, 10, 11, 12, 13, 14, 15, 16, 19, 22])
    local = datetime.combine(day, time(hour, rng.randrange(60)), tzinfo=LONDON)
    return local.astimezone(UTC)


def _body(rng: random.Random, victim: _Victim) -> tuple[dict[str, Any], str]:
    """An API referral body for ``victim``, and how its consent goes ("given", "override",
    "held", "later")."""
    band = rng.random()
    yes = (
        rng.randint(0, 9)
        if band < 0.58
        else rng.randint(10, 13)
        if band < 0.83
        else rng.randint(14, 20)
    )
    consent = rng.choices(["given", "override", "held", "later"], [82, 6, 4, 8])[0]
    gender = "Male" if victim.first in MALE_NAMES else rng.choice(["Female"] * 12 + ["female", ""])
    body: dict[str, Any] = {
        "victim": {
            "first_name": victim.first,
            "last_name": victim.last,
            "date_of_birth": victim.born.isoformat(),
            "postcode": "IG1 1DD",
            "phone": victim.phone,
            **({"gender": gender} if gender else {}),
            **(
                {"disability": rng.choice(["None", "Uses a wheelchair", "Deaf", "Anxiety"])}
                if rng.random() < 0.4
                else {}
            ),
        },
        "safe_contact": {
            "safe_to_contact": True,
            "phone": victim.phone,
            "safe_times": "Weekdays 10am to 2pm",
            "text_ok": True,
            "voicemail_ok": False,
            "letters_ok": False,
            "code_word": "demo",
        },
        "risk": {
            "tool": "dash",
            "answers": {str(q): "yes" if q <= yes else "no" for q in range(1, 25)},
        },
        "consent": {"status": "given" if consent == "given" else "refused"},
        "needs": ["housing"] if rng.random() < 0.15 else [],
        "children": [
            {"name": f"Demo child {c + 1}"} for c in range(rng.choice([0, 0, 0, 1, 1, 2, 3]))
        ],
        "narrative": "Synthetic demo referral. Nothing here is about a real person.",
    }
    if consent == "override":
        body["consent"]["override"] = {
            "legal_basis": rng.choice(list(LEGAL_BASES)),
            "reason": "Synthetic demo reason.",
        }
    if victim.perpetrator is not None:
        body["perpetrator"] = dict(victim.perpetrator)
    return body, consent


def load(worker: User | None) -> int:
    """Make the history unless it is there (a referral before this quarter); how many made.

    ``worker`` logs the first contact attempts (the demo's service worker)."""
    today = uk_today()
    this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    start = _quarters_before(this_quarter, QUARTERS_BACK)
    boundary = datetime.combine(this_quarter, time.min, tzinfo=LONDON).astimezone(UTC)
    if worker is None or db.session.scalar(
        sa.select(sa.exists().where(Referral.created_at < boundary))
    ):
        return 0
    agencies = dict(
        db.session.execute(sa.select(Agency.code, Agency.id).where(Agency.code.in_(AGENCY_WEIGHTS)))
        .tuples()
        .all()
    )
    rng = random.Random(SEED)  # noqa: S311  (synthetic data, seeded so every load is alike)
    count = int(current_app.config.get("DEMO_HISTORY_REFERRALS", REFERRALS))
    victims = _victims(rng, count, today)
    moments = sorted(_moment(rng, start, today) for _ in range(count))
    later: list[tuple[uuid.UUID, str]] = []
    codes = [code for code in AGENCY_WEIGHTS if code in agencies]
    weights = [AGENCY_WEIGHTS[code] for code in codes]
    met = 0  # victims referred so far
    for n, when in enumerate(moments):
        # Most are someone new; about one in six is someone referred before.
        if met == 0 or (met < len(victims) and rng.random() < 0.84):
            victim, met = victims[met], met + 1
        else:
            victim = rng.choice(victims[:met])
        body, consent = _body(rng, victim)
        code = rng.choices(codes, weights)[0]
        referral = intake.build_referral(intake.Submitter(agencies[code]), parse(body), now=when)
        later.append((referral.id, consent))
        if n % BATCH == BATCH - 1:
            db.session.commit()
    db.session.commit()
    _afterwards(rng, later, worker, datetime.now(UTC))
    return len(moments)


def _quarters_before(quarter_start: date, count: int) -> date:
    month = quarter_start.year * 12 + quarter_start.month - 1 - 3 * count
    return date(month // 12, month % 12 + 1, 1)


def _afterwards(
    rng: random.Random, made: list[tuple[uuid.UUID, str]], worker: User, now: datetime
) -> None:
    """What happened to each referral after it arrived, dated after it and before now: consent
    given a few days later (those "later"), and for each released route the first contact
    attempt (most by the SLA's due time, some late, about one in ten never), closing older ones.
    Read and written in bulk: a row at a time took longer than the intake itself.
    """
    consent_later = {referral_id for referral_id, consent in made if consent == "later"}
    rows = db.session.execute(
        sa.select(Route, Referral.created_at, Referral.marac, Referral.risk_level)
        .join(Referral, Referral.id == Route.referral_id)
        .where(Route.referral_id.in_([referral_id for referral_id, _ in made]))
        .order_by(Referral.created_at, Route.service_id)
    ).all()
    given: dict[uuid.UUID, datetime] = {}
    for route, created, marac, level in rows:
        if route.status == RouteStatus.HELD_FOR_CONSENT and route.referral_id in consent_later:
            when = given.setdefault(
                route.referral_id, _utc(created) + timedelta(days=rng.randint(1, 6))
            )
            if when < now:
                # intake.release needs only the referral's clock: its Marac flag and risk level.
                intake.release(route, Referral(marac=marac, risk_level=level), when)
        if route.released_at is not None:
            _first_contact(rng, route, worker, now)
    if given:
        db.session.execute(
            sa.update(Referral),
            [
                {
                    "id": referral_id,
                    "consent_status": ConsentStatus.GIVEN,
                    "consent_recorded_at": at,
                }
                for referral_id, at in given.items()
                if at < now
            ],
        )
    # The intake told each service of its new referral, at the time; those messages are long
    # past, and the demo's inboxes already show the referrals.
    db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.template == WAITING,
            OutboxMessage.status == MessageStatus.PENDING,
            OutboxMessage.created_at < now - timedelta(days=1),
        )
    )
    db.session.commit()


def _first_contact(rng: random.Random, route: Route, worker: User, now: datetime) -> None:
    if route.released_at is None:
        return
    released = _utc(route.released_at)
    due = _utc(route.due_at) if route.due_at else released
    fate = rng.random()
    if fate < 0.1:  # never reached
        if due < now:
            route.sla_breached_at = due
            if now - released > timedelta(days=30):
                route.status, route.outcome_code = RouteStatus.CLOSED, "no_contact"
        return
    if fate < 0.78:  # in time: a working hour before it was due
        at = released + (due - released) * rng.uniform(0.05, 0.9)
    else:  # late, by one to four working days
        late_day = sla.add_working_days(due.astimezone(LONDON).date(), rng.randint(1, 4))
        at = datetime.combine(late_day, time(11), tzinfo=LONDON).astimezone(UTC)
        if due < now:
            route.sla_breached_at = due
    if at >= now:
        return  # not yet: it is still waiting for its first attempt
    route.first_contact_at = at
    route.first_contact_working_days = sla.working_days_between(released, at)
    route.status = RouteStatus.CONTACT_ATTEMPTED
    route.updated_at = at
    db.session.add(
        ContactAttempt(
            route_id=route.id,
            actor_id=worker.id,
            at=at,
            channel="phone",
            outcome=rng.choice(["spoke", "spoke", "no_answer", "voicemail"]),
        )
    )
    if now - at > timedelta(days=60):
        route.status, route.outcome_code = RouteStatus.CLOSED, "support_completed"


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
