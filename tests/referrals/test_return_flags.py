"""Intake fills the Marac return's plain flags from what the referrer told us (which stays
encrypted): male victim, aged 16 or 17, disabled, perpetrator under 18, number of children."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.extensions import db
from daservice.referrals.models import Referral
from daservice.uk_time import uk_today

from .. import factories
from ..conftest import csrf_token
from .test_journey import PAGES, add_child, complete, fill, start

FLAGS = "victim_male, victim_aged_16_17, victim_disabled, perpetrator_under_18, children_count"


def raw_flags() -> tuple:
    """The flags as the database holds them (a plain SELECT, not the model)."""
    *flags, children = db.session.execute(sa.text(f"SELECT {FLAGS} FROM referrals")).one()  # noqa: S608
    return (*(None if flag is None else bool(flag) for flag in flags), children)


def years_ago(years: int, days: int = 0) -> date:
    today = uk_today()
    born = today.replace(year=today.year - years)
    return date.fromordinal(born.toordinal() - days)


@pytest.fixture()
def signed_in(client, login_as):
    factories.directory()
    login_as(factories.user(Role.REFERRER))


@pytest.mark.usefixtures("signed_in")
def test_the_web_journey_stores_the_flags_and_nothing_else_in_the_clear(client):
    draft = start(client)
    born = years_ago(17)
    perpetrator_born = years_ago(15)
    complete(client, draft)  # with one child
    victim = {
        **PAGES["victim"],
        "gender": "Male",
        "date_of_birth": [str(born.day), str(born.month), str(born.year)],
    }
    assert fill(client, f"{draft}/victim", victim).status_code == 302
    needs = {"interpreter_needed": "no", "disability": "Deaf, uses British Sign Language"}
    assert fill(client, f"{draft}/victim-needs", needs).status_code == 302
    details = {
        **PAGES["perpetrator-details"],
        "perp_date_of_birth": [
            str(d) for d in (perpetrator_born.day, perpetrator_born.month, perpetrator_born.year)
        ],
    }
    assert fill(client, f"{draft}/perpetrator-details", details).status_code == 302
    assert add_child(client, draft, name="Second Child").status_code == 302
    assert fill(client, f"{draft}/children", {"add_another": "no"}).status_code == 302
    sent = client.post(f"{draft}/check", data={"csrf_token": csrf_token(client, f"{draft}/check")})
    assert sent.status_code == 302
    assert raw_flags() == (True, True, True, True, 2)
    stored = " ".join(str(v) for v in db.session.execute(sa.text("SELECT * FROM referrals")).one())
    assert "Sign Language" not in stored and str(born) not in stored


def post(client, token, body):
    response = client.post(
        "/api/v1/referrals", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.json
    return response


@pytest.mark.parametrize(
    ("victim", "expected"),
    [
        ({"gender": "female", "date_of_birth": "1991-06-14"}, (False, False, None)),
        ({"gender": " WOMAN ", "disability": "None"}, (False, False, False)),
        ({"gender": "non-binary", "disability": "n/a"}, (None, False, False)),
        ({"gender": "M", "disability": "Uses a wheelchair"}, (True, False, True)),
        ({"date_of_birth": None}, (None, None, None)),
    ],
)
def test_api_referrals_derive_gender_age_and_disability(client, token, victim, expected):
    body = factories.referral_payload()
    body["victim"].update(victim)
    if body["victim"]["date_of_birth"] is None:
        del body["victim"]["date_of_birth"]
    post(client, token, body)
    male, aged_16_17, disabled, under_18, children = raw_flags()
    assert (male, aged_16_17, disabled) == expected
    assert under_18 is None and children == 0  # no perpetrator named, no children


def test_ages_are_taken_on_the_referrals_uk_date(client, token):
    """16 today is 16 to 17; 18 today is not; a perpetrator 18 today is not under 18."""
    body = factories.referral_payload(victim__date_of_birth=years_ago(16).isoformat())
    body["perpetrator"] = {
        "first_name": "Kyle",
        "last_name": "Example",
        "relationship": "ex-partner",
        "date_of_birth": years_ago(18).isoformat(),
    }
    body["children"] = [{"name": "A"}, {"name": "B"}, {"name": "C"}]
    post(client, token, body)
    assert raw_flags() == (None, True, None, False, 3)
    db.session.execute(sa.delete(Referral))
    db.session.commit()
    body["victim"]["date_of_birth"] = years_ago(18).isoformat()
    body["victim"]["first_name"] = "Other"
    body["perpetrator"]["date_of_birth"] = years_ago(18, days=-1).isoformat()  # 18 tomorrow
    post(client, token, body)
    assert raw_flags()[1] is False and raw_flags()[3] is True
