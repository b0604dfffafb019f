"""Forms for sites and their staff."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from .safe_spaces import KIND_WORDS


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class SiteForm(FlaskForm):
    name = StringField(
        "Site name",
        description="As people in the borough know it, for example Northgate Library",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the site name"),
            Length(max=200, message="Site name must be 200 characters or fewer"),
        ],
    )
    kind = RadioField(
        "What kind of site is it?",
        widget=GovRadioInput(),
        choices=[(k.value, words) for k, words in KIND_WORDS.items()],
        validators=[InputRequired("Select what kind of site it is")],
    )
    agency = SelectField(
        "Partner agency",
        description="A pharmacy or library may belong to none",
        widget=GovSelect(),
        validators=[Optional()],
    )
    area = StringField(
        "Area",
        description="The ward or town centre, for example Eastfield ward",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the area the site is in"),
            Length(max=120, message="Area must be 120 characters or fewer"),
        ],
    )
    address = TextAreaField(
        "Address (optional)",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[Optional(), Length(max=500, message="Address must be 500 characters or fewer")],
    )
    opening_times = TextAreaField(
        "Opening times (optional)",
        description="For example, Monday to Friday, 9am to 5pm",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=500, message="Opening times must be 500 characters or fewer"),
        ],
    )
    listed = RadioField(
        "Has the site agreed to be named on the public safe spaces page?",
        description="It is only shown there while it is a safe space",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired("Select whether the site has agreed to be named publicly")],
    )
    submit = SubmitField("Save site", widget=GovSubmitInput())


class StaffForm(FlaskForm):
    trainees = SelectMultipleField(
        "Who works at this site?",
        widget=GovCheckboxesInput(),
        validate_choice=False,  # the use case refuses anyone not eligible, with a plain message
        validators=[InputRequired("Select at least one person who works at this site")],
    )
    submit = SubmitField("Add to this site", widget=GovSubmitInput())
