from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from .models import ServiceKind, ServiceStatus

KIND_LABELS = {
    ServiceKind.IDVA: "IDVA",
    ServiceKind.MARAC: "Marac",
    ServiceKind.OUTREACH: "Community outreach",
    ServiceKind.CHILDRENS_SAFEGUARDING: "Children's safeguarding (MASH)",
    ServiceKind.HOUSING: "Housing options",
    ServiceKind.PERPETRATOR_PROGRAMME: "Perpetrator programme",
    ServiceKind.REFUGE: "Refuge",
    ServiceKind.OTHER: "Other",
}


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class WholeNumberField(IntegerField):
    """A whole number with a GOV.UK message for anything else ("Sixteen", "16.5"), instead of
    WTForms' "Not a valid integer value."; what was typed stays in the box. Spaces and thousands
    commas ("1,000") are accepted."""

    def __init__(self, label: str, invalid: str, **kwargs: object) -> None:
        super().__init__(label, widget=GovTextInput(), **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip().replace(",", "")
        if not text:
            self.data = None
            return
        # Longer than any count here could be (and than Python turns into a number quickly).
        if len(text) > 15 or not (text.isascii() and text.lstrip("-").isdigit()):
            self.data = None
            raise ValueError(self.invalid)
        self.data = int(text)

    def pre_validate(self, form: object) -> None:
        if self.process_errors:
            raise StopValidation()  # one message: not also "must be between 0 and 120"


class ServiceForm(FlaskForm):
    name = StringField(
        "Service name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the service name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    kind = SelectField(
        "Kind of service",
        widget=GovSelect(),
        choices=[(k.value, label) for k, label in KIND_LABELS.items()],
        validators=[InputRequired("Select the kind of service")],
    )
    agency = SelectField(
        "Agency that runs it",
        widget=GovSelect(),
        validators=[InputRequired("Select the agency that runs it")],
    )
    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=[(s.value, s.value.replace("_", " ").capitalize()) for s in ServiceStatus],
        validators=[InputRequired("Select the service's status")],
    )
    description = TextAreaField(
        "Description (optional)",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=2000, message="Description must be 2000 characters or fewer"),
        ],
    )
    eligibility_description = TextAreaField(
        "Who is eligible (optional)",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=2000, message="Eligibility must be 2000 characters or fewer"),
        ],
    )
    minimum_age = WholeNumberField(
        "Minimum age (optional)",
        "Minimum age must be a whole number, like 16",
        validators=[Optional(), NumberRange(0, 120, "Minimum age must be between 0 and 120")],
    )
    maximum_age = WholeNumberField(
        "Maximum age (optional)",
        "Maximum age must be a whole number, like 25",
        validators=[Optional(), NumberRange(0, 120, "Maximum age must be between 0 and 120")],
    )
    languages = StringField(
        "Languages (optional)",
        description="For example, English, Bengali, Urdu",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=500, message="Languages must be 500 characters or fewer"),
        ],
    )
    capacity_available = WholeNumberField(
        "Places available now (optional)",
        "Places available must be a whole number, like 5",
        validators=[Optional(), NumberRange(0, 100000, "Places available must be 0 or more")],
    )
    capacity_maximum = WholeNumberField(
        "Places in total (optional)",
        "Places in total must be a whole number, like 20",
        validators=[Optional(), NumberRange(0, 100000, "Places in total must be 0 or more")],
    )
    receives_without_consent = RadioField(
        "May it receive referrals without the victim's consent?",
        widget=GovRadioInput(),
        choices=[
            ("yes", "Yes – a safeguarding or Marac service"),
            ("no", "No – only with consent"),
        ],
        validators=[InputRequired("Select whether it may receive referrals without consent")],
    )
    submit = SubmitField("Save service", widget=GovSubmitInput())

    def validate_maximum_age(self, field: IntegerField) -> None:
        if field.data is not None and self.minimum_age.data is not None:
            if field.data < self.minimum_age.data:
                raise ValidationError(
                    "Maximum age must be the same as or more than the minimum age"
                )

    def validate_capacity_available(self, field: IntegerField) -> None:
        if field.data is not None and self.capacity_maximum.data is not None:
            if field.data > self.capacity_maximum.data:
                raise ValidationError(
                    "Places available must be the same as or fewer than places in total"
                )


class MemberForm(FlaskForm):
    user = SelectField(
        "Add a service worker",
        widget=GovSelect(),
        validators=[InputRequired("Select a person to add")],
    )
    submit = SubmitField("Add to this service", widget=GovSubmitInput())
