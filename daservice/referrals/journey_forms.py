"""One form per question page of the web referral journey. Field rules that the API shares live
in validation.py; these forms only shape the page (labels, hints, widgets)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DateField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from .risk import DASH_QUESTIONS, Answer
from .validation import LEGAL_BASES, NEEDS

YES_NO = [("yes", "Yes"), ("no", "No")]
NEED_LABELS = {
    "housing": "Housing or a safe place to stay",
    "children": "Support with children",
    "substance_use": "Drugs or alcohol",
    "mental_health": "Mental health",
    "immigration": "Immigration status",
    "financial": "Money or debt",
    "legal": "Legal advice",
}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class GovDateField(DateField):
    """Day, month and year boxes; a missing or impossible date gets a GOV.UK message.

    Optional by nature (all three boxes empty means no date). Never add WTForms' ``Optional()``:
    it looks only at the day box and would silently discard "  /  / 1990"."""

    def __init__(self, label: str, message: str, **kwargs: Any) -> None:
        super().__init__(label, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list[str]) -> None:
        values = [(v or "").strip() for v in (valuelist or [])][:3]
        values += [""] * (3 - len(values))
        self.raw_data = values
        if not any(values):
            self.data = None
            return
        try:
            if not all(v.isascii() and v.isdigit() and len(v) <= 4 for v in values):
                raise ValueError("not a date")
            day, month, year = (int(v) for v in values)
            self.data = date(year, month, day)
        except (ValueError, OverflowError):
            self.data = None
            raise ValueError(self.message) from None


def text(
    label: str, hint: str | None = None, textarea: bool = False, limit: int | None = None
) -> Any:
    if textarea:
        widget = GovCharacterCount() if limit else GovTextArea()
        return TextAreaField(
            label, description=hint, widget=widget, filters=[_strip], validators=[Optional()]
        )
    return StringField(
        label, description=hint, widget=GovTextInput(), filters=[_strip], validators=[Optional()]
    )


def radios(label: str, choices: list[tuple[str, str]], hint: str | None = None) -> Any:
    return RadioField(
        label, description=hint, choices=choices, widget=GovRadioInput(), validators=[Optional()]
    )


class VictimForm(FlaskForm):
    first_name = text("First name")
    last_name = text("Last name")
    other_names = text("Other names she is known by (optional)")
    date_of_birth = GovDateField(
        "Date of birth (optional)",
        "Date of birth must be a real date",
        description="For example, 27 3 1990",
    )
    gender = text("Gender (optional)")
    address = text("Address (optional)", textarea=True)
    postcode = text("Postcode (optional)")
    phone = text(
        "Phone number (optional)", "Where she lives now. How to contact her safely comes next."
    )
    email = text("Email address (optional)")
    language = text("Preferred language (optional)")
    interpreter_needed = radios("Does she need an interpreter?", YES_NO)
    disability = text("Disability or access needs (optional)", textarea=True)
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class SafeContactForm(FlaskForm):
    safe_to_contact = radios("Is it safe to contact her?", YES_NO)
    phone = text("Safe phone number (optional)")
    safe_times = text(
        "When is it safe to contact her? (optional)", "For example, weekdays 10am to 2pm"
    )
    methods = SelectMultipleField(
        "Which of these are safe?",
        widget=GovCheckboxesInput(),
        validators=[Optional()],
        description="Select all that are safe. Leave all unticked if none are.",
        choices=[
            ("voicemail_ok", "Leaving a voicemail"),
            ("text_ok", "Sending a text"),
            ("letters_ok", "Sending a letter"),
        ],
    )
    code_word = text("Code word (optional)", "A word she can use to show it is safe to talk")
    who_must_not_know = text("Who must not know about this referral? (optional)", textarea=True)
    notes = text("Anything else about contacting her safely (optional)", textarea=True)
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class PerpetratorForm(FlaskForm):
    known = radios("Do you know who is causing harm?", YES_NO)
    first_name = text("Their first name")
    last_name = text("Their last name")
    relationship = text("Their relationship to her", "For example, partner, ex-partner, son")
    date_of_birth = GovDateField(
        "Their date of birth (optional)",
        "Their date of birth must be a real date",
        description="For example, 27 3 1985",
    )
    address = text("Their address (optional)", textarea=True)
    refer_to_programme = radios("Refer them to a perpetrator programme?", YES_NO)
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class ChildForm(FlaskForm):
    name = text("Child's name")
    date_of_birth = GovDateField(
        "Child's date of birth (optional)",
        "The child's date of birth must be a real date",
    )
    relationship_to_victim = text("Relationship to her (optional)", "For example, son, daughter")
    relationship_to_perpetrator = text("Relationship to the person causing harm (optional)")
    school = text("School or nursery (optional)")
    add = SubmitField("Add this child", widget=GovSubmitInput())


class ContinueForm(FlaskForm):
    submit = SubmitField("Continue", widget=GovSubmitInput())


def risk_form_class() -> type[FlaskForm]:
    choices = [
        (Answer.YES.value, "Yes"),
        (Answer.NO.value, "No"),
        (Answer.NOT_KNOWN.value, "Not known"),
    ]
    fields: dict[str, Any] = {
        f"q{n}": radios(f"{n}. {question}", choices) for n, question in DASH_QUESTIONS.items()
    }
    fields["incidents_past_12_months"] = text(
        "How many incidents of domestic abuse in the past 12 months? (optional)",
        "Include incidents not reported to the police",
    )
    fields["professional_judgement"] = radios(
        "In your professional judgement, should this go to Marac whatever the score?", YES_NO
    )
    fields["judgement_reason"] = text("Why? (required if you answered yes)", textarea=True)
    fields["submit"] = SubmitField("Save and continue", widget=GovSubmitInput())
    return type("RiskForm", (FlaskForm,), fields)


RiskForm = risk_form_class()


class AboutForm(FlaskForm):
    needs = SelectMultipleField(
        "What else does she need help with?",
        widget=GovCheckboxesInput(),
        description="Select all that apply",
        validators=[Optional()],
        choices=[(n, NEED_LABELS[n]) for n in NEEDS],
    )
    narrative = TextAreaField(
        "What happened?",
        widget=GovCharacterCount(),
        filters=[_strip],
        description="Say what happened in her words where you can. Up to 10,000 characters.",
        validators=[Optional()],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class ConsentForm(FlaskForm):
    status = radios(
        "Has she agreed to this referral?",
        [
            ("given", "Yes, she has given consent"),
            ("refused", "No, she has refused"),
            ("not_sought", "I have not been able to ask her"),
        ],
    )
    legal_basis = radios(
        "If sharing without consent, on what lawful basis? (optional)",
        [(k, v) for k, v in LEGAL_BASES.items()],
        "Only choose one if the risk means you must share without consent. "
        "Otherwise only services allowed to receive without consent get the referral.",
    )
    override_reason = text("Why must this be shared without her consent?", textarea=True)
    submit = SubmitField("Save and continue", widget=GovSubmitInput())
