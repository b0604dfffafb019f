"""Administration of the service directory and who works each inbox."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..accounts import actor
from ..accounts import services as account_services
from ..exceptions import NotFound
from ..security.permissions import Permission, protect
from . import services
from .forms import KIND_LABELS, MemberForm, ServiceForm
from .models import Service

bp = Blueprint("directory", __name__, url_prefix="/admin/services")


protect(bp, Permission.MANAGE_DIRECTORY)


def _service_or_404(service_id: uuid.UUID) -> Service:
    try:
        return services.get_service(service_id)
    except NotFound:
        abort(404)


def _agency_choices(form: ServiceForm) -> None:
    form.agency.choices = [("", "Select an agency")] + [
        (str(a.id), a.name) for a in account_services.list_agencies()
    ]


@bp.route("/")
def index() -> str:
    return render_template(
        "directory/index.html", services=services.list_services(), kinds=KIND_LABELS
    )


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    return _edit(None)


@bp.route("/<uuid:service_id>", methods=["GET", "POST"])
def edit(service_id: uuid.UUID) -> Any:
    return _edit(_service_or_404(service_id))


def _edit(service: Service | None) -> Any:
    form = ServiceForm()
    _agency_choices(form)
    if request.method == "GET" and service is not None:
        form.process(
            data={
                "name": service.name,
                "kind": service.kind.value,
                "agency": str(service.agency_id),
                "status": service.status.value,
                "description": service.description,
                "eligibility_description": service.eligibility_description,
                "minimum_age": service.minimum_age,
                "maximum_age": service.maximum_age,
                "languages": service.languages,
                "capacity_available": service.capacity_available,
                "capacity_maximum": service.capacity_maximum,
                "receives_without_consent": "yes" if service.receives_without_consent else "no",
            }
        )
    elif request.method == "GET":
        form.status.data = "active"
    if form.validate_on_submit():
        saved = services.save_service(actor(), service, form.data)
        flash(f"Saved {saved.name}", "success")
        return redirect(url_for("directory.edit", service_id=saved.id))
    members = MemberForm() if service is not None else None
    if members is not None and service is not None:
        members.user.choices = [("", "Select a person")] + [
            # Only the service's own agency's workers are eligible: the agency goes without saying.
            (str(u.id), u.display_name)
            for u in services.eligible_members(service)
        ]
    return render_template("directory/form.html", form=form, service=service, members=members), (
        400 if form.errors else 200
    )


@bp.route("/<uuid:service_id>/members", methods=["POST"])
def add_member(service_id: uuid.UUID) -> Response:
    service = _service_or_404(service_id)
    form = MemberForm()
    form.user.choices = [(str(u.id), u.display_name) for u in services.eligible_members(service)]
    if form.validate_on_submit():
        try:
            services.add_member(actor(), service, uuid.UUID(form.user.data))
        except services.NotAWorker as exc:
            flash(str(exc), "error")
        else:
            flash("Added to the service", "success")
    else:
        flash("Select a person to add", "error")
    return redirect(url_for("directory.edit", service_id=service.id))


@bp.route("/<uuid:service_id>/members/<uuid:user_id>/remove", methods=["POST"])
def remove_member(service_id: uuid.UUID, user_id: uuid.UUID) -> Response:
    service = _service_or_404(service_id)  # CSRFProtect has already checked the token
    services.remove_member(actor(), service, user_id)
    flash("Removed from the service", "success")
    return redirect(url_for("directory.edit", service_id=service.id))
