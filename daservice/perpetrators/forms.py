"""Forms for placements: making one directly, and moving one along the pipeline."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..referrals.journey_forms import GovDateField
from .models import REASONS, SOURCE_LABELS, TRANSITIONS, Reason, Source, Stage


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class DirectPlacementForm(FlaskForm):
    source = RadioField(
        "Who referred him?",
        widget=GovRadioInput(),
        choices=[(s.value, SOURCE_LABELS[s]) for s in Source if s is not Source.REFERRAL_ROUTE],
        validators=[InputRequired("Select who referred him")],
    )
    first_name = StringField(
        "First name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter his first name"),
            Length(max=100, message="First name must be 100 characters or fewer"),
        ],
    )
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter his last name"),
            Length(max=100, message="Last name must be 100 characters or fewer"),
        ],
    )
    date_of_birth = GovDateField(
        "Date of birth",
        "Date of birth must be a real date",
        description="For example, 27 3 1985. It links him to what the partnership already knows.",
    )
    submit = SubmitField("Make the placement", widget=GovSubmitInput())


class MoveForm(FlaskForm):
    """What happens next for one placement: the stages its present one may go to, and a reason
    where the next stage needs one."""

    stage = RadioField("What has happened?", widget=GovRadioInput())
    reason = RadioField("Why?", widget=GovRadioInput(), validators=[Optional()])
    detail = TextAreaField(
        "Anything the team should know (optional)",
        description="Do not write anything about the victim here",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[Length(max=2000, message="Notes must be 2,000 characters or fewer")],
    )
    expected = HiddenField()  # the stage the worker saw: a form sent twice moves once
    submit = SubmitField("Save", widget=GovSubmitInput())

    def offer(self, present: Stage) -> None:
        nexts = [s for s in Stage if s in TRANSITIONS[present]]
        self.stage.choices = [(s.value, s.label) for s in nexts]
        self.stage.validators = [InputRequired("Select what has happened")]
        reasons = [r for r in Reason if any(r in REASONS.get(s, ()) for s in nexts)]
        self.reason.choices = [(r.value, r.label) for r in reasons]
        if not self.is_submitted():
            self.expected.data = present.value

    def expected_stage(self) -> Stage | None:
        """The stage the page was showing (None if the field was lost or tampered with)."""
        return next((s for s in Stage if s.value == self.expected.data), None)
