"""The public verify pages and the signed-in certificate pages: what each shows, to whom, and
that bad codes, other agencies' certificates and floods are refused calmly."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.errors import wait_in_words
from daservice.extensions import db
from daservice.training import certificates
from daservice.training.models import Certificate
from daservice.uk_time import uk_date

from .. import factories
from ..conftest import csrf_token
from . import _certificates as make


@pytest.fixture(autouse=True)
def _service_url(app):
    app.config["SERVICE_URL"] = make.SERVICE_URL


def _text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


# --- Public verification ---------------------------------------------------------------------


def test_the_verify_page_shows_only_holder_course_dates_and_status(app, client):
    agency = factories.agency(name="Redbridge Leisure Trust")
    issued = make.certificate(agency, name="Grace Okafor")
    response = client.get(f"/verify/{issued.code}")
    assert response.status_code == 200
    page = _text(response)
    assert "This certificate is valid" in page
    for shown in ["Grace Okafor", issued.course_title, uk_date(issued.issued_on), "9 March 2029"]:
        assert shown in page
    assert f'<span class="app-certificate-code">{issued.code}</span>' in page
    assert "Redbridge Leisure Trust" not in page and issued.trainee.work_email not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_an_expired_certificate_says_so(app, client):
    issued = make.certificate(factories.agency(), completed_on=date(2020, 1, 6), validity_months=12)
    page = _text(client.get(f"/verify/{issued.code}"))
    assert "This certificate has expired" in page and "6 January 2021" in page


def test_a_revoked_certificate_says_so_without_the_reason(app, client):
    issued = make.certificate(factories.agency())
    certificates.revoke(factories.user(Role.TRAINING_COORDINATOR), issued, "Sold on eBay")
    response = client.get(f"/verify/{issued.code}")
    page = _text(response)
    assert response.status_code == 200
    assert "This certificate has been revoked" in page and "eBay" not in page


def test_a_code_typed_loosely_is_found(app, client):
    issued = make.certificate(factories.agency())
    assert client.get(f"/verify/{issued.code.lower().replace('-', '')}").status_code == 200


@pytest.mark.parametrize(
    "code", ["nothing", "K7QM-9RXD-2HFT-8VWC", "K7QM-9RXD-2HFT-8VW", "O0I1-" * 4, "x" * 500, "%00"]
)
def test_an_unknown_or_malformed_code_is_a_calm_not_found(app, client, code):
    make.certificate(factories.agency())
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404
    page = _text(response)
    assert "Certificate not found" in page and "could not find a certificate" in page


def test_near_misses_and_nonsense_get_the_same_page(app, client):
    issued = make.certificate(factories.agency())
    near = issued.code[:-1] + ("2" if issued.code[-1] != "2" else "3")
    mains = {
        client.get(f"/verify/{code}").get_data(as_text=True).split("<main", 1)[1]
        for code in (near, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "not a code")
    }
    assert len(mains) == 1


def test_the_form_sends_a_well_formed_code_to_its_page(app, client):
    issued = make.certificate(factories.agency())
    response = client.get("/verify", query_string={"code": f" {issued.code.lower()} "})
    assert response.status_code == 302
    assert response.location.endswith(f"/verify/{issued.code}")
    assert client.get("/verify").status_code == 200


@pytest.mark.parametrize(
    "typed,message",
    [
        ("", "Enter the certificate code"),
        ("K7QM-9RXD", "Enter the certificate code as it is printed"),
        ("O0O0-I1I1-O0O0-I1I1", "Enter the certificate code as it is printed"),
    ],
)
def test_the_form_shows_an_error_summary_for_an_empty_or_malformed_code(client, typed, message):
    response = client.get("/verify", query_string={"code": typed})
    page = _text(response)
    assert response.status_code == 400
    assert "govuk-error-summary" in page and message in page
    assert f'value="{typed}"' in page or typed == ""  # what was typed is kept


def test_too_many_checks_from_one_address_get_429_with_retry_after(app, client):
    app.config["RATE_LIMITS"] = {**app.config["RATE_LIMITS"], "public_lookup": "3 per minute"}
    issued = make.certificate(factories.agency())
    statuses = [client.get(f"/verify/{issued.code}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(f"/verify/{issued.code}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # The page says how long, from the same Retry-After (trial finding 10: not "a few minutes").
    wait = wait_in_words(int(refused.headers["Retry-After"]))
    assert f"Try again in {wait}." in _text(refused) and "a few minutes" not in _text(refused)
    other = client.get(f"/verify/{issued.code}", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200  # per client address


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "a second"),
        (2, "2 seconds"),
        (59, "59 seconds"),
        (60, "a minute"),
        (61, "2 minutes"),
        (600, "10 minutes"),
        (3600, "an hour"),
        (3601, "2 hours"),
    ],
)
def test_retry_after_is_said_in_words_rounded_up(seconds, words):
    assert wait_in_words(seconds) == words


# --- Signed-in pages -------------------------------------------------------------------------


def test_a_lead_sees_her_agencys_certificates_and_gets_404_for_anothers(app, client, login_as):
    mine, other = factories.agency(), factories.agency()
    ours = make.certificate(mine, name="Ours Holder")
    theirs = make.certificate(other, name="Theirs Holder")
    login_as(factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=mine))
    listing = _text(client.get("/training/certificates/"))
    assert "Ours Holder" in listing and "Theirs Holder" not in listing
    assert client.get(f"/training/certificates/{ours.id}").status_code == 200
    assert client.get(f"/training/certificates/{theirs.id}").status_code == 404
    viewed = db.session.scalars(
        sa.select(AuditEvent.target_id).where(AuditEvent.action == "training.certificate_viewed")
    )
    assert list(viewed) == [str(ours.id)]
    assert client.get(f"/training/certificates/{theirs.id}.pdf").status_code == 404
    exported = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export.pdf"))
    assert list(exported) == []  # nothing was served, so nothing was recorded as exported


def test_a_lead_may_not_revoke_and_nothing_changes(app, client, login_as):
    # Revoking is the coordinator's (who sees the whole partnership): a lead is refused outright.
    theirs = make.certificate(factories.agency())
    lead = factories.user(Role.AGENCY_TRAINING_LEAD)
    login_as(lead)
    token = csrf_token(client, "/training/certificates/")
    response = client.post(
        f"/training/certificates/{theirs.id}/revoke", data={"csrf_token": token, "reason": "x"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Certificate, theirs.id).revoked_at is None


def test_a_worker_sees_her_own_certificates_only(app, client, login_as):
    agency = factories.agency()
    worker = factories.user(Role.REFERRER, agency_row=agency)
    own = make.certificate(agency, user=worker)
    colleague = make.certificate(agency, name="A Colleague")
    login_as(worker)
    page = _text(client.get("/training/certificates/mine"))
    assert own.course_title in page and colleague.course_title not in page
    assert client.get(f"/training/certificates/{own.id}").status_code == 200
    assert client.get(f"/training/certificates/{colleague.id}").status_code == 404
    download = client.get(f"/training/certificates/{own.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert client.get("/training/certificates/").status_code == 403


def test_revoking_through_the_page_needs_a_reason(app, client, login_as):
    issued = make.certificate(factories.agency())
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    path = f"/training/certificates/{issued.id}/revoke"
    token = csrf_token(client, path)
    refused = client.post(path, data={"csrf_token": token, "reason": "  "})
    assert refused.status_code == 400
    assert "Enter why you are revoking this certificate" in _text(refused)
    db.session.expire_all()
    assert db.session.get(Certificate, issued.id).revoked_at is None
    done = client.post(path, data={"csrf_token": token, "reason": "Wrong person"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, issued.id).revoked_reason == "Wrong person"
    assert "Wrong person" in _text(client.get(f"/training/certificates/{issued.id}"))


def test_the_coordinator_filters_by_status_and_course(app, client, login_as):
    agency = factories.agency()
    kept = make.certificate(agency, name="Kept Holder")
    gone = make.certificate(agency, name="Gone Holder")
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    certificates.revoke(coordinator, gone, "Wrong person")
    login_as(coordinator)
    page = _text(client.get("/training/certificates/", query_string={"status": "revoked"}))
    assert "Gone Holder" in page and "Kept Holder" not in page
    page = _text(
        client.get("/training/certificates/", query_string={"course": str(kept.course_id)})
    )
    assert "Kept Holder" in page and "Gone Holder" not in page
    assert client.get("/training/certificates/", query_string={"status": "x"}).status_code == 200


def test_the_run_pdf_is_audited_with_one_page_each(app, client, login_as):
    from ..pdf.conftest import page_texts

    agency = factories.agency()
    course_run = make.run()
    issued = [make.certificate(agency, run_row=course_run) for _ in range(2)]
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    response = client.get(f"/training/certificates/runs/{course_run.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    texts = page_texts(response.data)
    assert len(texts) == 2 and all(c.code in " ".join(texts) for c in issued)
    exports = list(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export.pdf"))
    )
    assert [(e.target_type, e.target_id) for e in exports] == [("training_run", str(course_run.id))]
    empty = make.run()
    assert client.get(f"/training/certificates/runs/{empty.id}.pdf").status_code == 404


def test_reissue_through_the_page_keeps_the_code(app, client, login_as):
    issued = make.certificate(factories.agency(), name="Jo Smyth")
    code = issued.code
    issued.trainee.name = "Jo Smith"
    db.session.commit()
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    path = f"/training/certificates/{issued.id}/reissue"
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 302
    db.session.expire_all()
    again = db.session.get(Certificate, issued.id)
    assert again.holder_name == "Jo Smith" and again.code == code
    assert "Jo Smith" in _text(client.get(f"/verify/{code}"))


# --- Revoked certificates: never a clean copy again ---------------------------------------------


def _revoked(agency=None, **kwargs) -> tuple[Certificate, object]:
    issued = make.certificate(agency or factories.agency(), **kwargs)
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    certificates.revoke(coordinator, issued, "Completed by someone else")
    return issued, coordinator


def test_a_revoked_certificates_page_says_so_and_offers_no_download_or_reissue(
    app, client, login_as
):
    issued, coordinator = _revoked()
    login_as(coordinator)
    response = client.get(f"/training/certificates/{issued.id}")
    page = _text(response)
    assert "This certificate has been revoked" in page
    assert "Completed by someone else" in page  # the reason, for the coordinator
    assert f"/training/certificates/{issued.id}.pdf" not in page
    assert f"/training/certificates/{issued.id}/reissue" not in page
    assert f"/training/certificates/{issued.id}/revoke" not in page


def test_the_holder_is_told_it_was_revoked_but_not_why(app, client, login_as):
    agency = factories.agency()
    worker = factories.user(Role.REFERRER, agency_row=agency)
    issued, _ = _revoked(agency, user=worker)
    login_as(worker)
    page = _text(client.get(f"/training/certificates/{issued.id}"))
    assert "This certificate has been revoked" in page
    assert "Completed by someone else" not in page
    assert f"/training/certificates/{issued.id}.pdf" not in page


@pytest.mark.parametrize("role", [Role.TRAINING_COORDINATOR, Role.REFERRER])
def test_a_revoked_certificates_pdf_is_gone_and_nothing_is_exported(app, client, login_as, role):
    agency = factories.agency()
    worker = factories.user(Role.REFERRER, agency_row=agency)
    issued, coordinator = _revoked(agency, user=worker)
    login_as(coordinator if role is Role.TRAINING_COORDINATOR else worker)
    response = client.get(f"/training/certificates/{issued.id}.pdf")
    assert response.status_code == 410
    assert response.mimetype == "text/html"
    assert "This certificate has been revoked" in _text(response)
    exported = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export.pdf"))
    assert list(exported) == []


def test_a_revoked_certificate_cannot_be_reissued_by_page_or_service(app, client, login_as):
    issued, coordinator = _revoked(name="Jo Smyth")
    issued.trainee.name = "Jo Smith"
    db.session.commit()
    with pytest.raises(certificates.RevokedCertificate):
        certificates.reissue(coordinator, issued)
    login_as(coordinator)
    path = f"/training/certificates/{issued.id}/reissue"
    assert client.get(path).status_code == 409
    token = csrf_token(client, "/training/certificates/")
    assert client.post(path, data={"csrf_token": token}).status_code == 409
    db.session.expire_all()
    again = db.session.get(Certificate, issued.id)
    assert again.holder_name == "Jo Smyth" and again.reissued_on is None


def test_the_run_pdf_leaves_revoked_certificates_out(app, client, login_as):
    from ..pdf.conftest import page_texts

    agency = factories.agency()
    course_run = make.run()
    kept = make.certificate(agency, run_row=course_run, name="Kept Holder")
    gone, coordinator = _revoked(agency, run_row=course_run, name="Gone Holder")
    assert [c.id for c in certificates.for_run(course_run)] == [kept.id]
    login_as(coordinator)
    texts = page_texts(client.get(f"/training/certificates/runs/{course_run.id}.pdf").data)
    assert len(texts) == 1 and "Kept Holder" in texts[0] and gone.code not in texts[0]


def test_the_run_page_says_certificate_revoked_beside_that_person(app, client, login_as):
    agency = factories.agency()
    course_run = make.run()
    make.certificate(agency, run_row=course_run, name="Kept Holder")
    gone, coordinator = _revoked(agency, run_row=course_run, name="Gone Holder")
    login_as(coordinator)
    page = _text(client.get(f"/training/runs/{course_run.id}"))
    rows = {
        name: row
        for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page)
        for name in ("Gone Holder", "Kept Holder")
        if name in row
    }
    assert f"Certificate revoked {uk_date(gone.revoked_at)}" in rows["Gone Holder"]
    assert "Certificate revoked" not in rows["Kept Holder"]
    assert "Nothing: completed" in rows["Kept Holder"]


# --- The list and the certificate page --------------------------------------------------------


def test_the_list_searches_by_holder_name_and_keeps_the_other_filters(app, client, login_as):
    agency = factories.agency()
    make.certificate(agency, name="Grace Okafor")
    make.certificate(agency, name="Grace 100%_ Jones")
    make.certificate(agency, name="Tom Baker")
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    page = _text(client.get("/training/certificates/", query_string={"name": "  grace "}))
    assert "Grace Okafor" in page and "Grace 100%_ Jones" in page and "Tom Baker" not in page
    assert "2 certificates" in page
    page = _text(client.get("/training/certificates/", query_string={"name": "0%_"}))
    assert "Grace 100%_ Jones" in page and "Grace Okafor" not in page  # % and _ are literal
    page = _text(
        client.get("/training/certificates/", query_string={"name": "grace", "status": "revoked"})
    )
    assert "No certificates match" in page
    assert 'value="grace"' in page  # what was typed is kept


def test_a_too_long_name_search_gets_an_error_summary_not_a_500(app, client, login_as):
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    response = client.get("/training/certificates/", query_string={"name": "x" * 101})
    assert response.status_code == 400
    assert "Holder's name must be 100 characters or fewer" in html.unescape(_text(response))
    assert "govuk-error-summary" in response.get_data(as_text=True)


def test_the_list_is_paged_50_at_a_time_keeping_filters_in_the_links(app, client, login_as):
    agency = factories.agency()
    course_run = make.run()
    for i in range(51):
        make.certificate(agency, run_row=course_run, name=f"Holder {i:02d}")
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    first = client.get("/training/certificates/", query_string={"expiring": "y"})
    html = first.get_data(as_text=True)
    page = _text(first)
    # They expire in 2029, not within 90 days: the expiring filter finds none of them.
    assert "No certificates match" in page
    query = {"course": str(course_run.course_id), "status": "valid"}
    first = client.get("/training/certificates/", query_string=query)
    html, page = first.get_data(as_text=True), _text(first)
    assert "51 certificates, showing 1 to 50" in page
    assert "Holder 00" in page and "Holder 50" not in page
    assert "govuk-pagination" in html
    assert f"page=2&amp;course={course_run.course_id}&amp;status=valid" in html or (
        "page=2" in html and f"course={course_run.course_id}" in html and "status=valid" in html
    )
    second = _text(client.get("/training/certificates/", query_string={**query, "page": "2"}))
    assert "Holder 50" in second and "Holder 00" not in second
    assert "showing 51 to 51" in second
    beyond = _text(client.get("/training/certificates/", query_string={**query, "page": "99"}))
    assert "Holder 50" in beyond  # past the end: the last page
    nonsense = client.get("/training/certificates/", query_string={**query, "page": "x"})
    assert nonsense.status_code == 200 and "Holder 00" in _text(nonsense)


def test_expiring_from_the_home_link_is_shown_ticked(app, client, login_as):
    agency = factories.agency()
    soon = make.certificate(agency, name="Soon Holder", completed_on=date(2024, 1, 1))
    soon.expires_on = certificates.uk_today() + timedelta(days=30)
    db.session.commit()
    make.certificate(agency, name="Later Holder")
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    response = client.get("/training/certificates/", query_string={"expiring": "y"})
    html, page = response.get_data(as_text=True), _text(response)
    assert "Soon Holder" in page and "Later Holder" not in page
    assert re.search(r'<input[^>]*name="expiring"[^>]*checked', html), "the box is ticked"


def _back_link(page: str) -> str:
    found = re.search(r'<a href="([^"]*)" class="govuk-back-link"', page)
    assert found, "the page has a back link"
    return html.unescape(found.group(1))


def test_the_certificate_page_links_back_to_the_list_as_filtered_and_to_holder_and_run(
    app, client, login_as
):
    agency = factories.agency()
    course_run = make.run()
    issued = make.certificate(agency, run_row=course_run, name="Grace Okafor")
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    listing = client.get("/training/certificates/", query_string={"name": "grace"})
    link = re.search(
        r'href="(/training/certificates/[0-9a-f-]{36}\?list=[^"]+)"', listing.get_data(as_text=True)
    )
    assert link, "the row links to the certificate with the list's filters"
    page = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _back_link(page) == "/training/certificates/?name=grace"
    assert f'href="/training/staff/{issued.trainee_id}"' in page
    assert f'href="/training/runs/{course_run.id}"' in page
    # Nothing typed into ?list= can send the back link anywhere but the list.
    hostile = client.get(
        f"/training/certificates/{issued.id}",
        query_string={"list": "next=https://evil.example&name=x//evil"},
    ).get_data(as_text=True)
    assert _back_link(hostile) == "/training/certificates/?name=x//evil"


def test_a_holder_gets_a_back_link_to_her_certificates_and_no_staff_links(app, client, login_as):
    agency = factories.agency()
    worker = factories.user(Role.REFERRER, agency_row=agency)
    issued = make.certificate(agency, user=worker)
    login_as(worker)
    page = client.get(f"/training/certificates/{issued.id}").get_data(as_text=True)
    assert _back_link(page) == "/training/certificates/mine"
    assert "/training/staff/" not in page and "/training/runs/" not in page
