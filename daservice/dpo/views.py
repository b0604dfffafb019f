from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from .. import audit
from ..accounts import actor
from ..accounts.models import Agency, Role, User
from ..extensions import db

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


@bp.before_request
def _dpo_only() -> None:
    if not actor().has_role(Role.DPO):
        abort(403)


@bp.route("/access")
def access_log() -> Any:
    form = AccessLogForm(request.args)
    events: list[Any] = []
    searched = bool(request.args)
    if searched and form.validate():
        events = list(
            db.session.execute(
                sa.select(audit.AuditEvent, User.display_name, Agency.code)
                .outerjoin(User, User.id == audit.AuditEvent.actor_id)
                .outerjoin(Agency, Agency.id == audit.AuditEvent.agency_id)
                .where(
                    audit.AuditEvent.target_type == form.target_type.data,
                    audit.AuditEvent.target_id == form.target_id.data,
                )
                .order_by(audit.AuditEvent.seq.desc())
                .limit(500)
            )
        )
        audit.record(
            audit.AuditAction.AUDIT_ACCESS_LOG_VIEWED,
            actor=actor(),
            target_type=form.target_type.data,
            target_id=form.target_id.data,
            purpose="subject access / oversight",
        )
        db.session.commit()
    status = 400 if searched and form.errors else 200
    return render_template(
        "dpo/access_log.html",
        form=form,
        events=events,
        searched=searched and not form.errors,
        label=audit.label,  # plain English for each action code
    ), status
