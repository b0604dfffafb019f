"""The web referral journey: question pages, drafts saved as you go, check answers, one referral."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.extensions import db
from daservice.referrals.models import Referral, ReferralDraft

from .. import factories
from ..conftest import csrf_token


@pytest.fixture()
def referrer(client, login_as):
    factories.directory()
    user = factories.user(Role.REFERRER)
    login_as(user)
    return user


def start(client) -> str:
    response = client.post("/referrals/new", data={"csrf_token": csrf_token(client, "/referrals/")})
    assert response.status_code == 302
    return response.location.rsplit("/", 1)[0]  # /referrals/drafts/<id>


def fill(client, url, data):
    token = csrf_token(client, url)
    return client.post(url, data={**data, "csrf_token": token})


VICTIM = {
    "first_name": "Zoë",
    "last_name": "Okafor",
    "date_of_birth": ["14", "6", "1991"],
    "postcode": "IG1 1DD",
    "phone": "07700 900123",
    "interpreter_needed": "no",
}
SAFE = {
    "safe_to_contact": "yes",
    "phone": "07700 900123",
    "safe_times": "Weekdays 10 to 2",
    "methods": ["text_ok"],
    "code_word": "bluebell",
    "who_must_not_know": "Her ex-partner",
}
PERP = {
    "known": "yes",
    "first_name": "Kyle",
    "last_name": "Example",
    "relationship": "ex-partner",
    "refer_to_programme": "no",
}
RISK = {f"q{n}": ("yes" if n <= 15 else "no") for n in range(1, 25)} | {
    "professional_judgement": "no"
}
ABOUT = {"needs": ["housing"], "narrative": "Synthetic account of what happened."}
CONSENT = {"status": "given"}


def complete(client, draft):
    for slug, data in (("victim", VICTIM), ("safe-contact", SAFE), ("perpetrator", PERP)):
        response = fill(client, f"{draft}/{slug}", data)
        assert response.status_code == 302, (
            slug,
            re.findall(
                r'error-message">\s*<span[^>]*>[^<]*</span>([^<]*)', response.get_data(as_text=True)
            ),
        )
    assert (
        fill(
            client,
            f"{draft}/children",
            {"add": "Add this child", "name": "Child One", "date_of_birth": ["2", "2", "2019"]},
        ).status_code
        == 302
    )
    assert fill(client, f"{draft}/children", {"submit": "Continue"}).status_code == 302
    for slug, data in (("risk", RISK), ("about", ABOUT), ("consent", CONSENT)):
        response = fill(client, f"{draft}/{slug}", data)
        assert response.status_code == 302, slug


def test_whole_journey_creates_one_routed_referral(client, referrer):
    draft = start(client)
    complete(client, draft)
    check = client.get(f"{draft}/check")
    body = check.get_data(as_text=True)
    assert check.status_code == 200 and "Send referral" in body and "Zoë Okafor" in body
    token = csrf_token(client, f"{draft}/check")
    sent = client.post(f"{draft}/check", data={"csrf_token": token})
    assert sent.status_code == 302 and "/confirmation" in sent.location
    again = client.post(f"{draft}/check", data={"csrf_token": token})  # double submission
    assert again.status_code == 302 and again.location == sent.location
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 1
    # Sent: the referral holds the answers; the draft keeps only which referral it became.
    left = db.session.execute(
        sa.text("SELECT answers, submitted_referral_id FROM referral_drafts")
    ).one()
    assert left[0] is None and left[1] is not None
    page = client.get(sent.location).get_data(as_text=True)
    assert re.search(r"DA-\d{4}-\d{6}", page)
    assert (
        "high risk" in page and "Redbridge Marac" in page and "Children&#39;s safeguarding" in page
    )
    assert "Housing options" in page


def test_draft_is_saved_encrypted_and_resumable(client, referrer):
    draft = start(client)
    fill(client, f"{draft}/victim", VICTIM)
    stored = db.session.scalar(sa.select(ReferralDraft))
    raw = db.session.execute(sa.text("SELECT answers FROM referral_drafts")).scalar_one()
    assert raw.startswith("ev1.") and "Okafor" not in raw
    assert stored.answers["victim"]["last_name"] == "Okafor"
    assert "Draft started" in client.get("/referrals/").get_data(as_text=True)
    page = client.get(f"{draft}/victim").get_data(as_text=True)
    assert 'value="Okafor"' in page  # coming back shows what was saved


def test_errors_are_explained_and_typed_values_kept(client, referrer):
    draft = start(client)
    response = fill(
        client,
        f"{draft}/victim",
        {
            "first_name": "Amira",
            "last_name": "",
            "date_of_birth": ["31", "2", "1990"],
            "postcode": "nope",
            "phone": "123",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in body
    for message in (
        "Enter her last name",
        "Date of birth must be a real date",
        "Enter a real postcode",
        "Enter a UK phone number",
    ):
        assert message in body
    assert 'value="Amira"' in body and 'value="nope"' in body
    response = fill(client, f"{draft}/victim", dict(VICTIM, date_of_birth=["1", "1", "2999"]))
    assert "Date of birth must be in the past" in response.get_data(as_text=True)


def test_safe_contact_is_required(client, referrer):
    draft = start(client)
    response = fill(client, f"{draft}/safe-contact", {"phone": "07700 900123"})
    assert response.status_code == 400
    assert "Select whether it is safe to contact her" in response.get_data(as_text=True)


def test_check_page_lists_incomplete_sections_and_refuses_to_send(client, referrer):
    draft = start(client)
    fill(client, f"{draft}/victim", VICTIM)
    page = client.get(f"{draft}/check").get_data(as_text=True)
    assert "Complete the section: Contacting her safely" in page and "Send referral" not in page
    response = client.post(
        f"{draft}/check", data={"csrf_token": csrf_token(client, f"{draft}/check")}
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0


def test_judgement_without_reason_and_bad_incidents(client, referrer):
    draft = start(client)
    data = dict(RISK, professional_judgement="yes", incidents_past_12_months="lots")
    body = fill(client, f"{draft}/risk", data).get_data(as_text=True)
    assert "Explain why your professional judgement" in body
    assert "Incidents in the past 12 months must be a number" in body


def test_other_users_cannot_open_a_draft(client, referrer, app):
    draft = start(client)
    other = app.test_client()
    from ..conftest import LoginActions

    LoginActions(other)(factories.user(Role.REFERRER))
    assert other.get(f"{draft}/victim").status_code == 404
    assert other.get(f"{draft}/check").status_code == 404


@pytest.mark.parametrize(
    "date_of_birth",
    [["1", "1", "99999999999999999999"], ["²", "1", "1990"], ["1"], ["", "", "1990"]],
)
def test_odd_dates_are_explained_not_500(client, referrer, date_of_birth):
    draft = start(client)
    response = fill(client, f"{draft}/victim", dict(VICTIM, date_of_birth=date_of_birth))
    assert response.status_code == 400
    assert "Date of birth must be a real date" in response.get_data(as_text=True)


def test_odd_numbers_and_pages_are_not_500(client, referrer):
    draft = start(client)
    body = fill(client, f"{draft}/risk", dict(RISK, incidents_past_12_months="²")).get_data(
        as_text=True
    )
    assert "Incidents in the past 12 months must be a number" in body
    response = fill(client, f"{draft}/children", {"remove": "²"})
    assert response.status_code == 302
