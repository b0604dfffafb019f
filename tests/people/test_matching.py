"""Blind-index matching over 10,000 synthetic people with realistic variations."""

from __future__ import annotations

import random
from datetime import date

import sqlalchemy as sa

from daservice.extensions import db, utcnow
from daservice.people.matching import Identity, compounds, create_person, find_matches
from daservice.people.models import Person, PersonIndex, PersonKind
from daservice.security.blind_index import bits_for_population, normalise_phone, normalise_text

from ..synthetic import person, vary


def _load(count: int, seed: int = 7) -> list[tuple[Person, dict[str, object]]]:
    rng = random.Random(seed)
    made = []
    for n in range(count):
        identity = person(rng, n)
        made.append((create_person(PersonKind.VICTIM, **identity), identity))
    db.session.commit()
    return made


def test_normalisation_removes_case_spacing_punctuation_and_accents():
    assert (
        normalise_text("  Ó Súilleabháin ") == normalise_text("o'suilleabhain") == "osuilleabhain"
    )
    assert normalise_text("SMITH-JONES") == normalise_text("smith jones")
    assert normalise_phone("+44 (0)7700 900123") == normalise_phone("07700 900123") == "07700900123"
    assert normalise_phone("0044 7700 900123") == "07700900123"


def test_index_size_follows_the_cipher_sweet_bounds():
    for population in (1_000, 10_000, 100_000, 1_000_000):
        bits = bits_for_population(population)
        assert population / 2**bits >= 2  # no index value singles anyone out
        assert population / 2 ** (bits + 1) < 2  # and it is the largest such size


def test_every_exact_normalised_match_is_found_among_10000_people(app):
    people = _load(10_000)
    rng = random.Random(99)
    sample = rng.sample(people, 300)
    for stored, identity in sample:
        query = vary(rng, identity)
        found = find_matches(PersonKind.VICTIM, Identity(**query))
        assert stored.id in {p.id for p in found}, query
        # Everyone returned really shares a normalised compound with the query.
        wanted = compounds(Identity(**query))
        for match in found:
            theirs = compounds(Identity.of(match))
            assert any(theirs.get(k) == v for k, v in wanted.items())


def test_false_candidates_are_filtered_out(app):
    # A deliberately tiny index: most lookups collide, so filtering is what keeps results right.
    app.extensions["daservice.blind_index"].bits = 3
    people = _load(300, seed=3)
    stranger = Identity("Nobody", "Knownperson", date(2001, 2, 3), "07000 000001", "ZZ9 9ZZ")
    assert find_matches(PersonKind.VICTIM, stranger) == []
    stored, identity = people[10]
    found = find_matches(PersonKind.VICTIM, Identity(**identity))
    assert stored in found
    wanted = compounds(Identity(**identity))
    assert all(any(compounds(Identity.of(p)).get(k) == v for k, v in wanted.items()) for p in found)
    candidates = db.session.scalar(sa.select(sa.func.count(sa.distinct(PersonIndex.person_id))))
    assert candidates == 300


def test_kind_is_respected_and_index_rows_hold_no_plaintext(app):
    victim = create_person(
        PersonKind.VICTIM,
        first_name="Ada",
        last_name="Quill",
        date_of_birth=date(1985, 5, 5),
        phone="07700 900555",
    )
    db.session.commit()
    assert find_matches(PersonKind.PERPETRATOR, Identity("Ada", "Quill", date(1985, 5, 5))) == []
    rows = db.session.execute(sa.select(PersonIndex.name, PersonIndex.value)).all()
    assert {name for name, _ in rows} == {"surname_dob", "initial_surname_dob", "phone"}
    assert all("quill" not in value and "1985" not in value for _, value in rows)
    assert victim in find_matches(PersonKind.VICTIM, Identity(phone="+447700900555"))


def test_false_candidates_are_ruled_out_by_decrypting_and_never_loaded(app):
    app.extensions["daservice.blind_index"].bits = 3  # nearly everyone is a candidate
    people = _load(300, seed=5)
    stored, identity = people[42]
    stored_id = stored.id
    db.session.expunge_all()  # as in a request: nobody in the identity map yet
    loaded = []

    def count(target: Person, context: object) -> None:
        loaded.append(target)

    sa.event.listen(Person, "load", count)
    try:
        found = find_matches(PersonKind.VICTIM, Identity(**identity))
    finally:
        sa.event.remove(Person, "load", count)
    assert stored_id in {p.id for p in found}
    assert len(loaded) == len(found)


def test_postcode_and_date_of_birth_match_whatever_the_surname(app):
    born = date(1990, 7, 14)
    moved = create_person(
        PersonKind.VICTIM,
        first_name="Cleo",
        last_name="Marsh",
        date_of_birth=born,
        postcode="E1 6AN",
    )
    create_person(
        PersonKind.VICTIM,
        first_name="Cleo",
        last_name="Marsh",
        date_of_birth=born,
        postcode="E2 7QB",
    )
    db.session.commit()
    # Married since, typed without the space: only postcode and date of birth are shared.
    found = find_matches(PersonKind.VICTIM, Identity("Cleo", "Oduya", born, postcode="e16an"))
    assert found == [moved]


def test_an_initial_surname_and_date_of_birth_match_is_found_through_the_surname(app):
    person = create_person(
        PersonKind.PERPETRATOR,
        first_name="Jon",
        last_name="Tarrant",
        date_of_birth=date(1970, 1, 2),
    )
    db.session.commit()
    for first in ("Jonathan", "Mark", None):
        found = find_matches(PersonKind.PERPETRATOR, Identity(first, "TARRANT", date(1970, 1, 2)))
        assert found == [person], first


def test_erased_people_are_never_matched(app):
    person = create_person(
        PersonKind.VICTIM, first_name="Ines", last_name="Vale", date_of_birth=date(1988, 3, 4)
    )
    db.session.commit()
    identity = Identity("Ines", "Vale", date(1988, 3, 4))
    assert find_matches(PersonKind.VICTIM, identity) == [person]
    person.erased_at = utcnow()
    db.session.commit()
    assert find_matches(PersonKind.VICTIM, identity) == []


def test_a_person_not_yet_committed_is_found(app):
    person = create_person(PersonKind.VICTIM, last_name="Okafor", date_of_birth=date(2000, 1, 1))
    assert find_matches(PersonKind.VICTIM, Identity(None, "okafor", date(2000, 1, 1))) == [person]
    db.session.rollback()


def _decryptions(monkeypatch) -> list[int]:
    from daservice.security.crypto import ColumnCipher

    calls = [0]
    original = ColumnCipher.decrypt

    def counted(self, *args, **kwargs):
        calls[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ColumnCipher, "decrypt", counted)
    return calls


def test_resolve_links_the_earliest_match_loading_no_one_and_decrypting_as_for_someone_new(
    app, monkeypatch
):
    from daservice.people.matching import resolve

    fields = {"first_name": "Kate", "last_name": "Kellaway", "date_of_birth": date(1971, 3, 13)}
    earliest = create_person(PersonKind.VICTIM, **fields)
    earliest.created_at = utcnow().replace(year=2020)
    create_person(PersonKind.VICTIM, **fields)  # the same woman, entered again later
    db.session.commit()
    earliest_id = earliest.id
    db.session.expunge_all()
    loaded: list[Person] = []

    def count(target: Person, context: object) -> None:
        loaded.append(target)

    sa.event.listen(Person, "load", count)
    calls = _decryptions(monkeypatch)
    try:
        known = resolve(PersonKind.VICTIM, Identity(**fields), fields, utcnow())
        for_her = calls[0]
        new_fields = {**fields, "last_name": "Newcombe"}
        new = resolve(PersonKind.VICTIM, Identity(**new_fields), new_fields, utcnow())
    finally:
        sa.event.remove(Person, "load", count)
    assert known.known and known.person_id == earliest_id
    assert not new.known and new.person_id == new.new.id
    assert loaded == []  # matching needs no one's row loaded
    # Two candidates confirmed for her (date of birth, then surname, each); for someone new, the
    # new person stands in for a match, so the lookup decrypts what one confirmed match costs.
    assert for_her == 4 and calls[0] - for_her == 2
    # Both are ready to be written the same way: what was typed, and its index rows.
    assert len(known.index_rows) == len(new.index_rows) == 2
