"""The data protection officer's use cases: find a record, then see who viewed and changed it.

Every search and every look at a log is itself audited. Finding a person goes through the blind
person index (``people.matching``): nothing is decrypted to search, and the matches are shown by
their referrals' references, not by what the victim told us.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from .. import audit
from ..accounts.models import Agency, User
from ..directory.models import Service
from ..extensions import db
from ..people.matching import LINKING_COMPOUNDS, Identity, find_matches
from ..people.models import Person, PersonKind
from ..referrals.models import Referral, ReferralDraft, Route
from ..security.permissions import Permission, require

PURPOSE = "subject access / oversight"
KIND_WORDS = {PersonKind.VICTIM: "Person referred", PersonKind.PERPETRATOR: "Person causing harm"}


@dataclass(frozen=True)
class LogEntry:
    """One event as the DPO reads it."""

    occurred_at: datetime
    who: str
    agency: str
    what: str
    service: str | None  # the service a route's event was for
    purpose: str


@dataclass(frozen=True)
class RecordLog:
    """Who viewed and changed one record, newest first."""

    target_type: str
    target_id: uuid.UUID
    found: bool  # the record exists (distinct from "nobody has accessed it")
    title: str
    entries: list[LogEntry]
    limit: int


@dataclass(frozen=True)
class ReferralSummary:
    id: uuid.UUID
    reference: str
    created_at: datetime
    agency: str


@dataclass(frozen=True)
class PersonMatch:
    """A person the index matched, shown by kind and by the referrals about them."""

    id: uuid.UUID
    kind: str
    first_known: datetime
    referrals: list[ReferralSummary]


def find_referral(actor: User, reference: str) -> uuid.UUID | None:
    """The referral with this reference, or None. A search that finds nothing is audited here;
    one that finds a referral is audited when its log is shown. Commits."""
    require(actor, Permission.AUDIT_ACCESS)
    found = db.session.scalar(sa.select(Referral.id).where(Referral.reference == reference))
    if found is None:
        _searched(actor, "referral", "reference search: no match")
    return found


def find_people(actor: User, last_name: str, date_of_birth: date) -> list[PersonMatch]:
    """People with this last name and date of birth, victims and perpetrators, through the blind
    index (only the index's candidates are decrypted, to confirm them). Audited. Commits."""
    require(actor, Permission.AUDIT_ACCESS)
    identity = Identity(last_name=last_name, date_of_birth=date_of_birth)
    people = sorted(
        (
            person
            for kind in PersonKind
            for person in find_matches(kind, identity, on=LINKING_COMPOUNDS)
        ),
        key=lambda person: person.created_at,
    )
    about = _referrals_about([person.id for person in people])
    matches = [
        PersonMatch(p.id, KIND_WORDS[p.kind], p.created_at, about.get(p.id, [])) for p in people
    ]
    _searched(actor, "person", f"name and date of birth search: {len(matches)} found")
    return matches


def find_users(actor: User, text: str, limit: int = 50) -> list[User]:
    """User accounts whose name or email address contains ``text``. Audited. Commits."""
    require(actor, Permission.AUDIT_ACCESS)
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
    users = list(
        db.session.scalars(
            sa.select(User)
            .where(
                sa.or_(
                    sa.func.lower(User.display_name).like(pattern, escape="\\"),
                    User.email.like(pattern, escape="\\"),
                )
            )
            .order_by(User.display_name)
            .limit(limit)
        )
    )
    _searched(actor, "user", f"name or email search: {len(users)} found")
    return users


def access_log(actor: User, target_type: str, target_id: uuid.UUID, limit: int = 500) -> RecordLog:
    """Who viewed and changed one record, newest first; the look itself is audited. Commits.

    A referral's log includes the events on its routes (accepting, declining, contact attempts,
    support, closing are audited against the route) and on the draft it was sent from."""
    require(actor, Permission.AUDIT_ACCESS)
    targets: list[tuple[str, uuid.UUID]] = [(target_type, target_id)]
    services: dict[str, str] = {}
    found, title = _describe(target_type, target_id)
    if target_type == "referral":
        for route_id, service in db.session.execute(
            sa.select(Route.id, Service.name)
            .join(Service, Service.id == Route.service_id)
            .where(Route.referral_id == target_id)
        ):
            targets.append(("route", route_id))
            services[str(route_id)] = service
        targets += [
            ("draft", draft_id)
            for draft_id in db.session.scalars(
                sa.select(ReferralDraft.id).where(ReferralDraft.submitted_referral_id == target_id)
            )
        ]
    entries = [
        LogEntry(
            occurred_at=event.occurred_at,
            who=name or "System",
            agency=agency or "",
            what=audit.label(event.action),
            service=services.get(event.target_id or ""),
            purpose=event.purpose or "",
        )
        for event, name, agency in _events(targets, limit)
    ]
    audit.record(
        "audit.access_log_viewed",
        actor=actor,
        target_type=target_type,
        target_id=target_id,
        purpose=PURPOSE,
    )
    db.session.commit()
    return RecordLog(target_type, target_id, found, title, entries, limit)


def _events(
    targets: Iterable[tuple[str, uuid.UUID]], limit: int
) -> list[sa.Row[tuple[audit.AuditEvent, str | None, str | None]]]:
    E = audit.AuditEvent
    # The trail stores ids as text, lower-case and dashed (str(uuid)): compare in that form.
    wanted = sa.or_(*(sa.and_(E.target_type == t, E.target_id == str(i)) for t, i in targets))
    return list(
        db.session.execute(
            sa.select(E, User.display_name, Agency.name)
            .outerjoin(User, User.id == E.actor_id)
            .outerjoin(Agency, Agency.id == E.agency_id)
            .where(wanted)
            .order_by(E.seq.desc())
            .limit(limit)
        )
    )


def _describe(target_type: str, target_id: uuid.UUID) -> tuple[bool, str]:
    """Whether the record exists, and how to name it (never by what a victim told us)."""
    if target_type == "referral":
        reference = db.session.scalar(sa.select(Referral.reference).where(Referral.id == target_id))
        return reference is not None, f"Referral {reference}" if reference else "Referral"
    if target_type == "person":
        kind = db.session.scalar(sa.select(Person.kind).where(Person.id == target_id))
        return kind is not None, KIND_WORDS[kind] if kind else "Person"
    if target_type == "user":
        name = db.session.scalar(sa.select(User.display_name).where(User.id == target_id))
        return name is not None, f"User account: {name}" if name else "User account"
    return False, "Record"


def _referrals_about(person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ReferralSummary]]:
    if not person_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Referral.id,
            Referral.reference,
            Referral.created_at,
            Agency.name,
            Referral.victim_id,
            Referral.perpetrator_id,
        )
        .join(Agency, Agency.id == Referral.agency_id)
        .where(sa.or_(Referral.victim_id.in_(person_ids), Referral.perpetrator_id.in_(person_ids)))
        .order_by(Referral.created_at.desc())
    )
    about: dict[uuid.UUID, list[ReferralSummary]] = {}
    for rid, reference, created_at, agency, victim_id, perpetrator_id in rows:
        summary = ReferralSummary(rid, reference, created_at, agency)
        for person_id in {victim_id, perpetrator_id} & set(person_ids):
            about.setdefault(person_id, []).append(summary)
    return about


def _searched(actor: User, target_type: str, purpose: str) -> None:
    audit.record("audit.record_searched", actor=actor, target_type=target_type, purpose=purpose)
    db.session.commit()
