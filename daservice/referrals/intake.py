"""Intake: turning validated answers into a referral, its people, risk and routes.

One path for the web journey and for partner systems. It is planned first and written second:
everything that reads or computes (matching, repeat and serial counts, risk, routing, encryption,
the new people's blind-index HMACs) happens in ``plan``; ``IntakePlan.write`` then only writes, so
the database's write lock (all of SQLite, while it is held) is held for the writes alone. Neither
commits: the use case that calls ``build_referral`` adds what it needs (a claimed draft, an
idempotency record) and commits once.

Whether the victim (or the perpetrator) was already known must not change the time the request
takes: a referrer is never told, and the time to answer would tell her (DESIGN §3; security probe
F1). So the request does the same work either way. Matching always confirms one candidate's worth
of decryptions and always makes the new person and her index rows; the repeat and serial queries
always run; the Marac and Idva routes an earlier Marac referral would add, and their messages, are
planned whenever the referrer's answers alone meet no Marac criterion. Every planned row goes to
the database in the same statements, each row saying whether it is kept (``_insert_kept``), and
the audit events are as many either way (``person.linked`` or ``person.added``).
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, notify, writer_slot
from ..accounts.models import User
from ..directory import cache
from ..extensions import db, insert_if_absent, utcnow
from ..inserts import NewRows
from ..inserts import _column_values as column_values  # what NewRows inserts for an object
from ..notify.models import OutboxMessage
from ..people import matching as people
from ..people.models import Person, PersonIndex, PersonKind
from ..uk_time import uk_today
from . import risk, routing, sla
from .models import ConsentStatus, ReferenceCounter, Referral, Route, RouteStatus
from .notifications import SERVICE_WORKERS, WAITING
from .validation import ReferralInput


@dataclass(frozen=True)
class Submitter:
    """Who is referring: a signed-in professional, or an agency's partner system."""

    agency_id: uuid.UUID
    user: User | None = None
    client: audit.Actor | None = None  # a partner system (api.models.PartnerSystem)

    @property
    def audit_actor(self) -> audit.Actor | None:
        return self.user or self.client


_COUNTERS = ReferenceCounter.__table__
_COUNT_ON = (
    sa.update(_COUNTERS)
    .where(_COUNTERS.c.year == sa.bindparam("this_year"))
    .values(last=_COUNTERS.c.last + 1)
    .returning(_COUNTERS.c.last)
)


def next_reference(now: datetime) -> str:
    """DA-YYYY-NNNNNN, from a per-year counter updated first so concurrent writers queue."""
    year = now.year
    connection = db.session.connection()
    row = connection.execute(_COUNT_ON, {"this_year": year}).scalar_one_or_none()
    if row is None:
        # The first referral of the year: create the counter unless a concurrent request just
        # did (that one waits for it, on PostgreSQL), then count on from it like everyone else.
        insert_if_absent(connection, _COUNTERS, year=year, last=0)
        row = connection.execute(_COUNT_ON, {"this_year": year}).scalar_one()
    return f"DA-{year}-{row:06d}"


@dataclass(frozen=True)
class Planned:
    """A row planned whatever matching found, and whether it is written."""

    values: dict[str, Any]  # its column values, read when planned (outside the write lock)
    kept: bool
    obj: Any = None  # the model object it came from, joined to the session once written

    @classmethod
    def of(cls, obj: Any, kept: bool) -> Planned:
        return cls(column_values(obj), kept, obj)


@dataclass
class IntakePlan:
    """A referral worked out and ready to write: the referral, the people's rows and index rows,
    its routes and the messages to the services now waiting (each planned whether or not kept),
    the audit events, and which other referrals of the perpetrator are now serial."""

    referral: Referral
    rows: NewRows  # the referral's
    people: list[Planned]
    index_rows: list[Planned]
    routes: list[Planned]
    messages: list[Planned]
    events: list[audit.Entry]
    flag_serial: sa.Select[Any] | None  # the other referrals of a perpetrator now serial
    now: datetime

    def write(self) -> None:
        """Only writes, in the caller's transaction; the first takes the lock. The statements,
        and the rows each binds, are the same whatever matching found."""
        writer_slot.take()  # SQLite: wait for the other writers in the kernel, not by polling
        self.rows.set(self.referral, "reference", next_reference(self.now))
        _insert_kept(_PEOPLE, self.people)  # before the referral, which refers to them
        _insert_kept(_INDEX, self.index_rows)
        self.rows.insert()
        _insert_kept(_ROUTES, self.routes)
        _insert_kept(_MESSAGES, self.messages)
        routes = [planned.obj for planned in self.routes if planned.kept]
        for route in routes:  # joined to the session as if flushed: nothing is loaded again
            make_transient_to_detached(route)
        db.session.add_all(routes)
        set_committed_value(self.referral, "routes", routes)
        if self.flag_serial is not None:
            db.session.connection().execute(
                sa.update(Referral.__table__)
                .where(
                    Referral.__table__.c.id.in_(self.flag_serial),
                    Referral.__table__.c.serial_perpetrator.is_not(True),  # flagged once
                )
                .values(serial_perpetrator=True)
            )
        audit.record_all(self.events)


_KEPT = "kept_row"
_PEOPLE, _INDEX = Person.__table__, PersonIndex.__table__
_ROUTES, _MESSAGES = Route.__table__, OutboxMessage.__table__


def _insert_kept(table: sa.Table, planned: list[Planned]) -> None:
    """Insert the kept rows of ``table`` in one statement that binds every planned row, so the
    database is sent the same work whichever are kept (it skips the others: INSERT ... SELECT
    ... WHERE kept)."""
    if not planned:
        return
    rows = [p.values for p in planned]
    names = tuple(column.key for column in table.columns if any(column.key in row for row in rows))
    connection = db.session.connection()
    statement = _kept_insert(table, names, connection.dialect.name == "postgresql")
    connection.execute(
        statement,
        [
            {**{n: row.get(n) for n in names}, _KEPT: p.kept}
            for p, row in zip(planned, rows, strict=True)
        ],
    )


@functools.cache
def _kept_insert(table: sa.Table, names: tuple[str, ...], typed: bool) -> sa.Insert:
    """INSERT INTO table (names) SELECT :name, ... WHERE :kept_row. PostgreSQL gives a bare
    parameter in a select list no type, so there each is cast to its column's; SQLite needs (and,
    for its date-times, must have) none."""

    def value(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        parameter = sa.bindparam(column.key, type_=column.type)
        return sa.cast(parameter, column.type) if typed else parameter

    kept = value(sa.column(_KEPT, sa.Boolean))
    return table.insert().from_select(
        list(names), sa.select(*(value(table.c[name]) for name in names)).where(kept)
    )


def build_referral(
    submitter: Submitter, data: ReferralInput, *, now: datetime | None = None
) -> Referral:
    """Plan and write a referral in the caller's transaction (which the caller commits)."""
    with db.session.no_autoflush:
        intake = plan(submitter, data, now or utcnow())
        intake.write()
    return intake.referral


def plan(submitter: Submitter, data: ReferralInput, now: datetime) -> IntakePlan:
    """Read and work out everything a referral needs; write nothing. Whether anyone was known
    changes the values worked out, never the work (see the module's docstring)."""
    v = data.victim
    victim_fields = {
        "first_name": v.first_name,
        "last_name": v.last_name,
        "other_names": v.other_names,
        "date_of_birth": v.date_of_birth,
        "gender": v.gender,
        "address": v.address,
        "postcode": v.postcode,
        "phone": v.phone,
        "email": v.email,
    }
    victim = people.resolve(
        PersonKind.VICTIM,
        people.Identity(v.first_name, v.last_name, v.date_of_birth, v.phone, v.postcode),
        victim_fields,
        now,
    )
    perpetrator, perpetrator_fields = None, None
    if data.perpetrator:
        p = data.perpetrator
        perpetrator_fields = {
            "first_name": p.first_name,
            "last_name": p.last_name,
            "date_of_birth": p.date_of_birth,
            "address": p.address,
        }
        perpetrator = people.resolve(
            PersonKind.PERPETRATOR,
            people.Identity(p.first_name, p.last_name, p.date_of_birth),
            perpetrator_fields,
            now,
        )
    resolved = [person for person in (victim, perpetrator) if person is not None]

    thresholds = risk.Thresholds.from_config(current_app.config)
    earlier = _earlier_referrals(victim.person_id, now, thresholds.repeat_months)
    assessment = risk.assess(
        data.risk_answers,
        thresholds=thresholds,
        professional_judgement=data.professional_judgement,
        incidents_past_12_months=data.incidents_past_12_months,
        # Asked for a new person too (who has none): skipping it would show she was new.
        repeat=earlier.marac_within,
    )
    other_victims, serial = None, False
    if perpetrator is not None:  # asked for a new perpetrator too, for the same reason
        other_victims = sa.select(Referral.id).where(
            Referral.perpetrator_id == perpetrator.person_id,
            Referral.victim_id != victim.person_id,
        )
        serial = bool(db.session.scalar(sa.select(other_victims.exists())))

    referral = _referral(submitter, data, assessment, victim, perpetrator, now)
    referral.serial_perpetrator = serial
    referral.repeat_victim = earlier.any_within_a_year
    referral.victim_snapshot = _snapshot(victim_fields)
    referral.perpetrator_snapshot = _snapshot(perpetrator_fields) if perpetrator_fields else None

    facts = routing.Facts(
        assessment, bool(data.children), frozenset(data.needs), data.refer_perpetrator_to_programme
    )
    routes, unavailable, without_consent = _routes(referral, facts, data, now)
    messages = [
        Planned.of(
            notify.new_message(WAITING, audience=(SERVICE_WORKERS, str(route.service_id)), now=now),
            planned.kept,
        )
        for planned in routes
        for route in (planned.obj,)
        if route.status == RouteStatus.PENDING
    ]
    return IntakePlan(
        referral=referral,
        rows=NewRows([referral]),
        people=[Planned.of(person.new, not person.known) for person in resolved],
        index_rows=[
            Planned(row, not person.known) for person in resolved for row in person.index_rows
        ],
        routes=routes,
        messages=messages,
        events=_events(submitter, referral, data, resolved, unavailable, without_consent),
        flag_serial=other_victims,  # run for a new perpetrator too (it then changes nothing)
        now=now,
    )


@dataclass(frozen=True)
class EarlierReferrals:
    marac_within: bool  # referred to Marac in the repeat criterion's months
    any_within_a_year: bool  # referred at all, by any agency, in the 12 months before


def _earlier_referrals(victim_id: uuid.UUID, now: datetime, months: int) -> EarlierReferrals:
    """What her earlier referrals say, in one statement of two EXISTS: each stops at the first
    such referral, so its cost does not grow with how often she was referred."""
    since = now - timedelta(days=round(months * 30.44))
    marac = sa.exists().where(
        Referral.victim_id == victim_id,
        Referral.marac.is_(True),
        Referral.created_at >= since,
    )
    any_within = sa.exists().where(
        Referral.victim_id == victim_id,
        Referral.created_at >= now - relativedelta(months=12),
        Referral.created_at < now,
    )
    row = db.session.execute(sa.select(marac, any_within)).one()
    return EarlierReferrals(bool(row[0]), bool(row[1]))


def _snapshot(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}


def _referral(
    submitter: Submitter,
    data: ReferralInput,
    assessment: risk.Assessment,
    victim: people.Resolved,
    perpetrator: people.Resolved | None,
    now: datetime,
) -> Referral:
    consent = ConsentStatus(data.consent_status)
    referral = Referral(
        referrer_id=submitter.user.id if submitter.user else None,
        api_client_id=submitter.client.id if submitter.client else None,
        agency_id=submitter.agency_id,
        victim_id=victim.person_id,
        perpetrator_id=perpetrator.person_id if perpetrator else None,
        created_at=now,
        risk_score=assessment.score,
        risk_level=assessment.level.value,
        marac=assessment.marac,
        incidents_past_12_months=data.incidents_past_12_months,
        refer_perpetrator_to_programme=data.refer_perpetrator_to_programme,
        consent_status=consent,
        consent_recorded_at=now if consent == ConsentStatus.GIVEN else None,
    )
    met = {criterion.value for criterion in assessment.criteria}
    for flag in (criterion.value for criterion in risk.Criterion):  # all set: nothing to load
        setattr(referral, flag, flag in met)
    _set_return_flags(referral, data, uk_today(now))
    v = data.victim
    referral.needs = list(data.needs)
    referral.victim_details = {
        "language": v.language,
        "pronouns": v.pronouns,
        "interpreter_needed": v.interpreter_needed,
        "disability": v.disability,
    }
    referral.safe_contact = data.safe_contact
    referral.perpetrator_relationship = data.perpetrator.relationship if data.perpetrator else None
    referral.children = data.children
    referral.dash_answers = {k: a.value for k, a in data.risk_answers.items()}
    referral.judgement_reason = data.judgement_reason
    referral.narrative = data.narrative
    if data.override_legal_basis:
        referral.override_legal_basis = data.override_legal_basis
        referral.override_reason = data.override_reason
        referral.override_by_id = submitter.user.id if submitter.user else None
        referral.override_at = now
    return referral


# What the victim's gender answer (free text) says for the Marac return's "male victims". Anything
# else, or no answer, is not known (None): the return counts only those we were told about.
_MALE = frozenset({"male", "man", "m", "trans man", "boy"})
_FEMALE = frozenset({"female", "woman", "f", "trans woman", "girl"})
# A disability answer that says there is none (the question is "Disability or access needs").
_NO_DISABILITY = frozenset({"no", "none", "n/a", "na", "nil", "no disability", "not disabled"})


def _words(answer: str | None) -> str:
    return " ".join((answer or "").lower().replace(".", "").split())


def _age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _set_return_flags(referral: Referral, data: ReferralInput, day: date) -> None:
    """The SafeLives Marac return's yes/no flags and the number of children, derived from what
    she told us on the referral's UK date. Only these leave the protected answers: the gender,
    the dates of birth and the disability stay encrypted."""
    v = data.victim
    gender = _words(v.gender)
    referral.victim_male = True if gender in _MALE else False if gender in _FEMALE else None
    age = _age_on(v.date_of_birth, day)
    referral.victim_aged_16_17 = None if age is None else 16 <= age <= 17
    disability = _words(v.disability)
    referral.victim_disabled = None if not disability else disability not in _NO_DISABILITY
    perpetrator_age = _age_on(data.perpetrator.date_of_birth, day) if data.perpetrator else None
    referral.perpetrator_under_18 = None if perpetrator_age is None else perpetrator_age < 18
    referral.children_count = len(data.children)


def _routes(
    referral: Referral, facts: routing.Facts, data: ReferralInput, now: datetime
) -> tuple[list[Planned], list[str], list[str]]:
    """The routes to the directory's services (with those an earlier Marac referral would add,
    planned but not kept: ``routing.plan_either_way``), the kinds with no active service, and
    those routed without consent because the rules make them lawful without it."""
    shareable = referral.consent_status == ConsentStatus.GIVEN or bool(data.override_legal_basis)
    directory = cache.current()
    routes: list[Planned] = []
    unavailable: list[str] = []
    without_consent: list[str] = []
    for kind, (lawful_without_consent, kept) in routing.plan_either_way(facts).items():
        service = directory.service_for(kind)
        if service is None:
            if kept:
                # Recorded for the partnership to act on; the directory needs an active service.
                current_app.logger.warning("no active %s service to route to", kind.value)
                unavailable.append(kind.value)
            continue
        held = not (shareable or (lawful_without_consent and service.receives_without_consent))
        route = Route(
            referral_id=referral.id,
            service_id=service.id,
            service=service,
            referral_agency_id=referral.agency_id,
            referral_risk_level=referral.risk_level,
            created_at=now,
            updated_at=now,
            status=RouteStatus.HELD_FOR_CONSENT,
        )
        if not held:
            release(route, referral, now)
            if not shareable and kept:
                without_consent.append(kind.value)
        routes.append(Planned.of(route, kept))
    return routes, unavailable, without_consent


def sla_level(referral: Referral) -> str:
    """A referral that meets any Marac criterion gets the high-risk clock, whatever its score."""
    return "high" if referral.marac else referral.risk_level


def release(route: Route, referral: Referral, now: datetime) -> None:
    """The route may now be worked: it is pending, and its first-contact clock starts."""
    route.status = RouteStatus.PENDING
    route.released_at = now
    route.updated_at = now
    days = current_app.config.get("SLA_WORKING_DAYS") or {}
    route.due_at = sla.due_at(now, sla.working_days_for(sla_level(referral), days))


def _events(
    submitter: Submitter,
    referral: Referral,
    data: ReferralInput,
    resolved: list[people.Resolved],
    unavailable: list[str],
    without_consent: list[str],
) -> list[audit.Entry]:
    actor = submitter.audit_actor
    events = [audit.Entry("referral.created", actor, "referral", referral.id)]
    for person in resolved:  # one event per person either way, as alike as can be
        events.append(
            audit.Entry(
                "person.linked" if person.known else "person.added",
                actor,
                "person",
                person.person_id,
                "tell your story once: "
                + ("matched on name and date of birth" if person.known else "no one matched"),
            )
        )
    if unavailable:
        events.append(
            audit.Entry(
                "route.unavailable", actor, "referral", referral.id, ",".join(unavailable)[:120]
            )
        )
    shareable = data.consent_status == ConsentStatus.GIVEN or bool(data.override_legal_basis)
    if not shareable and not without_consent:
        # As many events as when the routes an earlier Marac referral adds were shared without
        # consent (the next event): whether she was known must not change the work.
        events.append(audit.Entry("consent.awaited", actor, "referral", referral.id))
    if without_consent:
        # Lawful without consent under the routing rules (safeguarding / Marac); reportable.
        events.append(
            audit.Entry(
                "consent.shared_without_consent",
                actor,
                "referral",
                referral.id,
                ",".join(without_consent)[:120],
            )
        )
    if data.override_legal_basis:
        events.append(
            audit.Entry(
                "consent.override", actor, "referral", referral.id, data.override_legal_basis
            )
        )
    return events
