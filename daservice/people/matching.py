"""The person index: tell your story once.

Victims and perpetrators are matched to people already known through blind indexes over normalised
compound values. Candidates are confirmed here, and only here, by decrypting them. Callers must not
tell a referrer whether anyone matched (that would answer "is she in the system?").
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..security import redaction
from ..security.blind_index import (
    REINDEXERS,
    BlindIndexer,
    normalise_date,
    normalise_phone,
    normalise_postcode,
    normalise_text,
)
from ..security.fields import Encrypted
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
    return _compounds(_parts(identity))


# How each identity field is normalised into the parts of compound values.
_NORMALISE: dict[str, Callable[[Any], str]] = {
    "first_name": lambda value: normalise_text(value)[:1],  # compounds use the initial only
    "last_name": normalise_text,
    "date_of_birth": normalise_date,
    "phone": normalise_phone,
    "postcode": normalise_postcode,
}


def _part(field: str, value: Any) -> str:
    return _NORMALISE[field](value) if value else ""


def _parts(identity: Identity) -> dict[str, str]:
    return {field: _part(field, getattr(identity, field)) for field in _NORMALISE}


def _compounds(parts: dict[str, str]) -> dict[str, str]:
    """Compound values from normalised parts by field (a missing field is an empty part)."""
    surname = parts.get("last_name", "")
    initial = parts.get("first_name", "")
    dob = parts.get("date_of_birth", "")
    phone = parts.get("phone", "")
    postcode = parts.get("postcode", "")
    found: dict[str, str] = {}
    if surname and dob:
        found["surname_dob"] = f"{surname}|{dob}"
        if initial:
            found["initial_surname_dob"] = f"{initial}|{surname}|{dob}"
        if postcode:
            found["postcode_dob"] = f"{postcode}|{dob}"
    if len(phone) >= MIN_PHONE_DIGITS:
        found["phone"] = phone
    return found


def _indexer() -> BlindIndexer:
    indexer: BlindIndexer = current_app.extensions["daservice.blind_index"]
    return indexer


def index_rows(person: Person, indexer: BlindIndexer | None = None) -> list[PersonIndex]:
    return [PersonIndex(**row) for row in index_values([person], indexer)]


def new_person(kind: PersonKind, **fields: Any) -> Person:
    """A new person, not yet in the session (``index_values`` gives its index rows)."""
    person = Person(kind=kind)
    for name, value in fields.items():
        setattr(person, name, value)
    return person


def index_values(
    persons: Iterable[Person], indexer: BlindIndexer | None = None
) -> list[dict[str, Any]]:
    """The index rows of people, as column values (for ``insert_index_rows``)."""
    indexer = indexer or _indexer()
    return [
        {"person_id": person.id, "name": name, "key_id": indexer.active_key_id, "value": value}
        for person in persons
        for name, normalised in compounds(Identity.of(person)).items()
        for value in (indexer.value(name, normalised),)
    ]


def create_person(kind: PersonKind, **fields: Any) -> Person:
    """A new person with its index rows, added to the session (the caller commits)."""
    person = new_person(kind, **fields)
    person.index_rows = index_rows(person)
    db.session.add(person)
    return person


# Compounds strong enough to link automatically: a shared phone or postcode (a refuge's, say)
# must never merge two different women.
LINKING_COMPOUNDS = ("surname_dob", "initial_surname_dob")


@dataclass(frozen=True)
class Resolved:
    """Who a referral is about, worked out with the same work whoever she is (DESIGN §3: the time
    to answer must not tell a referrer whether she was known, security probe F1).

    ``person_id`` is the person the referral links to: the earliest known match on name and date
    of birth, else ``new``. ``new`` is always made (what was typed, encrypted) and so are its
    blind-index rows; they are written only if she was not known, by statements run either way
    (``referrals.intake`` writes them). A match is never changed: each referral or placement keeps
    its own copy of what was typed."""

    person_id: uuid.UUID
    known: bool
    new: Person  # not in the session
    index_rows: list[dict[str, Any]]  # ``new``'s, as column values


def resolve(
    kind: PersonKind, identity: Identity, fields: dict[str, Any], now: datetime
) -> Resolved:
    """Match ``identity`` to a known person of ``kind`` on name and date of birth, doing the same
    work whether or not anyone matches: the same query, the same decryptions (a confirmation of
    the new person stands in for a match's), the same encryptions and HMACs. Loads no one."""
    new = new_person(kind, created_at=now, **fields)
    rows = index_values([new])
    matched = _matching(kind, identity, LINKING_COMPOUNDS, stand_in=new)
    if matched:
        earliest = min(matched, key=lambda match: match[1])[0]
        return Resolved(earliest, True, new, rows)
    return Resolved(new.id, False, new, rows)


def find_matches(
    kind: PersonKind, identity: Identity, *, on: Collection[str] = INDEX_NAMES
) -> list[Person]:
    """People of ``kind`` sharing at least one exact normalised compound with ``identity``,
    counting only the compounds named in ``on``."""
    matched = _matching(kind, identity, on)
    if not matched:
        return []
    return list(db.session.scalars(_PEOPLE, {"ids": [person_id for person_id, _ in matched]}))


def _matching(
    kind: PersonKind, identity: Identity, on: Collection[str], stand_in: Person | None = None
) -> list[tuple[uuid.UUID, datetime]]:
    """The ids (and creation times) of people of ``kind`` confirmed to share a compound named in
    ``on``. With a ``stand_in``, a lookup that confirms no one confirms the stand-in instead and
    forgets the answer, so that it decrypts as much as a lookup that found her."""
    parts = _parts(identity)
    wanted = {name: value for name, value in _compounds(parts).items() if name in on}
    if not wanted:
        return []
    indexer = _indexer()
    params: dict[str, Any] = {"kind": kind}
    looked_up: set[str] = set()
    count = 0
    for name, normalised in wanted.items():
        if _IMPLIED_BY.get(name) in wanted:
            continue
        looked_up.add(name)
        for key_id, value in indexer.lookup_values(name, normalised):
            params[f"name_{count}"], params[f"key_{count}"] = name, key_id
            params[f"value_{count}"] = value
            count += 1
    # One row per index entry that hit, of a person of this kind not erased, with the stored
    # identity fields: confirming decrypts only what it needs, and only matches are loaded.
    candidates: dict[uuid.UUID, _Candidate] = {}
    for person_id, created_at, name, *stored in db.session.execute(_lookup(count), params):
        candidate = candidates.get(person_id)
        if candidate is None:
            candidate = candidates[person_id] = _Candidate(
                person_id, dict(zip(_ENCRYPTED, stored, strict=True)), created_at
            )
        candidate.hits.add(name)
    matched = [(c.id, c.created_at) for c in candidates.values() if _confirmed(c, wanted, parts)]
    if not matched and stand_in is not None:
        _confirmed(_Candidate.of(stand_in, looked_up), wanted, parts)
    return matched


# Compounds not looked up, because everyone they match also matches another compound the query
# has (the same surname and date of birth), whose index row was written with theirs: looking them
# up too would find no one more, only more false candidates to rule out.
_IMPLIED_BY = {"initial_surname_dob": "surname_dob"}
# The identity fields each compound looked up needs, cheapest compound first and each in the order
# confirming reads them: a date of birth first, since a false candidate nearly always differs there
# and one decryption rules it out.
_FIELDS = {
    "phone": ("phone",),
    "surname_dob": ("date_of_birth", "last_name"),
    "postcode_dob": ("date_of_birth", "postcode", "last_name"),
}
# The fields whose parts make up each compound's value (postcode_dob's surname need only be there).
_PARTS = {**_FIELDS, "postcode_dob": ("date_of_birth", "postcode")}
# Person's own protected-field declarations for those fields: they read a candidate's stored
# values straight from the query's row (``stored``) and decrypt them (``open``), so a false
# candidate is ruled out without loading it as an entity.
_ENCRYPTED: dict[str, Encrypted[Any]] = {
    field: vars(Person)[field] for fields in _FIELDS.values() for field in fields
}
_STORED = [descriptor.stored(Person) for descriptor in _ENCRYPTED.values()]
_PEOPLE = sa.select(Person).where(Person.id.in_(sa.bindparam("ids", expanding=True)))


@functools.cache
def _lookup(count: int) -> sa.Select[Any]:
    """The candidate query for ``count`` (name, key id, value) triples, built once per count:
    building and cache-keying a fresh OR of compounds each call cost more than running it."""
    hit = [
        sa.and_(
            PersonIndex.name == sa.bindparam(f"name_{n}"),
            PersonIndex.key_id == sa.bindparam(f"key_{n}"),
            PersonIndex.value == sa.bindparam(f"value_{n}"),
        )
        for n in range(count)
    ]
    return (
        sa.select(PersonIndex.person_id, Person.created_at, PersonIndex.name, *_STORED)
        .join(Person, Person.id == PersonIndex.person_id)
        .where(sa.or_(*hit), Person.kind == sa.bindparam("kind"), Person.erased_at.is_(None))
    )


class _Candidate:
    """A person whose blind index hit: the names that hit, and the stored identity fields, each
    decrypted and normalised on first use."""

    def __init__(
        self, person_id: uuid.UUID, stored: dict[str, str | None], created_at: datetime
    ) -> None:
        self.id = person_id
        self.created_at = created_at
        self.hits: set[str] = set()
        self._stored = stored
        self._parts: dict[str, str] = {}

    @classmethod
    def of(cls, person: Person, hits: set[str]) -> _Candidate:
        """A person not yet written, as if the index had found her under ``hits``."""
        stored = {
            field: getattr(person, descriptor.stored(Person).key)
            for field, descriptor in _ENCRYPTED.items()
        }
        candidate = cls(person.id, stored, person.created_at)
        candidate.hits.update(hits)
        return candidate

    def part(self, field: str) -> str:
        found = self._parts.get(field)
        if found is None:
            value = _ENCRYPTED[field].open(self._stored[field], self.id)
            found = self._parts[field] = _part(field, value)
        return found


def _confirmed(candidate: _Candidate, wanted: dict[str, str], parts: dict[str, str]) -> bool:
    """True if a compound that hit the index really is equal, decrypting only what it needs.

    ``parts`` are the query's normalised parts: a differing one rules a compound out early."""
    for name, fields in _FIELDS.items():
        if name not in candidate.hits:
            continue
        for field in _PARTS[name]:
            if candidate.part(field) != parts[field]:
                break
        else:
            theirs = {field: candidate.part(field) for field in fields}
            if _compounds(theirs).get(name) == wanted[name]:
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
        with redaction.scope():  # what a batch decrypts is remembered until it ends
            _rebuild(people, indexer)
            db.session.commit()
            db.session.expunge_all()
        done += len(people)
        if progress:
            progress(done, total)
    return done


def _rebuild(people: Iterable[Person], indexer: BlindIndexer) -> None:
    for person in people:
        person.index_rows = index_rows(person, indexer)


REINDEXERS.append(reindex_all)
