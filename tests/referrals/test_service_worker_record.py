"""The service worker's side of a referral: safe contact that cannot be got wrong, who referred
her, every answer the service may see, and a dated record of who did what (walkthrough B3, S1,
S4, S5, S15, S17, C1-C3)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit import AuditEvent
from daservice.directory.models import ServiceKind, ServiceMember
from daservice.extensions import db, utcnow
from daservice.referrals import route_actions
from daservice.referrals.models import ContactAttempt, Route
from daservice.uk_time import LONDON

from .. import factories
from ..conftest import LoginActions, csrf_token
from .contact_forms import contact_time


def _as(app, user):
    client = app.test_client()
    LoginActions(client)(user)
    return client


def _text(response) -> str:
    """The page's words, without markup or runs of spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture()
def case(app):
    """A referral from a police referrer to outreach, with everything a referrer can give."""
    directory = factories.directory()
    police = factories.agency(code="POLX", name="Metropolitan Police Service")
    referrer = factories.user(Role.REFERRER, agency_row=police, email="pc.jones@police.example")
    worker = factories.user(Role.SERVICE_WORKER)
    referrer.display_name, worker.display_name = "PC Jones", "Sam Worker"
    outreach = directory[ServiceKind.OUTREACH]
    db.session.add(ServiceMember(service_id=outreach.id, user_id=worker.id))
    db.session.commit()
    body = factories.referral_payload(
        victim__gender="Female",
        victim__pronouns="she/her",
        needs=["housing", "mental_health"],
        perpetrator={
            "first_name": "Kyle",
            "last_name": "Example",
            "relationship": "ex-partner",
            "address": "4 Harm Street, Ilford",
            "date_of_birth": "1988-02-12",
        },
        refer_perpetrator_to_programme=True,
        children=[
            {
                "name": "Yusuf Khan",
                "date_of_birth": "2018-02-12",
                "relationship_to_victim": "son",
                "relationship_to_perpetrator": "stepson",
                "school": "Canary Primary",
            }
        ],
        consent={"status": "given"},
    )
    referral = factories.refer(referrer, body)
    route = next(r for r in referral.routes if r.service_id == outreach.id)

    def worker_for(other: Route):
        """A worker of another route's service."""
        member = factories.user(Role.SERVICE_WORKER)
        db.session.add(ServiceMember(service_id=other.service_id, user_id=member.id))
        db.session.commit()
        return member

    return {
        "referral": referral,
        "route_id": route.id,
        "referrer": referrer,
        "worker": worker,
        "worker_for": worker_for,
    }


def _unsafe(case, **instructions) -> None:
    referral = case["referral"]
    referral.safe_contact = {**(referral.safe_contact or {}), **instructions}
    db.session.commit()


def _accept(case):
    route_actions.accept(case["worker"], case["route_id"])


def _contact(client, case, **fields):
    token = csrf_token(client, f"/inbox/routes/{case['route_id']}/contact")
    data = {"channel": "phone", "outcome": "spoke", **contact_time(), **fields}
    return client.post(
        f"/inbox/routes/{case['route_id']}/contact", data={"csrf_token": token, **data}
    )


def _attempts(case) -> list[ContactAttempt]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(ContactAttempt).where(ContactAttempt.route_id == case["route_id"])
        )
    )


# --- Safe contact ------------------------------------------------------------------------------


def test_not_safe_is_a_warning_with_the_instruction_first_and_the_number_last(app, case):
    _unsafe(case, safe_to_contact=False)
    client = _as(app, case["worker"])
    for path in (
        f"/referrals/{case['referral'].id}",
        f"/inbox/routes/{case['route_id']}/decline",
    ):
        html = client.get(path).get_data(as_text=True)
        warning = html.index("govuk-warning-text")
        assert "app-safe-contact--unsafe" in html
        assert warning < html.index("Do not contact them directly") < html.index("07700 900123")
        assert "Speak to PC Jones at Metropolitan Police Service first" in html
        assert html.index("No – do not leave voicemail") < html.index("07700 900123")
        assert "It is safe to contact her" not in html


def test_safe_to_contact_looks_different_and_gives_the_number_first(app, case):
    html = _as(app, case["worker"]).get(f"/referrals/{case['referral'].id}").get_data(as_text=True)
    assert "app-safe-contact--safe" in html and "app-safe-contact--unsafe" not in html
    assert "It is safe to contact them directly: Weekdays 10:00 to 14:00" in html
    assert html.index("Safe phone number") < html.index("Voicemail")
    assert "Do not contact them directly" not in html


def test_the_service_refuses_contact_her_instructions_forbid_without_a_reason(app, case):
    _accept(case)
    worker = case["worker"]
    # The factory's instructions: voicemail and letters are not safe, texts are.
    for channel, outcome in (("phone", "voicemail"), ("letter", "no_answer")):
        with pytest.raises(route_actions.UnsafeContact):
            route_actions.log_contact(
                worker, case["route_id"], channel=channel, outcome=outcome, notes=None
            )
    route_actions.log_contact(worker, case["route_id"], channel="text", outcome="spoke", notes=None)
    _unsafe(case, safe_to_contact=False)
    for channel in ("phone", "text", "email", "in_person", "video"):
        with pytest.raises(route_actions.UnsafeContact, match="not safe to contact them directly"):
            route_actions.log_contact(
                worker, case["route_id"], channel=channel, outcome="spoke", notes=None
            )
    route_actions.log_contact(
        worker, case["route_id"], channel="professional", outcome="spoke", notes=None
    )
    assert [a.channel for a in _attempts(case)] == ["text", "professional"]


def test_an_unsafe_attempt_is_refused_on_the_page_and_kept_as_typed(app, case):
    _accept(case)
    client = _as(app, case["worker"])
    form = client.get(f"/inbox/routes/{case['route_id']}/contact").get_data(as_text=True)
    assert "Not safe: their instructions say do not leave a voicemail." in form
    assert "Not safe: Their instructions say do not send them letters." in form
    response = _contact(client, case, outcome="voicemail", notes="Rang at 10:15")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#override_reason"' in html
    assert "Their instructions say do not leave them a voicemail." in html
    assert "Rang at 10:15" in html  # what was typed is kept
    assert _attempts(case) == []


def test_an_override_with_a_reason_is_logged_audited_and_shown(app, case):
    _accept(case)
    client = _as(app, case["worker"])
    response = _contact(
        client,
        case,
        outcome="voicemail",
        notes="Left a neutral message",
        override_reason="She asked the referrer for a voicemail today",
    )
    assert response.status_code == 302
    (attempt,) = _attempts(case)
    assert attempt.override_reason == "She asked the referrer for a voicemail today"
    raw = db.session.execute(
        sa.text("SELECT override_reason FROM contact_attempts WHERE id = :id"),
        {"id": attempt.id.hex if db.engine.dialect.name == "sqlite" else attempt.id},
    ).scalar()
    assert raw.startswith("ev1.") and "voicemail" not in raw
    overrides = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "route.contact_against_instructions")
    ).all()
    assert [(e.actor_id, e.target_id) for e in overrides] == [
        (case["worker"].id, str(case["route_id"]))
    ]
    page = _text(client.get(f"/referrals/{case['referral'].id}"))
    assert "Against their safe-contact instructions" in page
    assert "She asked the referrer for a voicemail today" in page
    assert "Left a neutral message" in page


# --- Dated contact attempts and the timeline --------------------------------------------------


def test_an_attempt_can_be_dated_and_shows_in_uk_time_with_its_notes(app, case):
    _accept(case)
    case["referral"].created_at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    db.session.commit()
    client = _as(app, case["worker"])
    form = client.get(f"/inbox/routes/{case['route_id']}/contact").get_data(as_text=True)
    today = utcnow().astimezone(LONDON)
    assert f'value="{today.year}"' in form  # defaults to now
    summer = datetime(2026, 6, 14, 9, 15, tzinfo=UTC)  # 10:15am BST
    response = _contact(
        client, case, notes="Rang at 10:15, no answer", outcome="no_answer", **contact_time(summer)
    )
    assert response.status_code == 302
    (attempt,) = _attempts(case)
    assert attempt.at == summer
    page = _text(client.get(f"/referrals/{case['referral'].id}"))
    assert "Contact attempt: Phone call, no answer, no message left" in page
    assert "10:15am on 14 June 2026, by Sam Worker" in page
    assert "Rang at 10:15, no answer" in page
    assert db.session.get(Route, case["route_id"]).first_contact_at == summer


@pytest.mark.parametrize(
    "when,message",
    [
        (lambda: utcnow() + timedelta(days=1), "must be in the past"),
        (lambda: utcnow() - timedelta(days=400), "must be after the referral was sent"),
    ],
)
def test_an_attempt_in_the_future_or_before_the_referral_is_refused(app, case, when, message):
    _accept(case)
    response = _contact(_as(app, case["worker"]), case, **contact_time(when()))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'href="#when-day"' in html
    assert _attempts(case) == []


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"time": "25:00"}, "Enter a real time, like 9:30am or 14:30"),
        ({"time": ""}, "Enter the time you tried to make contact"),
        ({"when": ["31", "2", "2026"]}, "must be a real date"),
        ({"when": ["", "", ""]}, "Enter the date you tried to make contact"),
    ],
)
def test_a_wrong_date_or_time_gets_a_gov_uk_message(app, case, fields, message):
    _accept(case)
    response = _contact(_as(app, case["worker"]), case, **fields)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_the_timeline_says_who_did_what_and_the_close_outcome_is_shown(app, case):
    client = _as(app, case["worker"])
    token = csrf_token(client, f"/referrals/{case['referral'].id}")
    client.post(f"/inbox/routes/{case['route_id']}/accept", data={"csrf_token": token})
    _contact(client, case, notes="Spoke briefly")
    client.post(f"/inbox/routes/{case['route_id']}/support", data={"csrf_token": token})
    form = client.get(f"/inbox/routes/{case['route_id']}/close").get_data(as_text=True)
    assert "govuk-character-count" in form and "Close notes (optional)" in form
    client.post(
        f"/inbox/routes/{case['route_id']}/close",
        data={"outcome": "referred_on", "notes": "Passed to the IDVA", "csrf_token": token},
    )
    page = _text(client.get(f"/referrals/{case['referral'].id}"))
    for line in (
        "Referral sent",
        "Sent to Community outreach",
        "Accepted",
        "Support started",
        "Closed: Referred on to another service",
        "How it ended Referred on to another service",
        "Close notes Passed to the IDVA",
        "Spoke briefly",
    ):
        assert line in page, line
    assert (
        page.index("Closed: Referred on")
        < page.index("Support started")
        < page.index("Referral sent")
    )  # newest first
    assert "by Sam Worker" in page and "by PC Jones, Metropolitan Police Service" in page


def test_the_referrer_sees_status_and_decline_reason_but_not_the_services_record(app, case):
    _accept(case)
    route_actions.log_contact(
        case["worker"], case["route_id"], channel="text", outcome="spoke", notes="WORKER-NOTES"
    )
    other = next(r for r in case["referral"].routes if r.service.kind == ServiceKind.HOUSING)
    route_actions.decline(case["worker_for"](other), other.id, "Outside our area")
    page = _text(_as(app, case["referrer"]).get(f"/referrals/{case['referral'].id}"))
    assert "Contact attempted" in page
    assert "WORKER-NOTES" not in page and "What has happened" not in page
    assert "Why it was declined: Outside our area" in page


# --- Who referred her, and everything the service may see -------------------------------------


def test_the_service_sees_who_referred_her_and_how_to_reach_them(app, case):
    page = _text(_as(app, case["worker"]).get(f"/referrals/{case['referral'].id}"))
    assert "Referred by" in page
    assert "Name PC Jones" in page
    assert "Agency Metropolitan Police Service" in page and "POLX" not in page
    assert "Role Referrer (frontline professional)" in page
    assert "Email pc.jones@police.example" in page
    assert re.search(r"Sent (\d{1,2}(:\d\d)?[ap]m|midday|midnight) on \d{1,2} \w+ \d{4}", page)


def test_the_service_sees_every_answer_it_may_see_in_plain_words(app, case):
    page = _text(_as(app, case["worker"]).get(f"/referrals/{case['referral'].id}"))
    for line in (
        "Gender Female",
        "Pronouns she/her",
        "Date of birth 14 June 1991",
        "Housing or a safe place to stay",
        "Mental health",
        "Refer to a perpetrator programme Yes",
        "Address 4 Harm Street, Ilford",
        "Date of birth 12 February 1988",
        "Relationship to the person referred son",
        "Relationship to the person causing harm stepson",
        "School or nursery Canary Primary",
        "Date of birth 12 February 2018",
        "1. Has the current incident resulted in injury? No",
        "24. ",
        "Have they agreed to this referral? Yes, they have agreed to this referral",
    ):
        assert line in page, line
    assert "1991-06-14" not in page and "not_sought" not in page and "Consent: given" not in page


def test_status_tags_are_coloured_by_meaning_and_the_inbox_table_scrolls_in_its_box(app, case):
    _accept(case)
    client = _as(app, case["worker"])
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert 'class="app-table-wrapper"' in inbox
    assert re.search(r"govuk-tag govuk-tag--teal[^>]*>\s*Accepted", inbox)
    assert "app-nowrap" not in inbox
    detail = client.get(f"/referrals/{case['referral'].id}").get_data(as_text=True)
    assert re.search(r"govuk-tag govuk-tag--teal[^>]*>\s*Accepted", detail)
    group = detail[detail.index('class="govuk-button-group"') :]
    group = group[: group.index("</div>")]
    assert "Log a contact attempt" in group and "Close referral" in group


def test_programme_staff_see_none_of_her_answers(app, case):
    programme_route = next(
        (r for r in case["referral"].routes if r.service.kind == ServiceKind.PERPETRATOR_PROGRAMME),
        None,
    )
    assert programme_route is not None
    worker = factories.user(Role.PROGRAMME_WORKER)
    db.session.add(ServiceMember(service_id=programme_route.service_id, user_id=worker.id))
    db.session.commit()
    page = _text(_as(app, worker).get(f"/referrals/{case['referral'].id}"))
    for secret in ("Yusuf", "Mental health", "Female", "1991", "Dash answer"):
        assert secret not in page, secret
    assert "Kyle" in page and "4 Harm Street" in page


def test_the_loser_of_a_move_is_told_who_got_there_first_not_a_500(app, case):
    colleague = case["worker_for"](db.session.get(Route, case["route_id"]))
    route_actions.decline(colleague, case["route_id"], "Out of area")
    client = _as(app, case["worker"])
    token = csrf_token(client, f"/referrals/{case['referral'].id}")
    response = client.post(
        f"/inbox/routes/{case['route_id']}/accept",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Someone else has already declined this referral" in _text(response)


def test_close_notes_over_the_limit_get_the_labels_own_words(app, case):
    _accept(case)
    client = _as(app, case["worker"])
    token = csrf_token(client, f"/inbox/routes/{case['route_id']}/close")
    response = client.post(
        f"/inbox/routes/{case['route_id']}/close",
        data={"outcome": "no_contact", "notes": "x" * 2001, "csrf_token": token},
    )
    assert response.status_code == 400
    assert "Close notes must be 2000 characters or fewer" in response.get_data(as_text=True)


def test_the_first_attempt_keeps_its_working_days_from_release_for_the_reports(app, case):
    """Released on Friday 28 August 2026; Monday 31 August is a bank holiday. An attempt on
    Tuesday is 1 working day; one logged afterwards but made on the Friday is the first (0);
    a later one changes nothing."""
    _accept(case)
    friday = datetime(2026, 8, 28, 9, 0, tzinfo=UTC)
    case["referral"].created_at = friday
    db.session.get(Route, case["route_id"]).released_at = friday
    db.session.commit()

    def log(at: datetime) -> Route:
        route_actions.log_contact(
            case["worker"], case["route_id"], channel="phone", outcome="spoke", notes=None, at=at
        )
        db.session.expire_all()
        return db.session.get(Route, case["route_id"])

    route = log(datetime(2026, 9, 1, 10, 0, tzinfo=UTC))
    assert route.first_contact_working_days == 1
    route = log(datetime(2026, 8, 28, 15, 0, tzinfo=UTC))
    assert (route.first_contact_at, route.first_contact_working_days) == (
        datetime(2026, 8, 28, 15, 0, tzinfo=UTC),
        0,
    )
    route = log(datetime(2026, 9, 7, 10, 0, tzinfo=UTC))
    assert route.first_contact_working_days == 0
