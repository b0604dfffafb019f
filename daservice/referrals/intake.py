"""Intake: turning validated answers into a referral, its people, risk and routes.

One path for the web journey and for partner systems. It is planned first and written second:
everything that reads or computes (matching, repeat and serial counts, risk, routing, encryption,
the new people's blind-index HMACs) happens in ``plan``; ``IntakePlan.write`` then only writes, so
the database's write lock (all of SQLite, while it is held) is held for the writes alone. Neither
commits: the use case that calls ``build_referral`` adds what it needs (a claimed draft, an
idempotency record) and commits once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import audit, notify, writer_slot
from ..accounts.models import User
from ..directory import cache
from ..extensions import db, insert_if_absent, utcnow
from ..inserts import NewRows
from ..people import matching as people
from ..people.models import Person, PersonKind
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


@dataclass
class IntakePlan:
    """A referral worked out and ready to write: its new rows (people, the referral, its routes,
    the messages to the services now waiting), the new people's index rows, the audit events, and
    whether the perpetrator's other referrals are to be flagged serial."""

    referral: Referral
    rows: NewRows
    index_rows: list[dict[str, Any]]
    events: list[audit.Entry]
    flag_serial: sa.Select[Any] | None  # the other referrals of a perpetrator now serial
    now: datetime

    def write(self) -> None:
        """Only writes, in the caller's transaction; the first takes the lock."""
        writer_slot.take()  # SQLite: wait for the other writers in the kernel, not by polling
        self.rows.set(self.referral, "reference", next_reference(self.now))
        self.rows.insert()
        people.insert_index_rows(self.index_rows)
        if self.flag_serial is not None:
            db.session.connection().execute(
                sa.update(Referral.__table__)
                .where(Referral.__table__.c.id.in_(self.flag_serial))
                .values(serial_perpetrator=True)
            )
        audit.record_all(self.events)


def build_referral(
    submitter: Submitter, data: ReferralInput, *, now: datetime | None = None
) -> Referral:
    """Plan and write a referral in the caller's transaction (which the caller commits)."""
    with db.session.no_autoflush:
        intake = plan(submitter, data, now or utcnow())
        intake.write()
    return intake.referral


def plan(submitter: Submitter, data: ReferralInput, now: datetime) -> IntakePlan:
    """Read and work out everything a referral needs; write nothing."""
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
    victim, victim_known = people.find_or_new(
        PersonKind.VICTIM,
        people.Identity(v.first_name, v.last_name, v.date_of_birth, v.phone, v.postcode),
        victim_fields,
    )
    perpetrator, perpetrator_fields, perpetrator_known = None, None, False
    if data.perpetrator:
        p = data.perpetrator
        perpetrator_fields = {
            "first_name": p.first_name,
            "last_name": p.last_name,
            "date_of_birth": p.date_of_birth,
            "address": p.address,
        }
        perpetrator, perpetrator_known = people.find_or_new(
            PersonKind.PERPETRATOR,
            people.Identity(p.first_name, p.last_name, p.date_of_birth),
            perpetrator_fields,
        )

    thresholds = risk.Thresholds.from_config(current_app.config)
    assessment = risk.assess(
        data.risk_answers,
        thresholds=thresholds,
        professional_judgement=data.professional_judgement,
        incidents_past_12_months=data.incidents_past_12_months,
        # A person this referral creates has no earlier referrals: no need to ask.
        repeat=victim_known and _is_repeat(victim, now, thresholds.repeat_months),
    )
    other_victims = None
    if perpetrator is not None and perpetrator_known:
        other_victims = sa.select(Referral.id).where(
            Referral.perpetrator_id == perpetrator.id, Referral.victim_id != victim.id
        )
        count = db.session.scalar(sa.select(sa.func.count()).select_from(other_victims.subquery()))
        if not count:
            other_victims = None

    referral = _referral(submitter, data, assessment, victim, perpetrator, now)
    referral.serial_perpetrator = other_victims is not None
    referral.victim_snapshot = _snapshot(victim_fields)
    referral.perpetrator_snapshot = _snapshot(perpetrator_fields) if perpetrator_fields else None

    facts = routing.Facts(
        assessment, bool(data.children), frozenset(data.needs), data.refer_perpetrator_to_programme
    )
    routes, unavailable, without_consent = _routes(referral, facts, data, now)
    referral.routes = routes  # a new referral: nothing to load
    messages = [
        notify.new_message(WAITING, audience=(SERVICE_WORKERS, str(route.service_id)), now=now)
        for route in routes
        if route.status == RouteStatus.PENDING
    ]

    new_people = [
        person
        for person, known in ((victim, victim_known), (perpetrator, perpetrator_known))
        if person is not None and not known
    ]
    linked = [
        person
        for person, known in ((victim, victim_known), (perpetrator, perpetrator_known))
        if person is not None and known
    ]
    return IntakePlan(
        referral=referral,
        rows=NewRows([*new_people, referral, *routes], write_only=messages),
        index_rows=people.index_values(new_people),  # the HMACs, outside the write lock
        events=_events(submitter, referral, data, linked, unavailable, without_consent),
        flag_serial=other_victims,
        now=now,
    )


def _is_repeat(victim: Person, now: datetime, months: int) -> bool:
    since = now - timedelta(days=round(months * 30.44))
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Referral)
            .where(
                Referral.victim_id == victim.id,
                Referral.marac.is_(True),
                Referral.created_at >= since,
            )
        )
    )


def _snapshot(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}


def _referral(
    submitter: Submitter,
    data: ReferralInput,
    assessment: risk.Assessment,
    victim: Person,
    perpetrator: Person | None,
    now: datetime,
) -> Referral:
    consent = ConsentStatus(data.consent_status)
    referral = Referral(
        referrer_id=submitter.user.id if submitter.user else None,
        api_client_id=submitter.client.id if submitter.client else None,
        agency_id=submitter.agency_id,
        victim_id=victim.id,
        perpetrator_id=perpetrator.id if perpetrator else None,
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
    v = data.victim
    referral.needs = list(data.needs)
    referral.victim_details = {
        "language": v.language,
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


def _routes(
    referral: Referral, facts: routing.Facts, data: ReferralInput, now: datetime
) -> tuple[list[Route], list[str], list[str]]:
    """The routes to the directory's services, those with no active service, and those made
    without consent because the rules make them lawful without it."""
    shareable = referral.consent_status == ConsentStatus.GIVEN or bool(data.override_legal_basis)
    directory = cache.current()
    routes: list[Route] = []
    unavailable: list[str] = []
    without_consent: list[str] = []
    for kind, lawful_without_consent in routing.plan(facts).items():
        service = directory.service_for(kind)
        if service is None:
            # Recorded for the partnership to act on; the directory needs an active service.
            current_app.logger.warning("no active %s service to route to", kind.value)
            unavailable.append(kind.value)
            continue
        held = not (shareable or (lawful_without_consent and service.receives_without_consent))
        route = Route(
            referral_id=referral.id,
            service_id=service.id,
            service=service,
            created_at=now,
            updated_at=now,
            status=RouteStatus.HELD_FOR_CONSENT,
        )
        if not held:
            release(route, referral, now)
            if not shareable:
                without_consent.append(kind.value)
        routes.append(route)
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
    linked: list[Person],
    unavailable: list[str],
    without_consent: list[str],
) -> list[audit.Entry]:
    actor = submitter.audit_actor
    events = [audit.Entry("referral.created", actor, "referral", referral.id)]
    for person in linked:
        events.append(
            audit.Entry(
                "person.linked",
                actor,
                "person",
                person.id,
                "tell your story once: matched on name and date of birth",
            )
        )
    if unavailable:
        events.append(
            audit.Entry(
                "route.unavailable", actor, "referral", referral.id, ",".join(unavailable)[:120]
            )
        )
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
