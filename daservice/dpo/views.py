"""The DPO's pages: find a record (by reference, by name and date of birth, by user, or by its
id), then see who viewed and changed it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, render_template, request

from ..accounts import actor
from ..security.permissions import Permission, protect
from . import activity, services
from .forms import PersonForm, RecordIdForm, ReferenceForm, UserSearchForm

bp = Blueprint("dpo", __name__, url_prefix="/dpo")

protect(bp, Permission.AUDIT_ACCESS)


def _find_page(status: int = 200, **forms: Any) -> Any:
    """The find-a-record page, with any form that was sent (and its errors) in place."""
    context = {
        "reference_form": ReferenceForm(formdata=None),
        "person_form": PersonForm(formdata=None),
        "user_form": UserSearchForm(formdata=None),
        "id_form": RecordIdForm(formdata=None),
        **forms,
    }
    failed = next((f for f in forms.values() if f is not None and f.errors), None)
    return render_template("dpo/find.html", form=failed, **context), status


@bp.route("/access")
def access_log() -> Any:
    """The find page; with ``reference`` or ``target_type``/``target_id``, that record's log."""
    if "reference" in request.args:
        form = ReferenceForm(request.args)
        if not form.validate():
            return _find_page(400, reference_form=form)
        referral_id = services.find_referral(actor(), form.reference.data)
        if referral_id is None:
            return render_template("dpo/not_found.html", reference=form.reference.data)
        return _log("referral", referral_id)
    if "target_id" in request.args or "target_type" in request.args:
        id_form = RecordIdForm(request.args)
        if not id_form.validate():
            return _find_page(400, id_form=id_form)
        return _log(id_form.target_type.data, id_form.record_id, typed=id_form.target_id.data)
    return _find_page()


def _log(target_type: str, target_id: Any, typed: str | None = None) -> Any:
    log = services.access_log(actor(), target_type, target_id)
    return render_template("dpo/access_log.html", log=log, typed=typed)


@bp.route("/people")
def find_person() -> Any:
    form = PersonForm(request.args)
    if not form.validate() or form.date_of_birth.data is None:
        return _find_page(400, person_form=form)
    matches = services.find_people(actor(), form.last_name.data, form.date_of_birth.data)
    return render_template("dpo/people.html", form=form, matches=matches)


@bp.route("/users")
def find_user() -> Any:
    form = UserSearchForm(request.args)
    if not form.validate():
        return _find_page(400, user_form=form)
    users = services.find_users(actor(), form.q.data)
    return render_template("dpo/users.html", form=form, users=users)


@bp.route("/users/<uuid:user_id>/activity")
def user_activity(user_id: uuid.UUID) -> Any:
    found = activity.activity_of(actor(), user_id)
    if found is None:
        abort(404)
    return render_template("dpo/activity.html", activity=found)
