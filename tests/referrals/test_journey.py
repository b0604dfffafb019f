"""The web referral journey: a task list, short question pages, drafts saved as you go, children
added one at a time, check answers showing every answer, and one referral however often Send is
pressed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import url_for

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
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
    """Start a referral; the draft's task list URL (/referrals/drafts/<id>)."""
    response = client.post("/referrals/new", data={"csrf_token": csrf_token(client, "/referrals/")})
    assert response.status_code == 302
    assert re.fullmatch(r"/referrals/drafts/[0-9a-f-]{36}", response.location)
    return response.location


def fill(client, url, data):
    token = csrf_token(client, url)
    return client.post(url, data={**data, "csrf_token": token})


def errors(response) -> list[str]:
    return re.findall(
        r'error-message">\s*<span[^>]*>[^<]*</span>\s*([^<]*?)\s*</p>',
        response.get_data(as_text=True),
    )


def url_for_in(app, endpoint: str, **values: str) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def answers() -> dict:
    db.session.expire_all()
    return db.session.scalar(sa.select(ReferralDraft)).answers


PAGES = {
    "victim": {
        "first_name": "Zoë",
        "last_name": "Okafor",
        "date_of_birth": ["14", "6", "1991"],
        "pronouns": "she/her",
        "gender": "Female",
    },
    "victim-address": {"postcode": "ig11dd", "phone": "07700 900123"},
    "victim-needs": {"interpreter_needed": "no"},
    "safe-contact": {
        "safe_to_contact": "yes",
        "safe_phone": "07700 900123",
        "safe_times": "Weekdays 10 to 2",
    },
    "safe-methods": {
        "methods": ["text_ok"],
        "code_word": "bluebell",
        "who_must_not_know": "Her ex-partner",
    },
    "perpetrator": {"known": "yes"},
    "perpetrator-details": {
        "perp_first_name": "Kyle",
        "perp_last_name": "Example",
        "relationship": "ex-partner",
        "perp_address": "1 Synthetic Street",
        "refer_to_programme": "yes",
    },
    **{
        f"risk-{page}": {
            f"q{n}": ("yes" if n <= 15 else "no") for n in range(page * 6 - 5, page * 6 + 1)
        }
        for page in range(1, 5)
    },
    "risk-5": {"professional_judgement": "no"},
    "about": {"needs": ["housing", "mental_health"], "narrative": "Synthetic account."},
    "consent": {"status": "given"},
}


def add_child(client, draft, **data):
    child = {"name": "Child One", "date_of_birth": ["2", "2", "2019"]} | data
    return fill(client, f"{draft}/children/new", child)


def complete(client, draft, skip=()):
    for slug, data in PAGES.items():
        if slug in skip:
            continue
        response = fill(client, f"{draft}/{slug}", data)
        assert response.status_code == 302, (slug, errors(response))
        if slug == "perpetrator-details" and "children" not in skip:
            assert fill(client, f"{draft}/children", {"has_children": "yes"}).status_code == 302
            assert add_child(client, draft, relationship_to_victim="daughter").status_code == 302
            assert fill(client, f"{draft}/children", {"add_another": "no"}).status_code == 302


def statuses(client, draft) -> dict[str, str]:
    page = client.get(draft).get_data(as_text=True)
    found = re.findall(
        r'govuk-task-list__link"[^>]*>\s*([^<]+?)\s*</a>.*?govuk-task-list__status[^>]*>\s*'
        r"(?:<strong[^>]*>)?\s*([^<]+?)\s*<",
        page,
        re.S,
    )
    return dict(found)


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
    left = db.session.execute(
        sa.text("SELECT answers, submitted_referral_id FROM referral_drafts")
    ).one()
    assert left[0] is None and left[1] is not None
    page = client.get(sent.location).get_data(as_text=True)
    assert re.search(r"DA-\d{4}-\d{6}", page)
    assert (
        "high risk" in page and "Redbridge Marac" in page and "Children&#39;s safeguarding" in page
    )
    # One confirmation (the panel), no banner saying it again; and what happens next.
    assert page.count("Referral sent") == 2  # the title and the panel
    assert "govuk-notification-banner" not in page
    assert "What happens next" in page and "The first attempt is due by" in page
    assert "may contact you" in page
    # Every answer travels with the referral: the pronouns asked are the ones the service sees.
    referral = db.session.scalar(sa.select(Referral))
    assert referral.victim_details["pronouns"] == "she/her"


def test_a_new_draft_starts_at_the_task_list_with_nothing_started(client, referrer):
    draft = start(client)
    found = statuses(client, draft)
    assert len(found) == 7 and set(found.values()) == {"Not started"}
    assert "Check your answers" not in client.get(draft).get_data(as_text=True)
    # Check answers is not an error page for a part-done draft: it goes back to the task list.
    response = client.get(f"{draft}/check")
    assert response.status_code == 302 and response.location == draft


def test_statuses_follow_the_answers(client, referrer):
    draft = start(client)
    fill(client, f"{draft}/victim", PAGES["victim"])
    assert statuses(client, draft)["About the person you are referring"] == "In progress"
    fill(client, f"{draft}/victim-address", PAGES["victim-address"])
    fill(client, f"{draft}/victim-needs", PAGES["victim-needs"])
    assert statuses(client, draft)["About the person you are referring"] == "Completed"
    # "Yes, I know who": in progress until their details are given.
    fill(client, f"{draft}/perpetrator", {"known": "yes"})
    assert statuses(client, draft)["The person causing harm"] == "In progress"
    fill(client, f"{draft}/perpetrator", {"known": "no"})
    assert statuses(client, draft)["The person causing harm"] == "Completed"
    fill(client, f"{draft}/risk-1", PAGES["risk-1"])
    assert statuses(client, draft)["Risk questions"] == "In progress"


def test_each_section_returns_to_the_task_list(client, referrer):
    draft = start(client)
    response = fill(client, f"{draft}/victim", PAGES["victim"])
    assert response.location.endswith("/victim-address")
    fill(client, f"{draft}/victim-address", PAGES["victim-address"])
    assert fill(client, f"{draft}/victim-needs", PAGES["victim-needs"]).location == draft


def test_drafts_list_tells_drafts_apart_and_resumes_at_the_task_list(client, referrer):
    first = start(client)
    fill(client, f"{first}/victim", PAGES["victim"])
    for slug in ("victim-address", "victim-needs", "perpetrator"):
        fill(client, f"{first}/{slug}", PAGES[slug] if slug != "perpetrator" else {"known": "no"})
    start(client)
    page = client.get("/referrals/").get_data(as_text=True)
    saved_today = r"saved (\d+(:\d\d)?[ap]m|midday|midnight) today"
    assert re.search(r"Referral for Z\. O\., 2 of 7 sections done, " + saved_today, page)
    assert "Referral (no name yet), 0 of 7 sections done" in page
    assert f'href="{first}"' in page  # resumes at the task list, not Check answers
    assert "Okafor" not in page  # initials only


def test_perpetrator_and_children_need_an_explicit_answer(client, referrer):
    draft = start(client)
    response = fill(client, f"{draft}/perpetrator", {})
    assert response.status_code == 400
    assert "Select if you know who is causing harm" in errors(response)
    response = fill(client, f"{draft}/children", {})
    assert response.status_code == 400
    assert "Select if there are any children in the household" in errors(response)
    complete(client, draft, skip=("perpetrator", "perpetrator-details", "children"))
    # Tried and left unanswered: in progress, never completed as if the answer were "No".
    assert statuses(client, draft)["The person causing harm"] == "In progress"
    assert statuses(client, draft)["Children in the household"] == "Not started"
    # Never sendable while they are unanswered, whatever is posted.
    check = client.post(f"{draft}/check", data={"csrf_token": csrf_token(client, draft)})
    assert check.status_code == 302 and check.location == draft
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0


def test_unanswered_questions_are_never_shown_as_no(client, referrer):
    draft = start(client)
    complete(client, draft)
    body = client.get(f"{draft}/check").get_data(as_text=True)
    assert "Professional judgement: Marac" in body
    a = answers()
    assert a["risk"]["professional_judgement"] is False  # answered "No" in PAGES
    # A question never asked (the judgement page left unanswered) is not "No".
    response = fill(client, f"{draft}/risk-5", {})
    assert "Select if, in your professional judgement, this should go to Marac" in errors(response)
    assert answers()["risk"]["professional_judgement"] is False  # the earlier answer is kept


def test_check_answers_shows_every_answer_with_a_change_link_to_its_field(client, referrer):
    draft = start(client)
    complete(client, draft)
    body = client.get(f"{draft}/check").get_data(as_text=True)
    for shown in (
        "Female",
        "she/her",
        "14 June 1991",
        "IG1 1DD",  # typed as ig11dd
        "1 Synthetic Street",
        "Child One",
        "2 February 2019",
        "daughter",
        "Housing or a safe place to stay, Mental health",
        "Refer them to a perpetrator programme?",
        "Yes, they have given consent",
        "Sending a text",
    ):
        assert shown in body, shown
    from daservice.referrals.risk import DASH_QUESTIONS

    for question in DASH_QUESTIONS.values():
        assert question.replace("'", "&#39;") in body, question
    assert "given</dd>" not in body and "not_sought" not in body
    assert f'href="{draft}/victim-address?return=check#postcode"' in body
    assert f'href="{draft}/children/0?return=check#school"' in body
    assert f'href="{draft}/risk-3?return=check#q14"' in body
    # A child changed from Check answers goes back there.
    response = fill(client, f"{draft}/children/0?return=check", {"name": "Child Won"})
    assert response.location == f"{draft}/check"
    assert "Child Won" in client.get(f"{draft}/check").get_data(as_text=True)


def test_change_from_check_answers_goes_back_there(client, referrer):
    draft = start(client)
    complete(client, draft)
    page = client.get(f"{draft}/victim-address?return=check").get_data(as_text=True)
    assert f'href="{draft}/check"' in page and "govuk-back-link" in page
    response = fill(client, f"{draft}/victim-address?return=check", {"postcode": "E1 6AN"})
    assert response.location == f"{draft}/check"
    # Changing to an answer that needs more questions asks them first, then returns.
    fill(client, f"{draft}/perpetrator", {"known": "no"})
    response = fill(client, f"{draft}/perpetrator?return=check", {"known": "yes"})
    assert response.location == f"{draft}/perpetrator-details?return=check"


def test_valid_answers_are_kept_when_another_field_fails(client, referrer):
    draft = start(client)
    response = fill(
        client,
        f"{draft}/victim",
        {"first_name": "Amira", "last_name": "", "date_of_birth": ["31", "2", "1990"]},
    )
    assert response.status_code == 400
    assert errors(response) == ["Enter their last name", "Date of birth must be a real date"]
    body = response.get_data(as_text=True)
    assert "<title>Error: " in body
    assert 'href="#last_name"' in body and 'href="#date_of_birth-day"' in body  # error summary
    assert 'value="Amira"' in body and 'value="31"' in body  # what was typed is shown again
    assert answers()["victim"]["first_name"] == "Amira"  # and the valid answer is saved
    assert 'value="Amira"' in client.get(f"{draft}/victim").get_data(as_text=True)


def test_errors_name_the_question_not_its_number(client, referrer):
    draft = start(client)
    response = fill(client, f"{draft}/risk-1", {"q2": "yes"})
    messages = errors(response)
    assert "Select if the current incident resulted in injury" in messages
    assert not any("question" in m.lower() for m in messages)
    assert len(messages) == 5  # six questions on the page, one answered


def test_character_counts_and_limits_in_the_labels_words(client, referrer):
    draft = start(client)
    page = client.get(f"{draft}/victim-needs").get_data(as_text=True)
    assert 'data-module="govuk-character-count"' in page and 'data-maxlength="500"' in page
    page = client.get(f"{draft}/safe-contact").get_data(as_text=True)
    assert 'data-maxlength="200"' in page
    response = fill(client, f"{draft}/about", {"narrative": "x" * 10_001})
    assert "What happened must be 10,000 characters or fewer" in errors(response)
    response = fill(
        client, f"{draft}/safe-contact", {"safe_to_contact": "yes", "safe_times": "x" * 201}
    )
    assert "When it is safe to contact them must be 200 characters or fewer" in errors(response)


def test_no_none_hint_and_input_types(client, referrer):
    draft = start(client)
    for slug in PAGES:
        page = client.get(f"{draft}/{slug}").get_data(as_text=True)
        assert not re.search(r"govuk-hint[^>]*>\s*None\s*<", page), slug
    page = client.get(f"{draft}/victim-address").get_data(as_text=True)
    assert re.search(r'id="phone"[^>]*type="tel"|type="tel"[^>]*id="phone"', page)
    assert re.search(r'id="email"[^>]*type="email"|type="email"[^>]*id="email"', page)
    assert "govuk-input--width-10" in page
    assert page.count("data-save-on-timeout") == 1


def test_two_digit_years_are_explained(client, referrer):
    draft = start(client)
    response = fill(
        client, f"{draft}/victim", dict(PAGES["victim"], date_of_birth=["1", "1", "88"])
    )
    assert "Year must include 4 numbers" in errors(response)


def test_consent_is_plain_english_with_the_override_revealed(client, referrer):
    draft = start(client)
    page = client.get(f"{draft}/consent").get_data(as_text=True)
    assert "Yes, to safeguard a child or an adult at risk" in page
    assert "DPA 2018 Sch. 1 para 18" in page  # the legal reference, as a hint
    assert "govuk-radios__conditional" in page
    response = fill(client, f"{draft}/consent", {})
    assert errors(response) == ["Select if they have agreed to this referral"]
    response = fill(client, f"{draft}/consent", {"status": "not_sought"})
    assert errors(response) == ["Select if you need to share this referral without their consent"]
    response = fill(
        client,
        f"{draft}/consent",
        {"status": "not_sought", "not_sought_legal_basis": "vital_interests"},
    )
    assert errors(response) == ["Enter why it must be shared without their consent"]
    response = fill(
        client,
        f"{draft}/consent",
        {
            "status": "not_sought",
            "not_sought_legal_basis": "vital_interests",
            "not_sought_reason": "Risk to life",
        },
    )
    assert response.status_code == 302
    assert answers()["consent"] == {
        "status": "not_sought",
        "override": {"legal_basis": "vital_interests", "reason": "Risk to life"},
    }
    # A choice can be undone: "do not share without consent" takes the override away.
    fill(client, f"{draft}/consent", {"status": "refused", "refused_legal_basis": "none"})
    from daservice.referrals.drafts import as_referral

    assert as_referral(answers())["consent"] == {"status": "refused"}


def test_children_one_per_page_with_a_summary_and_add_another(client, referrer):
    draft = start(client)
    assert fill(client, f"{draft}/children", {"has_children": "yes"}).location.endswith(
        "/children/new"
    )
    response = add_child(client, draft, name="")
    assert response.status_code == 400 and "Enter the child&#39;s name" in response.get_data(
        as_text=True
    )
    assert add_child(client, draft).location.endswith("/children")
    assert add_child(client, draft, name="Yusuf Khan").status_code == 302
    summary = client.get(f"{draft}/children").get_data(as_text=True)
    assert "You have added 2 children" in summary
    assert (
        "Child One" in summary
        and "Yusuf Khan" in summary
        and "Do you need to add another" in summary
    )
    assert statuses(client, draft)["Children in the household"] == "In progress"
    assert fill(client, f"{draft}/children", {}).status_code == 400
    assert fill(client, f"{draft}/children", {"add_another": "no"}).location == draft
    assert statuses(client, draft)["Children in the household"] == "Completed"


def test_removing_a_child_asks_first_and_says_who_was_removed(client, referrer):
    draft = start(client)
    add_child(client, draft)
    add_child(client, draft, name="Yusuf Khan")
    page = client.get(f"{draft}/children/1/remove").get_data(as_text=True)
    assert "Are you sure you want to remove Yusuf Khan?" in page
    assert fill(client, f"{draft}/children/1/remove", {"confirm": "no"}).status_code == 302
    assert len(answers()["children"]) == 2
    response = fill(client, f"{draft}/children/1/remove", {"confirm": "yes"})
    assert response.status_code == 302
    assert [c["name"] for c in answers()["children"]] == ["Child One"]
    banner = client.get(response.location).get_data(as_text=True)
    assert "Yusuf Khan has been removed" in banner
    assert client.get(f"{draft}/children/5").status_code == 404
    assert client.get(f"{draft}/children/x").status_code == 404


def test_delete_draft_asks_first_and_is_audited(client, referrer):
    draft = start(client)
    fill(client, f"{draft}/victim", PAGES["victim"])
    page = client.get(f"{draft}/delete").get_data(as_text=True)
    assert "Are you sure you want to delete this draft?" in page
    response = fill(client, f"{draft}/delete", {})
    assert response.status_code == 302 and response.location == "/referrals/"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferralDraft)) == 0
    assert "Draft referral for Zoë Okafor deleted" in client.get("/referrals/").get_data(
        as_text=True
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "draft.deleted")
        )
        == 1
    )


def test_another_users_draft_cannot_be_opened_or_deleted(client, referrer, app):
    draft = start(client)
    other = app.test_client()
    from ..conftest import LoginActions

    LoginActions(other)(factories.user(Role.REFERRER))
    for path in ("", "/victim", "/check", "/children", "/children/new", "/delete"):
        assert other.get(f"{draft}{path}").status_code == 404, path
    response = other.post(f"{draft}/delete", data={"csrf_token": csrf_token(other, "/referrals/")})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferralDraft)) == 1


def test_referrals_list_shows_each_referrals_status(client, referrer):
    draft = start(client)
    complete(client, draft)
    fill(client, f"{draft}/check", {})
    page = client.get("/referrals/").get_data(as_text=True)
    assert '<th scope="col" class="govuk-table__header">Status</th>' in page
    assert "With services" in page
    assert "govuk-button__start-icon" in page


# The session-timeout dialog posts the page with timed_out=1 just before the session ends.
def test_a_timed_out_page_saves_what_is_valid_without_errors(client, referrer, app):
    draft = start(client)
    with app.test_request_context():
        expected = url_for("accounts.timed_out")
    response = fill(
        client,
        f"{draft}/victim",
        {"first_name": "Amira", "last_name": "", "postcode": "x", "timed_out": "1"},
    )
    assert response.status_code == 302 and response.location == expected
    assert answers()["victim"]["first_name"] == "Amira"
    response = fill(
        client, f"{draft}/children/new", {"name": "", "school": "St Synthetic", "timed_out": "1"}
    )
    assert response.location == expected
    assert answers()["children"][0]["school"] == "St Synthetic"  # typed, never dropped
    # "Sign out" chosen in the warning saves the page the same way and says so.
    response = fill(client, f"{draft}/victim", {"first_name": "Amara", "timed_out": "chosen"})
    assert response.location == url_for_in(app, "accounts.timed_out", reason="chosen")
    assert answers()["victim"]["first_name"] == "Amara"


@pytest.mark.parametrize(
    "date_of_birth",
    [["1", "1", "99999999999999999999"], ["²", "1", "1990"], ["1"], ["", "", "1990"]],
)
def test_odd_dates_are_explained_not_500(client, referrer, date_of_birth):
    draft = start(client)
    response = fill(client, f"{draft}/victim", dict(PAGES["victim"], date_of_birth=date_of_birth))
    assert response.status_code == 400
    assert errors(response)[0] in (
        "Date of birth must be a real date",
        "Year must include 4 numbers",
    )


def test_odd_numbers_and_pages_are_not_500(client, referrer):
    draft = start(client)
    response = fill(client, f"{draft}/risk-5", {"incidents_past_12_months": "²"})
    assert "Incidents in the past 12 months must be a number from 0 to 366" in errors(response)
    assert client.get(f"{draft}/no-such-page").status_code == 404
    assert fill(client, f"{draft}/children/²/remove", {"confirm": "yes"}).status_code == 404


def test_draft_is_saved_encrypted(client, referrer):
    draft = start(client)
    fill(client, f"{draft}/victim", PAGES["victim"])
    raw = db.session.execute(sa.text("SELECT answers FROM referral_drafts")).scalar_one()
    assert raw.startswith("ev1.") and "Okafor" not in raw
    assert answers()["victim"]["last_name"] == "Okafor"


def test_a_choice_that_is_not_an_option_is_asked_for_again(client, referrer):
    draft = start(client)
    response = fill(client, f"{draft}/perpetrator", {"known": "maybe"})
    assert response.status_code == 400
    assert errors(response) == ["Select if you know who is causing harm"]
    assert statuses(client, draft)["The person causing harm"] == "In progress"
