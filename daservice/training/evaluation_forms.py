"""The evaluation form, built from the question bank for each kind of evaluation."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from . import evaluation_items as bank
from .evaluations import Answers
from .models import EvaluationKind

YES_NO = [("yes", "Yes"), ("no", "No")]


def likert_choices(item: bank.LikertItem) -> list[tuple[str, str]]:
    """1 to 7, the two ends labelled (1 = not at all confident … 7 = very confident)."""
    words = {1: item.scale.low, 7: item.scale.high}
    return [(str(n), f"{n} – {words[n]}" if n in words else str(n)) for n in bank.LIKERT]


class EvaluationForm(FlaskForm):
    """Fields are added per kind by ``form_for``; ``likert`` lists the Likert fields' items."""

    likert: tuple[bank.LikertItem, ...] = ()
    has_follow_up = False
    submit = SubmitField("Send", widget=GovSubmitInput())

    def answers(self) -> Answers:
        """The validated answers, for ``evaluations.submit``."""
        follow_up: dict[str, bool | None] = {"recognised_abuse": None, "responded_to_abuse": None}
        if self.has_follow_up:
            follow_up = {
                "recognised_abuse": self["recognised_abuse"].data == "yes",
                "responded_to_abuse": self["responded_to_abuse"].data == "yes",
            }
        comments = self["comments"].data if "comments" in self else ""
        return Answers(
            scores={item.key: int(self[item.key].data) for item in self.likert},
            comments=comments or "",
            **follow_up,
        )


def form_for(kind: EvaluationKind, **kwargs: Any) -> EvaluationForm:
    """A form with this kind's questions, in the bank's order."""
    fields: dict[str, Any] = {}
    items = bank.likert_items(kind)
    for item in items:
        fields[item.key] = RadioField(
            item.question,
            choices=likert_choices(item),
            validators=[InputRequired(message=item.error)],
            widget=GovRadioInput(),
        )
    if kind is EvaluationKind.FOLLOW_UP:
        fields["recognised_abuse"] = RadioField(
            bank.RECOGNISED_QUESTION,
            choices=YES_NO,
            validators=[InputRequired(message=bank.RECOGNISED_ERROR)],
            widget=GovRadioInput(),
        )
        fields["responded_to_abuse"] = RadioField(
            bank.RESPONDED_QUESTION,
            choices=YES_NO,
            validators=[InputRequired(message=bank.RESPONDED_ERROR)],
            widget=GovRadioInput(),
        )
    question = bank.COMMENTS_QUESTION[kind]
    if question is not None:
        fields["comments"] = TextAreaField(
            question,
            validators=[
                Optional(),
                Length(
                    max=bank.COMMENTS_LIMIT,
                    message=f"Your answer must be {bank.COMMENTS_LIMIT:,} characters or fewer",
                ),
            ],
            widget=GovTextArea(),
        )
    fields["likert"] = items
    fields["has_follow_up"] = kind is EvaluationKind.FOLLOW_UP
    form_class = type(f"EvaluationForm_{kind.value}", (EvaluationForm,), fields)
    return form_class(**kwargs)
