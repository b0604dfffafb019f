"""Certificate pages: the coordinator's and leads' list, a certificate, its PDF, a run's PDF,
revoking and reissuing; a worker's own certificates; and the public verify pages (no sign-in,
rate-limited per client address)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for

from .. import pdf
from ..accounts import actor
from ..security.guard import public
from ..security.permissions import Permission, allows, permission_required, protect
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


PER_PAGE = 50
# The list's query parameters: kept in its pagination links and in a certificate's back link.
LIST_PARAMETERS = ("name", "course", "agency", "status", "expiring", "page")


def _page_number(text: str | None) -> int:
    try:
        return min(max(1, int(text or "1")), 100_000)
    except ValueError:
        return 1


def _pagination_items(page: int, pages: int, kept: dict[str, Any]) -> list[dict[str, Any]]:
    """GOV.UK pagination items: the first, last and two either side of this page, with
    ellipses between; each link keeps the filters."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    items: list[dict[str, Any]] = []
    for number in shown:
        if items and number > items[-1]["number"] + 1:
            items.append({"ellipsis": True, "number": number - 1})
        items.append(
            {
                "number": number,
                "href": url_for(".index", page=number, **kept),
                "current": number == page,
            }
        )
    return [{"ellipsis": True} if item.get("ellipsis") else item for item in items]


@bp.route("/")
@permission_required(Permission.LEAD_TRAINING)
def index() -> Any:
    """The certificates this user manages, filtered and searched by name, 50 a page."""
    user = actor()
    form = FilterForm(request.args)
    form.course.choices = [("", "Any course")] + [
        (str(c.id), c.title) for c in certificates.courses()
    ]
    agencies = certificates.agencies(user)
    form.agency.choices = [("", "Any agency")] + [(str(a.id), a.name) for a in agencies]
    valid = form.name.validate(form)  # the other filters fall back to "any" if tampered
    status = form.status.data if form.status.data in set(CertificateStatus) else None
    filters = certificates.Filters(
        name=(form.name.data or "") if valid else "",
        course_id=_uuid_or_none(form.course.data),
        agency_id=_uuid_or_none(form.agency.data),
        status=CertificateStatus(status) if status else None,
        expiring_soon=bool(form.expiring.data),
    )
    total = certificates.count(user, filters)
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    page = min(_page_number(request.args.get("page")), pages)
    rows = certificates.listing(user, filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    # The filters as sent, for the pagination links and each certificate's way back here.
    kept: dict[str, Any] = {
        name: request.args[name]
        for name in LIST_PARAMETERS
        if name != "page" and request.args.get(name)
    }
    return render_template(
        "training/certificates/index.html",
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        per_page=PER_PAGE,
        kept=kept,
        pagination_items=_pagination_items(page, pages, kept),
        list_query=urlencode({**kept, "page": page} if page > 1 else kept),
        tag=_tag,
        show_agency_filter=len(agencies) > 1,
    ), (200 if valid else 400)


@bp.route("/mine")
def mine() -> str:
    """A worker's own certificates."""
    return render_template(
        "training/certificates/mine.html", rows=certificates.mine(actor()), tag=_tag
    )


def _back_to_list() -> str:
    """The certificates list with the filters the user came from (``?list=`` carries the list's
    query string). Only ever the list's own path: the query is parsed and re-encoded, so nothing
    typed into the address can send the back link anywhere else."""
    query = dict(parse_qsl(request.args.get("list", "")[:1000]))
    kept: dict[str, Any] = {name: query[name] for name in LIST_PARAMETERS if query.get(name)}
    return url_for(".index", **kept)


@bp.route("/<uuid:certificate_id>")
def detail(certificate_id: uuid.UUID) -> str:
    user = actor()
    certificate = queries.get_certificate_or_404(user, certificate_id)
    manages = allows(user, Permission.LEAD_TRAINING)
    page = render_template(
        "training/certificates/detail.html",
        certificate=certificate,
        tag=_tag(certificate),
        verify_url=certificate_pdf.verify_url(certificate.code or ""),
        back=_back_to_list() if manages else url_for(".mine"),
        run_id=certificates.run_id_of(certificate) if manages else None,
    )
    certificates.viewed(user, certificate)  # after the code was read: a tamper shows no page
    return page


@bp.route("/<uuid:certificate_id>.pdf")
def download(certificate_id: uuid.UUID) -> Any:
    """The certificate's own PDF, for its holder, her agency's lead or a coordinator."""
    user = actor()
    certificate = queries.get_certificate_or_404(user, certificate_id)
    if certificate.revoked_at is not None:
        # No PDF at all, not even one stamped REVOKED: a stamp can be cropped or printed past,
        # and nobody needs a copy of a certificate that no longer stands. 410 Gone: it was here
        # and is withdrawn for good; the certificate's page keeps the record.
        return render_template("training/certificates/revoked.html", certificate=certificate), 410
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
    if certificate.revoked_at is not None:
        return render_template("training/certificates/revoked.html", certificate=certificate), 409
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
    # The run page's "Still needed" cell asks this of each completed person.
    app.add_template_global(certificates.revoked_at_for, "certificate_revoked_at")
