"""Sites and their staff (coordinators, and agency training leads for their own agency), and the
public list of the borough's safe spaces."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.validators import InputRequired

from .. import jobs
from ..accounts import actor
from ..security.guard import public
from ..security.permissions import Permission, permission_required, protect
from . import safe_spaces, sites
from .models import Site
from .queries import sees_whole_partnership
from .safe_spaces import KIND_WORDS
from .site_forms import SiteForm, StaffForm

bp = Blueprint("sites", __name__, url_prefix="/training/sites")
protect(bp, Permission.LEAD_TRAINING)  # coordinators have it too; rows are scoped by agency

public_bp = Blueprint("safe_spaces", __name__)

STATUS_FILTERS = {"safe": "Safe spaces", "not_safe": "Not safe spaces yet"}


# --- Sites -------------------------------------------------------------------------------------


@bp.route("/")
def index() -> str:
    chosen = {k: request.args.get(k, "") for k in ("kind", "area", "status")}
    return render_template(
        "training/sites/index.html",
        rows=sites.list_sites(actor(), **chosen),
        chosen=chosen,
        areas=sites.areas_in_scope(actor()),
        kinds=KIND_WORDS,
        statuses=STATUS_FILTERS,
        needed=safe_spaces.min_trained_staff(),
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.RUN_TRAINING)
def new() -> Any:
    return _edit(None)


@bp.route("/<uuid:site_id>/edit", methods=["GET", "POST"])
def edit(site_id: uuid.UUID) -> Any:
    return _edit(sites.get_site_or_404(actor(), site_id))


def _edit(site: Site | None) -> Any:
    form = SiteForm()
    user = actor()
    agencies = sites.agencies_for(user)
    form.agency.choices = [(str(a.id), a.name) for a in agencies]
    if sees_whole_partnership(user):
        form.agency.choices.insert(0, ("", "None"))
    else:  # a lead's sites stay with her agency
        form.agency.validators = [InputRequired("Select your agency")]
    if request.method == "GET" and site is not None:
        form.process(
            data={
                "name": site.name,
                "kind": site.kind.value,
                "agency": str(site.agency_id or ""),
                "area": site.area,
                "address": site.address,
                "opening_times": site.opening_times,
                "listed": "yes" if site.listed else "no",
            }
        )
    if form.validate_on_submit():
        saved = sites.save_site(user, site, form.data)
        flash(f"Saved {saved.name}", "success")
        return redirect(url_for("sites.detail", site_id=saved.id))
    return render_template("training/sites/form.html", form=form, site=site), (
        400 if form.errors else 200
    )


@bp.route("/<uuid:site_id>")
def detail(site_id: uuid.UUID) -> str:
    site = sites.get_site_or_404(actor(), site_id)
    return render_template("training/sites/detail.html", s=sites.summary(site), kinds=KIND_WORDS)


@bp.route("/<uuid:site_id>/staff", methods=["GET", "POST"])
def staff(site_id: uuid.UUID) -> Any:
    user = actor()
    site = sites.get_site_or_404(user, site_id)
    eligible = sites.eligible_staff(user, site)
    form = StaffForm()
    form.trainees.choices = [(str(t.id), t.name) for t in eligible]
    if form.validate_on_submit():
        try:
            moved = sites.assign_staff(user, site, _ids(form.trainees.data))
        except sites.NotEligible as exc:
            form.trainees.errors = [str(exc)]
        else:
            flash(f"Added {moved} {'person' if moved == 1 else 'people'} to {site.name}", "success")
            return redirect(url_for("sites.detail", site_id=site.id))
    return render_template("training/sites/staff.html", form=form, site=site, eligible=eligible), (
        400 if form.errors else 200
    )


def _ids(values: list[str] | None) -> list[uuid.UUID]:
    """The ticked trainees' ids; a value that is not an id becomes the nil id, which no trainee
    has, so the use case refuses it like any other stranger."""
    found = []
    for value in values or []:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            found.append(uuid.UUID(int=0))
    return found


@bp.route("/<uuid:site_id>/staff/<uuid:trainee_id>/remove", methods=["POST"])
def remove_staff(site_id: uuid.UUID, trainee_id: uuid.UUID) -> Response:
    user = actor()
    site = sites.get_site_or_404(user, site_id)  # CSRFProtect has already checked the token
    sites.remove_staff(user, site, trainee_id)
    flash("Removed from the site", "success")
    return redirect(url_for("sites.detail", site_id=site.id))


# --- The public page ---------------------------------------------------------------------------


@public_bp.route("/safe-spaces", endpoint="index")
@public
def public_index() -> str:
    """Read live: see safe_spaces' docstring. Not rate-limited: it shows the same public list to
    everyone, so there is nothing to guess, and counting each view would make a read page write."""
    areas = safe_spaces.listed_areas()
    area = request.args.get("area", "")
    if area not in areas:
        area = ""
    return render_template(
        "training/safe_spaces/index.html",
        places=safe_spaces.listed_safe_spaces(area or None),
        areas=areas,
        area=area,
        kinds=KIND_WORDS,
    )


def init_app(app: Flask) -> None:
    """Register the site pages, the public page and the safe-spaces job."""
    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    jobs.register(
        "training.safe_spaces", safe_spaces.check, every=app.config["TRAINING_CHECK_EVERY"]
    )
