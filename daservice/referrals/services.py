"""Referral use cases: one unit of work each."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached

from .. import audit, notify, writer_slot
from ..accounts.models import User
from ..directory import cache
from ..directory.models import ServiceKind
from ..errors_domain import InvalidTransition
from ..extensions import db, utcnow
from . import people, policy, risk, routing, sla
from .models import (
    ConsentStatus,
    ContactAttempt,
    PartnerSystem,
    Person,
    PersonKind,
    ReferenceCounter,
    Referral,
    Route,
    RouteStatus,
)
from .validation import ReferralInput


@dataclass(frozen=True)
class Submitter:
    """Who is referring: a signed-in professional, or an agency's partner system."""

    agency_id: uuid.UUID
    user: User | None = None
    client: PartnerSystem | None = None

    @property
    def audit_actor(self) -> Any:
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
        insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(
            _COUNTERS
        )
        connection.execute(insert.values(year=year, last=0).on_conflict_do_nothing())
        row = connection.execute(_COUNT_ON, {"this_year": year}).scalar_one()
    return f"DA-{year}-{row:06d}"


# Compounds strong enough to link automatically: a shared phone or postcode (a refuge's, say)
# must never merge two different women.
LINKING_COMPOUNDS = ("surname_dob", "initial_surname_dob")


def _link_person(
    kind: PersonKind, identity: people.Identity, fields: dict[str, Any]
) -> tuple[Person, bool]:
    """The person this is about: an existing one on a name-and-date-of-birth match, else a new
    one, not yet added to the session. A referral never changes an existing person (each referral
    keeps its own copy)."""
    matches = people.find_matches(kind, identity, on=LINKING_COMPOUNDS)
    if matches:
        return min(matches, key=lambda person: person.created_at), True  # the first known
    return people.new_person(kind, **fields), False


def _snapshot(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}


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


def create_referral(
    submitter: Submitter, data: ReferralInput, *, now: datetime | None = None
) -> Referral:
    """Record a referral, link the people, assess risk, and route it, lawfully. Commits."""
    referral = build_referral(submitter, data, now=now)
    commit_and_notify(referral.routes)
    return referral


def build_referral(
    submitter: Submitter, data: ReferralInput, *, now: datetime | None = None
) -> Referral:
    """Everything ``create_referral`` does, inside the caller's transaction (no commit).

    Everything is read and worked out first and written together at the end, so the database's
    write lock (all of SQLite, while it is held) is held only for the writes themselves."""
    with db.session.no_autoflush:
        referral, writes = _prepare(submitter, data, now or utcnow())
        writes()
    return referral


def _prepare(
    submitter: Submitter, data: ReferralInput, now: datetime
) -> tuple[Referral, Callable[[], None]]:
    config = current_app.config
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
    victim, victim_known = _link_person(
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
        perpetrator, perpetrator_known = _link_person(
            PersonKind.PERPETRATOR,
            people.Identity(p.first_name, p.last_name, p.date_of_birth),
            perpetrator_fields,
        )

    thresholds = risk.Thresholds.from_config(config)
    assessment = risk.assess(
        data.risk_answers,
        thresholds=thresholds,
        professional_judgement=data.professional_judgement,
        incidents_past_12_months=data.incidents_past_12_months,
        # A person this referral creates has no earlier referrals: no need to ask.
        repeat=victim_known and _is_repeat(victim, now, thresholds.repeat_months),
    )
    other_victims = None
    serial = False
    if perpetrator is not None and perpetrator_known:
        other_victims = sa.select(Referral.id).where(
            Referral.perpetrator_id == perpetrator.id, Referral.victim_id != victim.id
        )
        count = db.session.scalar(sa.select(sa.func.count()).select_from(other_victims.subquery()))
        serial = bool(count)

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
        serial_perpetrator=serial,
        refer_perpetrator_to_programme=data.refer_perpetrator_to_programme,
        consent_status=consent,
        consent_recorded_at=now if consent == ConsentStatus.GIVEN else None,
    )
    met = {criterion.value for criterion in assessment.criteria}
    for flag in (criterion.value for criterion in risk.Criterion):  # all set: nothing to load
        setattr(referral, flag, flag in met)
    referral.victim_snapshot = _snapshot(victim_fields)
    referral.perpetrator_snapshot = _snapshot(perpetrator_fields) if perpetrator_fields else None
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

    facts = routing.Facts(
        assessment, bool(data.children), frozenset(data.needs), data.refer_perpetrator_to_programme
    )
    shareable = consent == ConsentStatus.GIVEN or data.override_legal_basis is not None
    without_consent: list[str] = []
    unavailable: list[str] = []
    directory = cache.current()
    routes: list[Route] = []
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
            status=RouteStatus.HELD_FOR_CONSENT if held else RouteStatus.PENDING,
        )
        if not held:
            _release(route, _sla_level(referral), now)
        routes.append(route)
        if not held and not shareable:
            without_consent.append(kind.value)
    referral.routes = routes  # a new referral: nothing to load

    actor = submitter.audit_actor
    events = [audit.Entry("referral.created", actor, "referral", referral.id)]
    for person, known in ((victim, victim_known), (perpetrator, perpetrator_known)):
        if person is not None and known:
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
    new_people = [
        person
        for person, known in ((victim, victim_known), (perpetrator, perpetrator_known))
        if person is not None and not known
    ]
    new_index_rows = people.index_values(new_people)  # the HMACs, outside the write lock
    rows: list[Any] = [*new_people, referral, *routes]
    values = [_column_values(row) for row in rows]  # also outside it: only statements run inside
    referral_values = values[len(new_people)]
    inserts = _by_insert(rows, values)

    def write() -> None:
        # The first write takes the lock; from here to the commit, only writes. New rows go in
        # as one insert per table, then join the session as loaded objects.
        writer_slot.take()  # SQLite: wait for the other writers in the kernel, not by polling
        referral.reference = referral_values["reference"] = next_reference(now)
        connection = db.session.connection()
        for (table, _), parameters in inserts.items():
            connection.execute(table.insert(), parameters)
        people.insert_index_rows(new_index_rows)
        if serial and other_victims is not None:
            connection.execute(
                sa.update(Referral.__table__)
                .where(Referral.__table__.c.id.in_(other_victims))
                .values(serial_perpetrator=True)
            )
        audit.record_all(events)
        for row in rows:  # all first: adding the referral cascades to its routes
            make_transient_to_detached(row)
        db.session.add_all(rows)  # persistent and clean: nothing left to flush

    return referral, write


def _column_values(row: Any) -> dict[str, Any]:
    """A new row's column values as set on it; columns left unset get their defaults from the
    insert, as in a flush."""
    state = sa.inspect(row)
    return {
        prop.columns[0].key: state.dict[prop.key]
        for prop in state.mapper.column_attrs
        if prop.key in state.dict
    }


def _by_insert(
    rows: list[Any], values: list[dict[str, Any]]
) -> dict[tuple[sa.Table, frozenset[str]], list[dict[str, Any]]]:
    """One insert per table and set of columns, in the rows' order (people, then the referral,
    then its routes: the order their foreign keys need)."""
    inserts: dict[tuple[sa.Table, frozenset[str]], list[dict[str, Any]]] = {}
    for row, row_values in zip(rows, values, strict=True):
        table = sa.inspect(row).mapper.local_table
        inserts.setdefault((table, frozenset(row_values)), []).append(row_values)
    return inserts


def _sla_level(referral: Referral) -> str:
    """A referral that meets any Marac criterion gets the high-risk clock, whatever its score."""
    return "high" if referral.marac else referral.risk_level


def _release(route: Route, level: str, now: datetime) -> None:
    route.status = RouteStatus.PENDING
    route.released_at = now
    days = current_app.config.get("SLA_WORKING_DAYS") or {}
    route.due_at = sla.due_at(now, sla.working_days_for(level, days))


def commit_and_notify(routes: list[Route]) -> None:
    """Commit the caller's transaction, then tell the workers of each service now waiting for one
    of these routes. Who to tell is read before the commit (which expires the routes), from this
    request's reading of the directory; nothing is sent unless the commit succeeded."""
    waiting = [route.service_id for route in routes if route.status == RouteStatus.PENDING]
    recipients = cache.current().recipients if waiting else {}
    db.session.commit()
    notify_services(waiting, recipients)


def notify_services(
    service_ids: list[uuid.UUID], recipients: dict[uuid.UUID, tuple[str, ...]]
) -> None:
    """Tell each receiving service's workers that something is waiting. No case detail."""
    # Never build the link from the request's Host header: anyone can set that.
    base = current_app.config.get("SERVICE_URL") or ""
    for service_id in service_ids:
        for email in recipients.get(service_id, ()):
            _send_safely(
                notify.Message(
                    to=email,
                    subject="A new referral is waiting in your daservice inbox",
                    body="A new referral has been routed to your service. Sign in to see it"
                    + (f": {base}" if base else "."),
                )
            )


def _send_safely(message: notify.Message) -> None:
    """The referral is already saved: a failed notification must not turn that into an error."""
    try:
        notify.send(message)
    except Exception:  # noqa: BLE001 - any backend failure
        current_app.logger.exception("notification failed; the referral was saved")


def record_consent(
    actor: User | PartnerSystem, referral: Referral, *, now: datetime | None = None
) -> list[Route]:
    """Consent given later: release every route held for it."""
    now = now or utcnow()
    referral.consent_status = ConsentStatus.GIVEN
    referral.consent_recorded_at = now
    released = [r for r in referral.routes if r.status == RouteStatus.HELD_FOR_CONSENT]
    for route in released:
        _release(route, _sla_level(referral), now)
        route.updated_at = now
    audit.record("consent.given", actor=actor, target_type="referral", target_id=referral.id)
    commit_and_notify(released)
    return released


def overall_status(routes: list[Route]) -> str:
    """One word for where a referral is: received, held_for_consent, routed or closed."""
    statuses = {route.status for route in routes}
    if not statuses:
        return "received"
    if statuses == {RouteStatus.HELD_FOR_CONSENT}:
        return "held_for_consent"
    if statuses <= {RouteStatus.CLOSED, RouteStatus.DECLINED}:
        return "closed"
    return "routed"


def submitter_criteria(referral: Referral) -> list[str]:
    """The Marac criteria the person who referred may be told. "repeat" is left out: it would tell
    them she was referred before, which DESIGN §3 forbids (the "is she in the system?" oracle).
    Receiving services see every criterion."""
    return [c for c in referral.criteria if c != "repeat"]


# Routes made only because of a Marac criterion.
MARAC_ROUTE_KINDS = frozenset({ServiceKind.MARAC, ServiceKind.IDVA})


def submitter_routes(referral: Referral) -> list[Route]:
    """The routes the person who referred is shown. When the only Marac criterion is "repeat",
    the Marac and Idva routes would tell her the victim was referred before; she sees the
    outreach route (made for exactly this reason, see routing.py) and any others, as for a
    first referral. Receiving services see every route."""
    if referral.marac and not submitter_criteria(referral):
        return [r for r in referral.routes if r.service.kind not in MARAC_ROUTE_KINDS]
    return list(referral.routes)


def summary(referral: Referral) -> dict[str, Any]:
    """The referral as its submitter sees it (web confirmation and the API): no protected values,
    and nothing that reveals whether she was already known."""
    criteria = submitter_criteria(referral)
    routes = submitter_routes(referral)
    return {
        "id": str(referral.id),
        "reference": referral.reference,
        "status": overall_status(routes),
        "risk": {
            "score": referral.risk_score,
            "level": referral.risk_level,
            "marac": bool(criteria),
            "criteria": criteria,
        },
        "routes": [
            {
                "service_id": str(r.service_id),
                "service": r.service.name,  # from the identity map: routing loaded them
                "status": r.status.value,
            }
            for r in routes
        ],
    }


CONTACT_CHANNELS = {
    "phone": "Phone call",
    "text": "Text message",
    "email": "Email",
    "in_person": "In person",
    "letter": "Letter",
    "video": "Video call",
}
CONTACT_OUTCOMES = {
    "spoke": "Spoke to her",
    "no_answer": "No answer, no message left",
    "voicemail": "Left a voicemail (where safe)",
    "unsafe": "Not safe to talk: ended the contact",
    "wrong_number": "Wrong or disconnected number",
}
CLOSE_OUTCOMES = {
    "support_completed": "Support completed",
    "declined_support": "She declined support",
    "no_contact": "Could not make contact",
    "moved_away": "Moved out of the area",
    "referred_on": "Referred on to another service",
}


def _move(actor: User, route: Route, target: RouteStatus, action: str, now: datetime) -> None:
    if not policy.can_move(route.status, target):
        raise InvalidTransition(
            f"A referral that is {route.status.value.replace('_', ' ')} cannot be "
            f"{target.value.replace('_', ' ')}"
        )
    route.status = target
    route.updated_at = now
    audit.record(action, actor=actor, target_type="route", target_id=route.id)


def accept(actor: User, route: Route, *, now: datetime | None = None) -> None:
    _move(actor, route, RouteStatus.ACCEPTED, "route.accepted", now or utcnow())
    db.session.commit()


def decline(actor: User, route: Route, reason: str, *, now: datetime | None = None) -> None:
    _move(actor, route, RouteStatus.DECLINED, "route.declined", now or utcnow())
    route.decline_reason = reason
    db.session.commit()


def log_contact(
    actor: User,
    route: Route,
    *,
    channel: str,
    outcome: str,
    notes: str | None,
    now: datetime | None = None,
) -> ContactAttempt:
    now = now or utcnow()
    if route.status not in policy.CAN_LOG_CONTACT:
        raise InvalidTransition("Accept the referral before logging contact")
    if channel not in CONTACT_CHANNELS or outcome not in CONTACT_OUTCOMES:
        raise ValueError("unknown channel or outcome")
    attempt = ContactAttempt(
        route_id=route.id, actor_id=actor.id, at=now, channel=channel, outcome=outcome
    )
    attempt.notes = notes or None
    db.session.add(attempt)
    if route.first_contact_at is None:
        route.first_contact_at = now
    if route.status == RouteStatus.ACCEPTED:
        route.status = RouteStatus.CONTACT_ATTEMPTED
    route.updated_at = now
    audit.record("route.contact_attempted", actor=actor, target_type="route", target_id=route.id)
    db.session.commit()
    return attempt


def start_support(actor: User, route: Route, *, now: datetime | None = None) -> None:
    _move(actor, route, RouteStatus.IN_SUPPORT, "route.in_support", now or utcnow())
    db.session.commit()


def close(
    actor: User, route: Route, *, outcome: str, notes: str | None, now: datetime | None = None
) -> None:
    if outcome not in CLOSE_OUTCOMES:
        raise ValueError("unknown outcome")
    _move(actor, route, RouteStatus.CLOSED, "route.closed", now or utcnow())
    route.outcome_code = outcome
    route.outcome_notes = notes or None
    db.session.commit()
