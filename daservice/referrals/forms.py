"""Forms for the service inbox and referral actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .route_actions import CLOSE_OUTCOMES, CONTACT_CHANNELS, CONTACT_OUTCOMES


class ActionForm(FlaskForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why is your service declining this referral?",
        widget=GovTextArea(),
        validators=[
            InputRequired("Enter why your service is declining this referral"),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )
    submit = SubmitField("Decline referral", widget=GovSubmitInput())


class ContactForm(FlaskForm):
    channel = RadioField(
        "How did you try to make contact?",
        widget=GovRadioInput(),
        choices=list(CONTACT_CHANNELS.items()),
        validators=[InputRequired("Select how you tried to make contact")],
    )
    outcome = RadioField(
        "What happened?",
        widget=GovRadioInput(),
        choices=list(CONTACT_OUTCOMES.items()),
        validators=[InputRequired("Select what happened")],
    )
    notes = TextAreaField(
        "Notes (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000, message="Notes must be 2000 characters or fewer")],
    )
    submit = SubmitField("Log contact attempt", widget=GovSubmitInput())


class CloseForm(FlaskForm):
    outcome = RadioField(
        "Outcome",
        widget=GovRadioInput(),
        choices=list(CLOSE_OUTCOMES.items()),
        validators=[InputRequired("Select the outcome")],
    )
    notes = TextAreaField(
        "Notes (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000, message="Notes must be 2000 characters or fewer")],
    )
    submit = SubmitField("Close referral", widget=GovSubmitInput())
