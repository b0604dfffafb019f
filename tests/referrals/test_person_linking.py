"""Person linking is for matching only: a referral never shows or changes another's details, and
only a name-and-date-of-birth match links automatically."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.extensions import db
from daservice.people.models import Person
from daservice.referrals.models import Referral

from .. import factories
from ..conftest import LoginActions


@pytest.fixture()
def referrers(app):
    factories.directory()
    return factories.user(Role.REFERRER), factories.user(Role.REFERRER)


def refer(user, **changes):
    return factories.refer(user, factories.referral_payload(**changes))


def test_a_later_referral_never_reveals_or_changes_the_first(app, referrers):
    first_referrer, second_referrer = referrers
    first = refer(
        first_referrer, victim__address="Refuge address, secret", victim__phone="07700 900111"
    )
    # Someone else refers the same woman with only name and date of birth, and other details.
    second = refer(
        second_referrer,
        victim={
            "first_name": "Amira",
            "last_name": "Okafor",
            "date_of_birth": "1991-06-14",
            "address": "Old address",
        },
    )
    assert second.victim_id == first.victim_id  # linked for the receiving services
    page = LoginActions(client := app.test_client())(second_referrer) and client.get(
        f"/referrals/{second.id}"
    ).get_data(as_text=True)
    assert "Refuge address" not in page and "07700 900111" not in page
    db.session.expire_all()
    original = db.session.get(Referral, first.id)
    assert original.victim_snapshot["address"] == "Refuge address, secret"
    person = db.session.get(Person, first.victim_id)
    assert person.address == "Refuge address, secret"  # not overwritten by the second referral


def test_a_shared_phone_or_postcode_does_not_merge_two_women(app, referrers):
    user, _ = referrers
    first = refer(user, victim__phone="07700 900999", victim__postcode="IG1 1DD")
    other = refer(
        user,
        victim={
            "first_name": "Leah",
            "last_name": "Brown",
            "date_of_birth": "1993-03-03",
            "phone": "07700 900999",
            "postcode": "IG1 1DD",
        },
    )
    assert other.victim_id != first.victim_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2
