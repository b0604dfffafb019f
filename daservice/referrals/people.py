"""The person index: tell your story once.

Victims and perpetrators are matched to people already known through blind indexes over normalised
compound values. Candidates are confirmed here, and only here, by decrypting them. Callers must not
tell a referrer whether anyone matched (that would answer "is she in the system?").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..security.blind_index import (
    REINDEXERS,
    BlindIndexer,
    normalise_date,
    normalise_phone,
    normalise_postcode,
    normalise_text,
)
from .models import Person, PersonIndex, PersonKind

INDEX_NAMES = ("surname_dob", "initial_surname_dob", "phone", "postcode_dob")
MIN_PHONE_DIGITS = 7


@dataclass(frozen=True)
class Identity:
    """What matching looks at. Everything optional: only complete compounds are indexed."""

    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: date | None = None
    phone: str | None = None
    postcode: str | None = None

    @classmethod
    def of(cls, person: Person) -> Identity:
        return cls(
            person.first_name, person.last_name, person.date_of_birth, person.phone, person.postcode
        )


def compounds(identity: Identity) -> dict[str, str]:
    """Normalised compound values by index name."""
    surname = normalise_text(identity.last_name or "")
    first = normalise_text(identity.first_name or "")
    dob = normalise_date(identity.date_of_birth) if identity.date_of_birth else ""
    phone = normalise_phone(identity.phone or "")
    postcode = normalise_postcode(identity.postcode or "")
    found: dict[str, str] = {}
    if surname and dob:
        found["surname_dob"] = f"{surname}|{dob}"
        if first:
            found["initial_surname_dob"] = f"{first[0]}|{surname}|{dob}"
        if postcode:
            found["postcode_dob"] = f"{postcode}|{dob}"
    if len(phone) >= MIN_PHONE_DIGITS:
        found["phone"] = phone
    return found


def _indexer() -> BlindIndexer:
    indexer: BlindIndexer = current_app.extensions["daservice.blind_index"]
    return indexer


def index_rows(person: Person, indexer: BlindIndexer | None = None) -> list[PersonIndex]:
    indexer = indexer or _indexer()
    return [
        PersonIndex(
            person_id=person.id,
            name=name,
            key_id=indexer.active_key_id,
            value=indexer.value(name, normalised),
        )
        for name, normalised in compounds(Identity.of(person)).items()
    ]


def new_person(kind: PersonKind, **fields: Any) -> Person:
    """A new person, not yet in the session: add it, flush, then ``insert_index_rows``."""
    person = Person(kind=kind)
    for name, value in fields.items():
        setattr(person, name, value)
    return person


def insert_index_rows(persons: Iterable[Person]) -> None:
    """Write the index rows of people just flushed, in one statement."""
    indexer = _indexer()
    rows = [
        {"person_id": row.person_id, "name": row.name, "key_id": row.key_id, "value": row.value}
        for person in persons
        for row in index_rows(person, indexer)
    ]
    if rows:
        db.session.connection().execute(sa.insert(PersonIndex.__table__), rows)


def create_person(kind: PersonKind, **fields: Any) -> Person:
    """A new person with its index rows, added to the session (the caller commits)."""
    person = new_person(kind, **fields)
    person.index_rows = index_rows(person)
    db.session.add(person)
    return person


def refresh_index(person: Person) -> None:
    """Rebuild a person's index rows after their identity changed."""
    person.index_rows = index_rows(person)


def find_matches(kind: PersonKind, identity: Identity) -> list[Person]:
    """People of ``kind`` sharing at least one exact normalised compound with ``identity``."""
    wanted = compounds(identity)
    if not wanted:
        return []
    indexer = _indexer()
    conditions = [
        sa.and_(PersonIndex.name == name, PersonIndex.key_id == key_id, PersonIndex.value == value)
        for name, normalised in wanted.items()
        for key_id, value in indexer.lookup_values(name, normalised)
    ]
    # Which index names each candidate hit: confirming then decrypts only the fields of those
    # compounds (usually one or two), not every identity field of every false candidate.
    hit_rows = db.session.execute(
        sa.select(PersonIndex.person_id, PersonIndex.name).where(sa.or_(*conditions))
    ).all()
    hits: dict[uuid.UUID, set[str]] = {}
    for person_id, name in hit_rows:
        hits.setdefault(person_id, set()).add(name)
    if not hits:
        return []
    candidates = db.session.scalars(
        sa.select(Person).where(
            Person.id.in_(list(hits)), Person.kind == kind, Person.erased_at.is_(None)
        )
    ).all()
    return [p for p in candidates if _confirmed(p, wanted, hits[p.id])]


# The identity fields each compound is made of.
_FIELDS = {
    "surname_dob": ("last_name", "date_of_birth"),
    "initial_surname_dob": ("first_name", "last_name", "date_of_birth"),
    "phone": ("phone",),
    "postcode_dob": ("postcode", "last_name", "date_of_birth"),
}


def _confirmed(person: Person, wanted: dict[str, str], names: set[str]) -> bool:
    """True if a compound that hit the index really is equal, decrypting only what it needs."""
    for name in sorted(names & wanted.keys()):
        needed = set(_FIELDS[name])
        values = {field: getattr(person, field) for field in needed}
        theirs = compounds(Identity(**values)).get(name)
        if theirs is not None and theirs == wanted[name]:
            return True
    return False


def reindex_all(progress: Callable[[int, int], None] | None = None, batch: int = 1000) -> int:
    """Rebuild every person's index rows under the active blind-index key. Resumable."""
    indexer = _indexer()
    active = indexer.active_key_id
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Person)) or 0
    stale = sa.select(PersonIndex.person_id).where(PersonIndex.key_id != active)
    done = 0
    while True:
        people = db.session.scalars(
            sa.select(Person).where(Person.id.in_(stale)).order_by(Person.id).limit(batch)
        ).all()
        if not people:
            break
        _rebuild(people, indexer)
        done += len(people)
        db.session.commit()
        db.session.expunge_all()
        if progress:
            progress(done, total)
    return done


def _rebuild(people: Iterable[Person], indexer: BlindIndexer) -> None:
    for person in people:
        person.index_rows = index_rows(person, indexer)


REINDEXERS.append(reindex_all)
