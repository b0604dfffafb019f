"""Certificates as PDF: one A4 landscape page each, with a QR code to the public verify page.

Every page is the same print template (``templates/pdf/training/certificates.html``), so a
single certificate and a whole run's certificates look alike, and a run is one document with a
page per certificate. Rendered through ``daservice.pdf`` only (slots, the static-only fetcher,
tagged PDF); the view serves it with ``pdf.pdf_response``, which audits the export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import segno
from flask import current_app

from .. import pdf
from ..uk_time import uk_date
from .models import Certificate, Level

TEMPLATE = "pdf/training/certificates.html"
# Used only where SERVICE_URL is unset, which config.validate() allows in development and tests
# alone: the printed link must never come from the request's Host header (anyone can send one).
DEVELOPMENT_SERVICE_URL = "http://localhost:5000"


def verify_url(code: str) -> str:
    """The absolute address of the public verify page for ``code``, from ``SERVICE_URL``."""
    base = current_app.config.get("SERVICE_URL") or DEVELOPMENT_SERVICE_URL
    return f"{str(base).rstrip('/')}/verify/{code}"


def qr_data_uri(url: str) -> str:
    """A QR code for ``url`` as a PNG ``data:`` URI, one pixel per module.

    The print template scales it up with ``image-rendering: pixelated``, which WeasyPrint writes
    as an image PDF viewers and printers must not smooth, so every module stays a sharp square at
    any size. An SVG is as sharp but WeasyPrint lays out its path on every page: it cost about
    three times as much per certificate (docs/performance.md)."""
    return str(segno.make(url, error="m").png_data_uri(scale=1, border=2))


@dataclass(frozen=True)
class PrintedCertificate:
    """What one page shows, already worded for print."""

    holder: str
    course: str
    level: str
    completed_on: str
    issued_on: str
    expires: str  # "Valid until 1 March 2029" or "Does not expire"
    code: str
    verify_url: str
    qr: str
    reissued_on: str | None = None


def printed(
    *,
    holder: str,
    course: str,
    level: Level,
    completed_on: date,
    issued_on: date,
    expires_on: date | None,
    code: str,
    reissued_on: date | None = None,
) -> PrintedCertificate:
    """One page's wording from a certificate's fields (the benchmark calls this too)."""
    url = verify_url(code)
    return PrintedCertificate(
        holder=holder,
        course=course,
        level=f"{level.value.capitalize()} level",
        completed_on=uk_date(completed_on),
        issued_on=uk_date(issued_on),
        expires=f"Valid until {uk_date(expires_on)}" if expires_on else "Does not expire",
        code=code,
        verify_url=url,
        qr=qr_data_uri(url),
        reissued_on=uk_date(reissued_on) if reissued_on else None,
    )


def page_for(certificate: Certificate) -> PrintedCertificate:
    code = certificate.code or ""  # decrypted here (issue() sets it); a tamper: DecryptError
    return printed(
        holder=certificate.holder_name,
        course=certificate.course_title,
        level=certificate.level,
        completed_on=certificate.completed_on,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        code=code,
        reissued_on=certificate.reissued_on,
    )


def render(pages: Sequence[PrintedCertificate], *, title: str, generated_by: str | None) -> bytes:
    """The PDF: one page per certificate, in the order given."""
    return pdf.render_pdf(TEMPLATE, title=title, generated_by=generated_by, certificates=pages)


def render_certificates(
    certificates: Sequence[Certificate], *, title: str, generated_by: str | None
) -> bytes:
    """The PDF of these certificates (one, or a whole run's)."""
    return render([page_for(c) for c in certificates], title=title, generated_by=generated_by)
