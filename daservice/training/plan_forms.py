"""Forms for the plan, courses, targets, trainees and the staff-list import."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..accounts.forms import EMAIL_FORMAT_MESSAGE, EMAIL_SHAPE
from ..directory.forms import WholeNumberField
from ..referrals.journey_forms import GovDateField
from .models import Course, Level
from .planning import TargetKey

LEVEL_LABELS = {
    Level.AWARENESS: "Awareness",
    Level.PRACTITIONER: "Practitioner",
    Level.SPECIALIST: "Specialist",
}
YES_NO = [("yes", "Yes"), ("no", "No")]


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _text(label: str, required: str | None, limit: int, what: str) -> StringField:
    first = InputRequired(required) if required else Optional()
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            first,
            Length(max=limit, message=f"{what} must be {limit} characters or fewer"),
        ],
    )


class PlanForm(FlaskForm):
    name = _text("Name of the plan", "Enter a name for the plan", 200, "Name")
    starts_on = GovDateField(
        "When does the plan start?", "The start date must be a real date, like 1 4 2022"
    )
    submit = SubmitField("Save the plan", widget=GovSubmitInput())

    def validate_starts_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date the plan starts")


class CourseForm(FlaskForm):
    title = _text("Course title", "Enter the course title", 200, "Title")
    level = RadioField(
        "Level",
        widget=GovRadioInput(),
        choices=[(lv.value, label) for lv, label in LEVEL_LABELS.items()],
        validators=[InputRequired("Select the course's level")],
    )
    audience = _text("Who it is for (optional)", None, 500, "Who it is for")
    description = TextAreaField(
        "Description (optional)",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=5000, message="Description must be 5000 characters or fewer"),
        ],
    )
    duration_minutes = WholeNumberField(
        "Length of the course, in minutes",
        "Length must be a whole number of minutes, like 90",
        validators=[
            InputRequired("Enter the length of the course in minutes"),
            NumberRange(15, 60 * 40, "Length must be between 15 and 2400 minutes"),
        ],
    )
    expires = RadioField(
        "Does the certificate expire?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes, after a number of months"), ("no", "No, it does not expire")],
        validators=[InputRequired("Select whether the certificate expires")],
    )
    validity_months = WholeNumberField(
        "Months the certificate is valid for",
        "Months must be a whole number, like 36",
    )
    refresher_window_days = WholeNumberField(
        "Days before expiry that a refresher can be booked",
        "Days must be a whole number, like 90",
        validators=[
            InputRequired("Enter how many days before expiry a refresher can be booked"),
            NumberRange(0, 365, "Days must be between 0 and 365"),
        ],
    )
    attendance_threshold_percent = WholeNumberField(
        "Attendance needed to complete the course, as a percentage",
        "Attendance must be a whole number, like 100",
        validators=[
            InputRequired("Enter the attendance needed to complete the course"),
            NumberRange(1, 100, "Attendance must be between 1 and 100"),
        ],
    )
    requires_evaluation = RadioField(
        "Must trainees fill in the evaluation after the course to complete it?",
        widget=GovRadioInput(),
        choices=YES_NO,
        validators=[InputRequired("Select whether the evaluation is needed to complete")],
    )
    knowledge_check_pass_mark = WholeNumberField(
        "Knowledge check pass mark, as a percentage (optional)",
        "Pass mark must be a whole number, like 80",
        validators=[Optional(), NumberRange(1, 100, "Pass mark must be between 1 and 100")],
    )
    submit = SubmitField("Save course", widget=GovSubmitInput())

    def validate_validity_months(self, field: WholeNumberField) -> None:
        # Not Optional(): that would stop the chain before this check on an empty box.
        if self.expires.data != "yes" or field.errors:
            return
        if field.data is None:
            raise ValidationError("Enter how many months the certificate is valid for")
        if not 1 <= field.data <= 120:
            raise ValidationError("Months must be between 1 and 120")

    def fill(self, course: Course) -> None:
        self.process(
            data={
                "title": course.title,
                "level": course.level.value,
                "audience": course.audience,
                "description": course.description,
                "duration_minutes": course.duration_minutes,
                "expires": "no" if course.validity_months is None else "yes",
                "validity_months": course.validity_months,
                "refresher_window_days": course.refresher_window_days,
                "attendance_threshold_percent": course.attendance_threshold_percent,
                "requires_evaluation": "yes" if course.requires_evaluation else "no",
                "knowledge_check_pass_mark": course.knowledge_check_pass_mark,
            }
        )

    def values(self) -> dict[str, Any]:
        """What ``planning.save_course`` takes."""
        return {
            "title": self.title.data,
            "level": self.level.data,
            "audience": self.audience.data or "",
            "description": self.description.data or "",
            "duration_minutes": self.duration_minutes.data,
            "validity_months": self.validity_months.data if self.expires.data == "yes" else None,
            "refresher_window_days": self.refresher_window_days.data,
            "attendance_threshold_percent": self.attendance_threshold_percent.data,
            "requires_evaluation": self.requires_evaluation.data == "yes",
            "knowledge_check_pass_mark": self.knowledge_check_pass_mark.data,
        }


# The agency boxes check ``data``, not what was typed (DataRequired, not InputRequired): a lead's
# form has no agency box, and the view fills in her own.


class TraineeForm(FlaskForm):
    name = _text("Full name", "Enter the person's full name", 120, "Name")
    work_email = StringField(
        "Work email address",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter a work email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(EMAIL_SHAPE, message=EMAIL_FORMAT_MESSAGE),
        ],
    )
    agency = SelectField(
        "Agency", widget=GovSelect(), validators=[DataRequired("Select the agency")]
    )
    team = _text("Team (optional)", None, 120, "Team")
    job_role = _text("Job role (optional)", None, 120, "Job role")
    site = SelectField("Workplace (optional)", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Save", widget=GovSubmitInput())


class ImportForm(FlaskForm):
    agency = SelectField(
        "Whose staff list is it?",
        widget=GovSelect(),
        validators=[DataRequired("Select the agency whose staff list it is")],
    )
    file = FileField("Upload a staff list (CSV)", widget=GovFileInput())
    submit = SubmitField("Import staff", widget=GovSubmitInput())

    def validate_file(self, field: FileField) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Select a CSV file to upload")


# --- The targets grid (one number box per agency × level or course; built from the rows) -------


def target_field(key: TargetKey) -> str:
    """The form name of one cell: ``t-<agency>-level-<level>`` or ``t-<agency>-course-<id>``."""
    if key.level is not None:
        return f"t-{key.agency_id}-level-{key.level.value}"
    return f"t-{key.agency_id}-course-{key.course_id}"


SAFE_SPACE_FIELD = "safe_spaces"
LIMIT = 100_000


@dataclass
class TargetsInput:
    """What was typed in the grid, what it means, and what is wrong with it."""

    typed: dict[str, str] = field(default_factory=dict)
    counts: dict[TargetKey, int] = field(default_factory=dict)
    safe_spaces: int | None = None
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message


def _number(text: str) -> int | None:
    text = text.strip().replace(",", "")
    if not text:
        return 0
    return int(text) if text.isascii() and text.isdigit() else None


def parse_targets(
    form: MultiDict[str, str], keys: list[TargetKey], labels: dict[TargetKey, str]
) -> TargetsInput:
    """Read the grid: blank or 0 is no target; anything but a whole number is an error."""
    result = TargetsInput()
    for key in keys:
        name = target_field(key)
        typed = form.get(name, "")
        result.typed[name] = typed
        n = _number(typed)
        if n is None or n > LIMIT:
            result.errors[name] = f"{labels[key]}: enter a whole number of staff, like 25"
        else:
            result.counts[key] = n
    typed = form.get(SAFE_SPACE_FIELD, "")
    result.typed[SAFE_SPACE_FIELD] = typed
    n = _number(typed)
    if n is None or n > LIMIT:
        result.errors[SAFE_SPACE_FIELD] = "Safe spaces: enter a whole number, like 40"
    else:
        result.safe_spaces = n or None
    return result


def agency_id_of(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
