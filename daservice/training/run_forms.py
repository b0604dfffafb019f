"""Forms for runs, sessions, enrolment, requests and registers (WTForms with govuk-frontend-wtf
widgets; every message in the GOV.UK error pattern's words)."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import Field, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..referrals.forms import parse_time
from ..referrals.journey_forms import GovDateField
from .runs import RunInput, SessionInput

REASON_LIMIT = 500
INSTRUCTIONS_LIMIT = 1000
MAX_CAPACITY = 500


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _whole_number(field: Field, what: str, low: int, high: int) -> int | None:
    typed = (field.data or "").strip()
    if not typed:
        raise ValidationError(f"Enter {what}")
    if not (typed.isascii() and typed.isdigit()):
        raise ValidationError(f"{what[0].upper()}{what[1:]} must be a whole number, like 16")
    number = int(typed)
    if not low <= number <= high:
        raise ValidationError(f"{what[0].upper()}{what[1:]} must be between {low} and {high}")
    return number


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())


# Made before the other fields so that the new-run page's error summary lists its errors in the
# order the page asks (WTForms orders fields by when they were made).
_COURSE = RadioField(
    "Course",
    widget=GovRadioInput(),
    validators=[InputRequired("Select the course")],
)


class RunDetailsForm(FlaskForm):
    trainer = StringField(
        "Trainer",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the trainer's name"),
            Length(max=200, message="The trainer's name must be 200 characters or fewer"),
        ],
    )
    capacity = StringField("Places", widget=GovTextInput(), filters=[_strip])
    joining_instructions = TextAreaField(
        "Joining instructions (optional)",
        widget=GovCharacterCount(),
        filters=[_strip],
        validators=[
            Length(
                max=INSTRUCTIONS_LIMIT,
                message=f"Joining instructions must be {INSTRUCTIONS_LIMIT} characters or fewer",
            )
        ],
    )
    submit = SubmitField("Save run", widget=GovSubmitInput())

    def validate_capacity(self, field: StringField) -> None:
        _whole_number(field, "the number of places", 1, MAX_CAPACITY)

    def run_input(self, course_id: uuid.UUID) -> RunInput:
        return RunInput(
            course_id=course_id,
            trainer=self.trainer.data or "",
            capacity=int(self.capacity.data or 0),
            joining_instructions=self.joining_instructions.data or "",
        )


class SessionFields(FlaskForm):
    day = GovDateField("Date", "The date must be a real date, like 14 1 2027")
    starts = StringField("Start time", widget=GovTextInput(), filters=[_strip])
    ends = StringField("End time", widget=GovTextInput(), filters=[_strip])
    online = RadioField(
        "Where is it?",
        widget=GovRadioInput(),
        choices=[("no", "In person, at a venue"), ("yes", "Online")],
        validators=[InputRequired("Select whether the session is in person or online")],
    )
    venue = StringField(
        "Venue or online meeting",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Length(max=300, message="The venue must be 300 characters or fewer")],
    )
    submit = SubmitField("Save session", widget=GovSubmitInput())

    def validate_day(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date of the session")

    def _time(self, field: StringField, which: str) -> None:
        if not field.data:
            raise ValidationError(f"Enter the {which} time, like 9:30am or 14:30")
        if parse_time(field.data) is None:
            raise ValidationError("Enter a real time, like 9:30am or 14:30")

    def validate_starts(self, field: StringField) -> None:
        self._time(field, "start")

    def validate_ends(self, field: StringField) -> None:
        self._time(field, "end")
        start, end = parse_time(self.starts.data or ""), parse_time(field.data or "")
        if start is not None and end is not None and end <= start:
            raise ValidationError("The end time must be after the start time")

    def validate_venue(self, field: StringField) -> None:
        if self.online.data == "no" and not field.data:
            raise ValidationError("Enter the venue")

    def fill_from(self, session: Any) -> None:
        """Show a saved session's values (UK time) on a form not yet sent."""
        from ..uk_time import LONDON

        start, end = session.starts_at.astimezone(LONDON), session.ends_at.astimezone(LONDON)
        self.day.data = start.date()
        self.starts.data = f"{start:%H:%M}"
        self.ends.data = f"{end:%H:%M}"
        self.online.data = "yes" if session.online else "no"
        self.venue.data = session.venue

    def session_input(self) -> SessionInput:
        # Only called once the form has validated: the day and both times are there.
        starts, ends = parse_time(self.starts.data or ""), parse_time(self.ends.data or "")
        return SessionInput(
            day=self.day.data or date.min,
            starts=starts or time(0),
            ends=ends or time(0),
            online=self.online.data == "yes",
            venue=self.venue.data or ("Online" if self.online.data == "yes" else ""),
        )


class NewRunForm(RunDetailsForm, SessionFields):
    """A run and its first session, on one page."""

    course = _COURSE
    submit = SubmitField("Create run", widget=GovSubmitInput())


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        widget=GovCharacterCount(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the reason"),
            Length(
                max=REASON_LIMIT, message=f"The reason must be {REASON_LIMIT} characters or fewer"
            ),
        ],
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class OptionalReasonForm(ReasonForm):
    reason = TextAreaField(
        "Reason (optional)",
        widget=GovCharacterCount(),
        filters=[_strip],
        validators=[
            Length(
                max=REASON_LIMIT, message=f"The reason must be {REASON_LIMIT} characters or fewer"
            ),
        ],
    )


class EnrolForm(FlaskForm):
    trainee = SelectField(
        "Member of staff",
        widget=GovSelect(),
        validators=[InputRequired("Select the member of staff to book")],
    )
    submit = SubmitField("Book a place", widget=GovSubmitInput())

    def validate_trainee(self, field: SelectField) -> None:
        try:
            uuid.UUID(field.data or "")
        except ValueError:
            raise ValidationError("Select the member of staff to book") from None


class ScoreForm(FlaskForm):
    score = StringField("Knowledge check score (%)", widget=GovTextInput(), filters=[_strip])
    submit = SubmitField("Save score", widget=GovSubmitInput())

    def validate_score(self, field: StringField) -> None:
        _whole_number(field, "the score", 0, 100)
