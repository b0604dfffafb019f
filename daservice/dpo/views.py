from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from .. import audit
from ..accounts import actor
from ..security.permissions import Permission, protect
from . import services

bp = Blueprint("dpo", __name__, url_prefix="/dpo")

TARGET_TYPES = [("person", "Person"), ("referral", "Referral"), ("user", "User account")]


class AccessLogForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only search by GET

    target_type = SelectField("Record type", choices=TARGET_TYPES, widget=GovSelect())
    target_id = StringField(
        "Record ID",
        widget=GovTextInput(),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            DataRequired("Enter the record ID"),
            Length(max=64, message="Record ID must be 64 characters or fewer"),
        ],
    )
    submit = SubmitField("Show access", widget=GovSubmitInput())


protect(bp, Permission.AUDIT_ACCESS)


@bp.route("/access")
def access_log() -> Any:
    form = AccessLogForm(request.args)
    events: list[Any] = []
    searched = bool(request.args)
    if searched and form.validate():
        events = services.access_log(actor(), form.target_type.data, form.target_id.data)
    status = 400 if searched and form.errors else 200
    return render_template(
        "dpo/access_log.html",
        form=form,
        events=events,
        searched=searched and not form.errors,
        label=audit.label,  # plain English for each action code
    ), status
