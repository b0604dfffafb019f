"""The web referral journey's forms, made from the declaration in ``journey_sections``: each page's
WTForms class (which only reads what was sent: the rules are the shared ones in validation.py)
and the GOV.UK Frontend parameters each question is drawn with."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import (
    DateField,
    Field,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from .journey_sections import CHILD_QUESTIONS, YES_NO, Page, Question, person


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
        self.data = None
        if not all(v.isascii() and v.isdigit() for v in values):
            raise ValueError(self.message)
        if len(values[2]) != 4:
            # "88" is not 1988 or 2088: ask, as the GOV.UK date pattern does.
            raise ValueError("Year must include 4 numbers")
        try:
            self.data = date(int(values[2]), int(values[1]), int(values[0]))
        except (ValueError, OverflowError):
            raise ValueError(self.message) from None


def _field(q: Question) -> Field:
    if q.kind == "radios":
        return RadioField(q.label, choices=list(q.choices), validators=[Optional()])
    if q.kind == "checkboxes":
        return SelectMultipleField(q.label, choices=list(q.choices), validators=[Optional()])
    if q.kind == "date":
        return GovDateField(q.label, q.date_message)
    if q.kind == "textarea":
        return TextAreaField(q.label, filters=[_strip], validators=[Optional()])
    return StringField(q.label, filters=[_strip], validators=[Optional()])


def _form_class(name: str, questions: tuple[Question, ...]) -> type[FlaskForm]:
    fields: dict[str, Any] = {q.name: _field(q) for q in questions}
    fields["submit"] = SubmitField("Save and continue")
    return type(name, (FlaskForm,), fields)


_FORMS: dict[str, type[FlaskForm]] = {}


def form_for(page: Page) -> type[FlaskForm]:
    """The form class of a page (made once per page)."""
    if page.slug not in _FORMS:
        _FORMS[page.slug] = _form_class(f"{page.slug.title().replace('-', '')}Form", page.questions)
    return _FORMS[page.slug]


ChildForm = _form_class("ChildForm", CHILD_QUESTIONS)


class ContinueForm(FlaskForm):
    """A button and its CSRF token: starting, sending, removing."""

    submit = SubmitField("Continue")


def yes_no_form(name: str, label: str) -> type[FlaskForm]:
    return type(
        f"{name.title()}Form",
        (FlaskForm,),
        {name: RadioField(label, choices=list(YES_NO), validators=[Optional()])},
    )


HasChildrenForm = yes_no_form("has_children", "Are there any children in the household?")
AnotherChildForm = yes_no_form("add_another", "Do you need to add another child?")
RemoveChildForm = yes_no_form("confirm", "Are you sure you want to remove this child?")


def params_for(q: Question, field: Field, answers: dict[str, Any]) -> dict[str, Any]:
    """The GOV.UK Frontend macro parameters for one question: its label in the page's words, a
    hint only when it has one (an empty hint would be read out as "None"), its error, its
    value, and the input's width and type."""
    label = q.shown_label.format(person=person(answers))
    common: dict[str, Any] = {
        "name": q.name,
        "hint": {"text": q.hint} if q.hint else None,
        "errorMessage": {"text": field.errors[0]} if field.errors else None,
    }
    legend = {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}}
    if q.kind in ("radios", "checkboxes"):
        data = field.data
        chosen = set(data or []) if q.kind == "checkboxes" else {data}
        items = [
            {
                "value": value,
                "text": text,
                "checked": value in chosen,
                "hint": {"text": q.choice_hints[value]} if value in q.choice_hints else None,
            }
            for value, text in q.choices
        ]
        inline = q.kind == "radios" and len(q.choices) <= 3 and not q.choice_hints
        return common | {
            "idPrefix": q.name,
            "fieldset": legend,
            "items": items,
            "classes": "govuk-radios--inline" if inline else "",
        }
    if q.kind == "date":
        raw = field.raw_data or []
        if not raw and field.data:
            raw = [str(field.data.day), str(field.data.month), str(field.data.year)]
        raw = (list(raw) + ["", "", ""])[:3]
        error = " govuk-input--error" if field.errors else ""
        return common | {
            "id": q.name,
            "fieldset": legend,
            "items": [
                {
                    "label": part,
                    "id": f"{q.name}-{part.lower()}",
                    "name": q.name,
                    "classes": f"govuk-input--width-{width}{error}",
                    "value": raw[i],
                }
                for i, (part, width) in enumerate((("Day", 2), ("Month", 2), ("Year", 4)))
            ],
        }
    value = field._value() if hasattr(field, "_value") else field.data
    label_params = {"text": label, "classes": "govuk-label--s"}
    if q.kind == "textarea":
        return common | {
            "id": q.name,
            "label": label_params,
            "value": value,
            "maxlength": q.limit,
            "rows": 10 if (q.limit or 0) > 2000 else 5,
        }
    return common | {
        "id": q.name,
        "label": label_params,
        "value": value,
        "type": q.input_type,
        "classes": q.width or "",
        "spellcheck": False,
        "autocomplete": "off",
    }
