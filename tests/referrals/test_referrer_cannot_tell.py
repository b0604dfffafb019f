"""A referrer is never told that the victim was known (DESIGN §3): a referral that is Marac only
because of an earlier Marac referral must look, everywhere she can see it, like a first one."""

from __future__ import annotations

import re

from daservice.accounts.models import Role
from daservice.directory.models import ServiceKind
from daservice.extensions import db
from tests import factories
from tests.conftest import LoginActions, csrf_token


def _repeat_and_first(referrer):
    """A Marac referral for her; then a low-scoring one for her (repeat) and one for a stranger."""
    high = factories.high_risk_answers(14)
    factories.refer(referrer, factories.referral_payload(risk__answers=high))
    not_sought = {"status": "not_sought"}
    repeat = factories.refer(referrer, factories.referral_payload(consent=not_sought))
    stranger = factories.referral_payload(
        consent=not_sought,
        victim__first_name="Leah",
        victim__last_name="Brown",
        victim__date_of_birth="1993-03-03",
    )
    first = factories.refer(referrer, stranger)
    assert repeat.repeat and repeat.marac and not first.marac
    return repeat, first


def _signed_in(app, user):
    client = app.test_client()
    LoginActions(client)(user)
    return client


def _row(page: str, reference: str) -> str:
    found = re.search(re.escape(reference) + r".*?</tr>", page, re.S)
    assert found, reference
    return found.group(0).replace(reference, "REF")


def test_her_list_of_referrals_marks_neither_as_marac(app):
    factories.directory()
    referrer = factories.user(Role.REFERRER)
    repeat, first = _repeat_and_first(referrer)
    page = _signed_in(app, referrer).get("/referrals/").get_data(as_text=True)
    assert _row(page, repeat.reference) == _row(page, first.reference)
    assert "(Marac)" not in _row(page, repeat.reference)


def test_recording_consent_reports_the_same_for_both(app):
    directory = factories.directory()
    for kind in (ServiceKind.MARAC, ServiceKind.IDVA):  # held for consent too, hidden from her
        directory[kind].receives_without_consent = False
    db.session.commit()
    referrer = factories.user(Role.REFERRER)
    repeat, first = _repeat_and_first(referrer)
    client = _signed_in(app, referrer)
    said = []
    for referral in (repeat, first):
        path = f"/referrals/{referral.id}"
        token = csrf_token(client, path)
        page = client.post(f"{path}/consent", data={"csrf_token": token}, follow_redirects=True)
        said.append(re.search(r"Consent recorded\.[^<]*", page.get_data(as_text=True)).group(0))
        detail = client.get(path).get_data(as_text=True)
        # Her own page for each, with what she typed about each woman taken out.
        mine = "|".join(
            (r"DA-\d{4}-\d{6}", "[0-9a-f-]{36}", "Amira", "Okafor", "Leah", "Brown")
            + ("14 June 1991", "3 March 1993", "1991-06-14", "1993-03-03")
            # When each was sent: the two were made a moment apart, which she knows anyway.
            + (r"(\d{1,2}(:\d\d)?[ap]m|midday|midnight) on \d{1,2} \w+ \d{4}",)
            # Form tokens carry the second they were made, and the timeout warning the seconds
            # left in her session when the page was made.
            + (r'name="csrf_token" value="[^"]*"', r'data-csrf-token="[^"]*"')
            + (r'data-expires-in="\d+"',)
        )
        said.append(re.sub(mine, "X", detail.split("<main")[1]))
    assert said[0] == said[2] == "Consent recorded. 1 held referral was sent on."
    assert said[1] == said[3]  # the whole detail page she sees afterwards
