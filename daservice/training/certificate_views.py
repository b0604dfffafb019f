"""Certificate pages: the coordinator's and leads' list, a certificate, its PDF, a run's PDF,
revoking and reissuing; a worker's own certificates; and the public verify pages (no sign-in,
rate-limited per client address)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import pdf
from ..accounts import actor
from ..security.guard import public
from ..security.permissions import Permission, permission_required, protect
from ..security.ratelimit import rate_limited
from ..uk_time import uk_date
from . import certificate_pdf, certificates, queries
from .certificate_forms import FilterForm, ReissueForm, RevokeForm, VerifyForm
from .models import Certificate, CertificateStatus

bp = Blueprint("certificates", __name__, url_prefix="/training/certificates")
protect(bp, Permission.REQUEST_TRAINING)  # each row is scoped again by its loader
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")

STATUS_TAG = {
    CertificateStatus.VALID: ("Valid", "govuk-tag--green"),
    CertificateStatus.EXPIRED: ("Expired", "govuk-tag--grey"),
    CertificateStatus.REVOKED: ("Revoked", "govuk-tag--red"),
}


def _tag(certificate: Certificate) -> tuple[str, str]:
    return STATUS_TAG[certificates.status(certificate)]


def _uuid_or_none(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


@bp.route("/")
@permission_required(Permission.LEAD_TRAINING)
def index() -> str:
    """The certificates this user manages, filtered."""
    user = actor()
    form = FilterForm(request.args)
    form.course.choices = [("", "Any course")] + [
        (str(c.id), c.title) for c in certificates.courses()
    ]
    agencies = certificates.agencies(user)
    form.agency.choices = [("", "Any agency")] + [(str(a.id), a.name) for a in agencies]
    status = form.status.data if form.status.data in set(CertificateStatus) else None
    filters = certificates.Filters(
        course_id=_uuid_or_none(form.course.data),
        agency_id=_uuid_or_none(form.agency.data),
        status=CertificateStatus(status) if status else None,
        expiring_soon=bool(form.expiring.data),
    )
    rows = certificates.listing(user, filters)
    return render_template(
        "training/certificates/index.html",
        form=form,
        rows=rows,
        tag=_tag,
        show_agency_filter=len(agencies) > 1,
    )


@bp.route("/mine")
def mine() -> str:
    """A worker's own certificates."""
    return render_template(
        "training/certificates/mine.html", rows=certificates.mine(actor()), tag=_tag
    )


@bp.route("/<uuid:certificate_id>")
def detail(certificate_id: uuid.UUID) -> str:
    user = actor()
    certificate = queries.get_certificate_or_404(user, certificate_id)
    page = render_template(
        "training/certificates/detail.html",
        certificate=certificate,
        tag=_tag(certificate),
        verify_url=certificate_pdf.verify_url(certificate.code or ""),
    )
    certificates.viewed(user, certificate)  # after the code was read: a tamper shows no page
    return page


@bp.route("/<uuid:certificate_id>.pdf")
def download(certificate_id: uuid.UUID) -> Response:
    """The certificate's own PDF, for its holder, her agency's lead or a coordinator."""
    user = actor()
    certificate = queries.get_certificate_or_404(user, certificate_id)
    document = certificate_pdf.render_certificates(
        [certificate], title=f"Certificate: {certificate.course_title}", generated_by=None
    )
    return pdf.pdf_response(
        document,
        f"certificate-{certificate.course_title}-{certificate.issued_on.isoformat()}",
        actor=user,
        target_type="training_certificate",
        target_id=certificate.id,
        purpose="certificate",
    )


@bp.route("/runs/<uuid:run_id>.pdf")
@permission_required(Permission.RUN_TRAINING)
def run_pdf(run_id: uuid.UUID) -> Any:
    """Every certificate of a course run in one PDF, a page each."""
    user = actor()
    run = queries.get_run_or_404(user, run_id)
    found = certificates.for_run(run)
    if not found:
        return render_template("training/certificates/run_empty.html", run=run), 404
    document = certificate_pdf.render_certificates(
        found,
        title=f"Certificates: {run.course.title}, run starting {uk_date(run.starts_on)}",
        generated_by=user.display_name,
    )
    return pdf.pdf_response(
        document,
        f"certificates-{run.course.title}-{run.starts_on.isoformat()}",
        actor=user,
        target_type="training_run",
        target_id=run.id,
        purpose="run certificates",
    )


@bp.route("/<uuid:certificate_id>/revoke", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def revoke(certificate_id: uuid.UUID) -> Any:
    user = actor()
    certificate = queries.get_certificate_or_404(user, certificate_id)
    form = RevokeForm()
    if certificate.revoked_at is None and form.validate_on_submit():
        certificates.revoke(user, certificate, form.reason.data or "")
        flash("Certificate revoked", "success")
        return redirect(url_for(".detail", certificate_id=certificate.id))
    status = 400 if form.errors else 200
    return render_template(
        "training/certificates/revoke.html", certificate=certificate, form=form
    ), status


@bp.route("/<uuid:certificate_id>/reissue", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def reissue(certificate_id: uuid.UUID) -> Any:
    user = actor()
    certificate = queries.get_certificate_or_404(user, certificate_id)
    form = ReissueForm()
    if form.validate_on_submit():
        certificates.reissue(user, certificate)
        flash("Certificate reissued with the same code", "success")
        return redirect(url_for(".detail", certificate_id=certificate.id))
    return render_template("training/certificates/reissue.html", certificate=certificate, form=form)


# --- Public verification --------------------------------------------------------------------


@verify_bp.route("")
@public
def form() -> Any:
    """Enter a code; a well-formed one goes to its page."""
    if "code" not in request.args:
        return render_template("training/certificates/verify_form.html", form=VerifyForm(None))
    entered = VerifyForm(request.args)
    if not entered.validate():
        return render_template("training/certificates/verify_form.html", form=entered), 400
    return redirect(url_for(".certificate", code=entered.grouped))


@verify_bp.route("/<code>")
@public
@rate_limited("public_lookup")
def certificate(code: str) -> Any:
    """Holder, course, dates and status; the same calm "not found" for unknown and malformed."""
    record = certificates.verify(code) if len(code) <= 64 else None
    if record is None:
        return render_template("training/certificates/verify_not_found.html"), 404
    return render_template(
        "training/certificates/verify.html",
        record=record,
        status=CertificateStatus(record["status"]),
        issued_on=date.fromisoformat(record["issued_on"]),
        expires_on=date.fromisoformat(record["expires_on"]) if record["expires_on"] else None,
    )


def init_app(app: Flask) -> None:
    """Register this part's blueprints, jobs and message templates."""
    app.register_blueprint(bp)
    app.register_blueprint(verify_bp)
