"""Forms for the service inbox and referral actions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..uk_time import LONDON
from .journey_forms import GovDateField
from .route_actions import CLOSE_OUTCOMES, CONTACT_CHANNELS, CONTACT_OUTCOMES

NOTES_LIMIT = 2000
REASON_LIMIT = 1000


class ActionForm(FlaskForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why is your service declining this referral?",
        widget=GovCharacterCount(),
        validators=[
            InputRequired("Enter why your service is declining this referral"),
            Length(
                max=NOTES_LIMIT,
                message=f"Why your service is declining must be {NOTES_LIMIT} characters or fewer",
            ),
        ],
    )
    submit = SubmitField("Decline referral", widget=GovSubmitInput())


def _notes(label: str, what: str, limit: int = NOTES_LIMIT) -> TextAreaField:
    """An optional notes box with the GOV.UK character count, its error in the label's words."""
    return TextAreaField(
        label,
        widget=GovCharacterCount(),
        validators=[
            Optional(),
            Length(max=limit, message=f"{what} must be {limit} characters or fewer"),
        ],
    )


# "9:30am", "2pm", "14:30", "09.30": the ways people write a time.
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


def parse_time(typed: str) -> time | None:
    """The time of day ``typed`` means, or None if it is not one."""
    found = _TIME.match(typed.strip())
    if not found or not typed.isascii():
        return None
    hour, minute = int(found[1]), int(found[2] or 0)
    if found[3]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if found[3].lower() == "pm" else 0)
    elif found[2] is None:
        return None  # "14" alone: say which clock
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


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
    when = GovDateField(
        "When did you try to make contact?",
        "The date you tried to make contact must be a real date, like 27 3 2026",
    )
    time = StringField("Time", widget=GovTextInput())
    notes = _notes("Notes (optional)", "Notes")
    override_reason = TextAreaField(
        "Why do you need to go against their instructions?",
        widget=GovCharacterCount(),
        validators=[
            Optional(),
            Length(
                max=REASON_LIMIT, message=f"Your reason must be {REASON_LIMIT} characters or fewer"
            ),
        ],
    )
    submit = SubmitField("Log contact attempt", widget=GovSubmitInput())

    def fill_in_now(self, now: datetime) -> None:
        """Offer now (in UK time) as the date and time, on a form not yet sent."""
        local = now.astimezone(LONDON)
        self.when.data = local.date()
        self.time.data = f"{local:%H:%M}"

    def validate_when(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date you tried to make contact")

    def validate_time(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Enter the time you tried to make contact, like 9:30am or 14:30")
        if parse_time(field.data) is None:
            raise ValidationError("Enter a real time, like 9:30am or 14:30")

    @property
    def at(self) -> datetime | None:
        """When the attempt was made, as a UTC time (None until the date and time are valid)."""
        moment = parse_time(self.time.data or "")
        if self.when.data is None or moment is None:
            return None
        return datetime.combine(self.when.data, moment, tzinfo=LONDON).astimezone(UTC)


class CloseForm(FlaskForm):
    outcome = RadioField(
        "How did the referral end?",
        widget=GovRadioInput(),
        choices=list(CLOSE_OUTCOMES.items()),
        validators=[InputRequired("Select how the referral ended")],
    )
    notes = _notes("Close notes (optional)", "Close notes")
    submit = SubmitField("Close referral", widget=GovSubmitInput())
