"""Certificates: codes encrypted at rest, status, lists scoped by agency, revoke and reissue, and
their PDFs (one page per certificate of a run, A4 landscape, a QR code to the verify page)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.exceptions import PermissionDenied
from daservice.extensions import db
from daservice.security.crypto import DecryptError
from daservice.security.tokens import CERTIFICATE_CODE
from daservice.training import certificate_pdf, certificates
from daservice.training.models import Certificate, CertificateStatus, Enrolment

from .. import factories
from ..conftest import row_count
from . import _certificates as make

GROUPED = re.compile(r"^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$")
A4_LANDSCAPE = (842, 595)  # points, rounded


@pytest.fixture(autouse=True)
def _service_url(app):
    app.config["SERVICE_URL"] = make.SERVICE_URL


def _actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


# --- Codes -----------------------------------------------------------------------------------


def test_a_code_is_grouped_sixteen_symbols_and_stored_only_as_ciphertext(app):
    issued = make.certificate(factories.agency())
    code = issued.code
    assert code and GROUPED.match(code) and CERTIFICATE_CODE.bits > 79
    raw = db.session.execute(
        sa.text("SELECT code, code_hash FROM training_certificates WHERE id = :id"),
        {"id": issued.id.hex if db.engine.dialect.name == "sqlite" else issued.id},
    ).one()
    assert raw.code.startswith("ev1.") and code not in raw.code
    assert code.replace("-", "") not in raw.code
    assert raw.code_hash != code and len(raw.code_hash) == 64


@pytest.mark.parametrize(
    "spelling", [lambda c: c.lower(), lambda c: c.replace("-", " "), lambda c: c.replace("-", "–")]
)
def test_a_code_is_found_however_it_is_typed(app, spelling):
    issued = make.certificate(factories.agency())
    assert certificates.find_by_code(f"  {spelling(issued.code)} ").id == issued.id


def test_tampered_ciphertext_is_refused_not_printed(app):
    first = make.certificate(factories.agency())
    second = make.certificate(factories.agency())
    ids = [c.id.hex if db.engine.dialect.name == "sqlite" else c.id for c in (first, second)]
    # Move the second's ciphertext into the first's row: an attacker with write access.
    db.session.execute(
        sa.text(
            "UPDATE training_certificates SET code = "
            "(SELECT code FROM training_certificates WHERE id = :b) WHERE id = :a"
        ),
        {"a": ids[0], "b": ids[1]},
    )
    db.session.commit()
    db.session.expire_all()
    moved = db.session.get(Certificate, first.id)
    with pytest.raises(DecryptError):
        _ = moved.code


# --- Status and lists ------------------------------------------------------------------------


def test_status_is_valid_expired_or_revoked(app):
    agency = factories.agency()
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    valid = make.certificate(agency)
    expired = make.certificate(agency, completed_on=date(2020, 1, 6), validity_months=12)
    revoked = make.certificate(agency)
    certificates.revoke(coordinator, revoked, "Issued to the wrong person")
    forever = make.certificate(agency, validity_months=None)
    assert certificates.status(valid) is CertificateStatus.VALID
    assert certificates.status(expired) is CertificateStatus.EXPIRED
    assert certificates.status(revoked) is CertificateStatus.REVOKED
    assert forever.expires_on is None and certificates.status(forever) is CertificateStatus.VALID
    for wanted, row in [
        (CertificateStatus.VALID, {valid.id, forever.id}),
        (CertificateStatus.EXPIRED, {expired.id}),
        (CertificateStatus.REVOKED, {revoked.id}),
    ]:
        found = certificates.listing(coordinator, certificates.Filters(status=wanted))
        assert {c.id for c in found} == row, wanted


def test_expiring_within_counts_valid_certificates_in_scope_only(app):
    mine, other = factories.agency(), factories.agency()
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=mine)
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    soon = date.today() - timedelta(days=365) + timedelta(days=30)
    make.certificate(mine, completed_on=soon, validity_months=12)  # expires in about 30 days
    make.certificate(other, completed_on=soon, validity_months=12)
    make.certificate(mine)  # years away
    assert certificates.expiring_within(lead) == 1
    assert certificates.expiring_within(coordinator) == 2
    assert certificates.expiring_within(coordinator, days=7) == 0
    listed = certificates.listing(lead, certificates.Filters(expiring_soon=True))
    assert [c.agency_id for c in listed] == [mine.id]


def test_a_lead_lists_only_her_agencys_certificates(app):
    mine, other = factories.agency(), factories.agency()
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=mine)
    ours = make.certificate(mine)
    make.certificate(other)
    assert [c.id for c in certificates.listing(lead)] == [ours.id]
    assert certificates.listing(factories.user(Role.REFERRER, agency_row=mine)) == []


# --- Revoke and reissue ----------------------------------------------------------------------


def test_revoking_needs_a_reason_and_keeps_it(app):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    issued = make.certificate(factories.agency())
    with pytest.raises(certificates.ReasonRequired):
        certificates.revoke(coordinator, issued, "   ")
    assert issued.revoked_at is None
    certificates.revoke(coordinator, issued, "Completed by someone else")
    db.session.expire_all()
    again = db.session.get(Certificate, issued.id)
    assert again.revoked_reason == "Completed by someone else"
    assert again.revoked_by_id == coordinator.id
    assert len(_actions("training.certificate_revoked")) == 1


def test_only_a_coordinator_may_revoke_or_reissue(app):
    agency = factories.agency()
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=agency)
    issued = make.certificate(agency)
    with pytest.raises(PermissionDenied):
        certificates.revoke(lead, issued, "No")
    with pytest.raises(PermissionDenied):
        certificates.reissue(lead, issued)


def test_reissue_prints_the_corrected_name_with_the_same_code(app):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    issued = make.certificate(factories.agency(), name="Amina Begun")
    code, digest = issued.code, issued.code_hash
    issued.trainee.name = "Amina Begum"
    db.session.commit()
    certificates.reissue(coordinator, issued)
    db.session.expire_all()
    again = db.session.get(Certificate, issued.id)
    assert again.holder_name == "Amina Begum" and again.reissued_on is not None
    assert again.code == code and again.code_hash == digest
    assert certificates.find_by_code(code).id == issued.id
    assert len(_actions("training.certificate_reissued")) == 1


# --- PDFs ------------------------------------------------------------------------------------


def _texts(document: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(document)).pages]


def test_a_certificate_pdf_is_a4_landscape_with_everything_on_it(app):
    issued = make.certificate(factories.agency(), name="Grace Okafor")
    document = certificate_pdf.render_certificates([issued], title="Certificate", generated_by=None)
    reader = PdfReader(io.BytesIO(document))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4_LANDSCAPE
    text = _texts(document)[0]
    for expected in [
        "Grace Okafor",
        issued.course_title,
        "Practitioner level",
        "Completed on 9 March 2026",
        "Valid until 9 March 2029",
        issued.code,
        f"{make.SERVICE_URL}/verify/{issued.code}",
    ]:
        assert expected in text, expected


def test_the_qr_code_points_at_the_absolute_verify_url_from_config(app):
    app.config["SERVICE_URL"] = "https://certs.example.org/"
    issued = make.certificate(factories.agency())
    page = certificate_pdf.page_for(issued)
    assert page.verify_url == f"https://certs.example.org/verify/{issued.code}"
    assert page.qr.startswith("data:image/png")


def test_a_certificate_that_never_expires_says_so(app):
    issued = make.certificate(factories.agency(), validity_months=None)
    document = certificate_pdf.render_certificates([issued], title="Certificate", generated_by=None)
    assert "Does not expire" in _texts(document)[0]


def test_a_runs_pdf_has_one_page_per_completed_certificate(app):
    agency = factories.agency()
    course_run = make.run()
    issued = [make.certificate(agency, run_row=course_run, name=f"Holder {i}") for i in range(3)]
    make.certificate(agency)  # another run's
    found = certificates.for_run(course_run)
    assert {c.id for c in found} == {c.id for c in issued}
    document = certificate_pdf.render_certificates(found, title="Run", generated_by="Coordinator")
    texts = _texts(document)
    assert len(texts) == 3
    assert [f"Holder {i}" in texts[i] for i in range(3)] == [True] * 3
    assert all(c.code in " ".join(texts) for c in issued)


def _page_one(document: bytes) -> Image.Image:
    """Page 1 as a picture, as a viewer or a printer would draw it (PDFium, Chrome's renderer)."""
    page = pdfium.PdfDocument(document)[0]
    return page.render(scale=150 / 72).to_pil()


def test_page_one_renders_to_a_picture_that_is_not_blank(app):
    issued = make.certificate(factories.agency())
    document = certificate_pdf.render_certificates([issued], title="Certificate", generated_by=None)
    image = _page_one(document).convert("L")
    assert image.width > image.height  # landscape
    dark = sum(image.histogram()[:128])
    assert dark > image.width * image.height * 0.01  # text and the QR code, not a blank page


def test_the_printed_qr_code_scans_to_the_certificates_verify_page(app):
    app.config["SERVICE_URL"] = "https://certs.example.org"
    issued = make.certificate(factories.agency())
    document = certificate_pdf.render_certificates([issued], title="Certificate", generated_by=None)
    found = zxingcpp.read_barcodes(_page_one(document))
    assert [(b.format, b.text) for b in found] == [
        (zxingcpp.BarcodeFormat.QRCode, f"https://certs.example.org/verify/{issued.code}")
    ]


def test_issue_twice_returns_the_same_certificate(app):
    issued = make.certificate(factories.agency())
    enrolment = db.session.get(Enrolment, issued.enrolment_id)
    assert certificates.issue(enrolment, actor=None).id == issued.id
    assert row_count("training_certificates") == 1


def test_a_certificate_pdf_has_no_protective_marking_and_no_generated_by_line(app):
    # It is handed to its holder and shown to employers (trial finding 10).
    agency = factories.agency()
    course_run = make.run()
    issued = [make.certificate(agency, run_row=course_run, name=f"Holder {i}") for i in range(2)]
    document = certificate_pdf.render_certificates(
        issued, title="Run", generated_by="Tara Coordinator"
    )
    texts = _texts(document)
    assert len(texts) == 2
    for text in texts:
        assert "OFFICIAL-SENSITIVE" not in text
        assert "Generated" not in text and "Tara Coordinator" not in text
