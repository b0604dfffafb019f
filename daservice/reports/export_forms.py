"""The form that asks for a report export: which period, whose figures, which file."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from ..uk_time import uk_today
from . import periods
from .models import ExportFormat
from .periods import Period

FORMAT_WORDS = {
    ExportFormat.PDF: "Board pack (PDF)",
    ExportFormat.CSV: "Every table as CSV (a ZIP file)",
    ExportFormat.MARAC_RETURN: "Marac quarterly data return (CSV)",
}
WHOLE_PARTNERSHIP = "All agencies (the whole partnership)"


def period_choices(plan_years: list[Period], today: date | None = None) -> list[tuple[str, str]]:
    """The last 8 quarters, the last 12 months (newest first) and the plan's years."""
    today = today or uk_today()
    this_quarter, this_month = periods.quarter(today), periods.month(today)
    chosen = [this_quarter.shifted(-n) for n in range(8)] + [
        this_month.shifted(-n) for n in range(12)
    ]
    chosen += sorted(plan_years, reverse=True)

    def words(period: Period) -> str:
        kind = period.kind.label.lower()
        so_far = "" if period.is_complete(today) else ", so far"
        return (
            f"{period.label} ({kind}{so_far})"
            if period.kind is not periods.PeriodKind.PLAN_YEAR
            else f"{period.label}{so_far}"
        )

    return [(period.key, words(period)) for period in chosen]


class Choice(SelectField):
    """A select whose unknown value (a hand-made request) gets a sentence, not WTForms' words."""

    def __init__(self, *args: object, invalid: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def pre_validate(self, form: object) -> None:
        if self.data not in {value for value, _ in self.choices or []}:
            raise ValidationError(self.invalid)


class ExportForm(FlaskForm):
    period = Choice(
        "Period",
        description="A quarter, a month or a year of the training plan",
        widget=GovSelect(),
        invalid="Select a period from the list",
        validators=[InputRequired("Select the period the figures are for")],
    )
    agency = Choice("Agency", widget=GovSelect(), invalid="Select an agency from the list")
    service = Choice("Service", widget=GovSelect(), invalid="Select a service from the list")
    format = RadioField(
        "Which file do you want?",
        widget=GovRadioInput(),
        choices=[(fmt.value, words) for fmt, words in FORMAT_WORDS.items()],
        default=ExportFormat.PDF.value,
        validate_choice=False,  # checked below, with a sentence
        validators=[InputRequired("Select which file you want")],
    )

    def validate_format(self, field: RadioField) -> None:
        if field.data not in {fmt.value for fmt in ExportFormat}:
            raise ValidationError("Select which file you want")

    submit = SubmitField("Prepare", widget=GovSubmitInput())
