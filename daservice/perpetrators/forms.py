"""Forms for programmes, placements (made directly, moved along the pipeline), risk reviews,
disruption actions and sessions. A register is read from the request in ``views``: its fields are
one line per man."""

from __future__ import annotations

import uuid
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..directory.forms import WholeNumberField
from ..referrals.journey_forms import GovDateField
from .disruption import DisruptionInput
from .follow_ups import FollowUpInput
from .models import (
    REASONS,
    SOURCE_LABELS,
    TRANSITIONS,
    DisruptionKind,
    Goals,
    ProgrammeKind,
    ProgrammeStatus,
    Reason,
    RiskLevel,
    RiskTool,
    SessionKind,
    Source,
    Stage,
)
from .programmes import ProgrammeInput
from .risk import ReviewInput
from .sessions import SessionInput


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class DirectPlacementForm(FlaskForm):
    source = RadioField(
        "Who referred him?",
        widget=GovRadioInput(),
        choices=[(s.value, SOURCE_LABELS[s]) for s in Source if s is not Source.REFERRAL_ROUTE],
        validators=[InputRequired("Select who referred him")],
    )
    first_name = StringField(
        "First name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter his first name"),
            Length(max=100, message="First name must be 100 characters or fewer"),
        ],
    )
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter his last name"),
            Length(max=100, message="Last name must be 100 characters or fewer"),
        ],
    )
    date_of_birth = GovDateField(
        "Date of birth",
        "Date of birth must be a real date",
        description="For example, 27 3 1985. It links him to what the partnership already knows.",
    )
    submit = SubmitField("Make the placement", widget=GovSubmitInput())


class MoveForm(FlaskForm):
    """What happens next for one placement: the stages its present one may go to, and a reason
    where the next stage needs one. Each such stage's reasons are their own radios
    (``reason-<stage>``), revealed under it; ``reason`` holds no input of its own, only the
    use case's message about the reason, shown on the chosen stage's radios."""

    stage = RadioField("What has happened?", widget=GovRadioInput())
    reason = HiddenField()
    detail = TextAreaField(
        "Anything the team should know (optional)",
        description="Do not write anything about the victim here",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[Length(max=2000, message="Notes must be 2,000 characters or fewer")],
    )
    expected = HiddenField()  # the stage the worker saw: a form sent twice moves once
    submit = SubmitField("Save", widget=GovSubmitInput())

    def offer(self, present: Stage) -> None:
        nexts = [s for s in Stage if s in TRANSITIONS[present]]
        self.stage.choices = [(s.value, s.label) for s in nexts]
        self.stage.validators = [InputRequired("Select what has happened")]
        self.reasons = {
            s.value: [(r.value, r.label) for r in REASONS[s]] for s in nexts if s in REASONS
        }
        if not self.is_submitted():
            self.expected.data = present.value

    def chosen_reason(self) -> Reason | None:
        """The reason ticked under the stage chosen; None for none, or for a value that is no
        reason (tampered), which the use case then refuses where the stage needs one."""
        sent = request.form.get(f"reason-{self.stage.data}", "")
        return next((r for r in Reason if r.value == sent), None)

    def expected_stage(self) -> Stage | None:
        """The stage the page was showing (None if the field was lost or tampered with)."""
        return next((s for s in Stage if s.value == self.expected.data), None)


class ProgrammeForm(FlaskForm):
    name = StringField(
        "Programme name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the programme's name"),
            Length(max=200, message="Programme name must be 200 characters or fewer"),
        ],
    )
    kind = RadioField(
        "What kind of programme is it?",
        widget=GovRadioInput(),
        choices=[(k.value, k.label) for k in ProgrammeKind],
        validators=[InputRequired("Select what kind of programme it is")],
    )
    accredited = RadioField(
        "Is it accredited?",
        description="By Respect, or under the Home Office standards",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired("Select whether it is accredited")],
    )
    capacity = WholeNumberField(
        "Places",
        "Places must be a whole number, like 12",
        description="How many men can attend at once; the rest wait",
        validators=[InputRequired("Enter how many places it has")],
    )
    eligibility = TextAreaField(
        "Who it is for",
        description="As published to referrers. For example, men over 18 who have used abuse "
        "against a partner",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            InputRequired("Enter who the programme is for"),
            Length(max=2000, message="Who it is for must be 2,000 characters or fewer"),
        ],
    )
    status = RadioField(
        "Is it taking referrals?",
        widget=GovRadioInput(),
        choices=[
            (ProgrammeStatus.OPEN.value, "Yes, it is open"),
            (ProgrammeStatus.PAUSED.value, "No, it is paused: placements carry on"),
            (ProgrammeStatus.CLOSED.value, "No, it has closed"),
        ],
        validators=[InputRequired("Select whether it is taking referrals")],
    )
    service = SelectField(
        "Referrals from the partnership",
        description="The service in the directory whose referrals become placements here",
        widget=GovSelect(),
        validators=[Optional()],
    )
    submit = SubmitField("Save programme", widget=GovSubmitInput())

    def programme_input(self) -> ProgrammeInput:
        service = self.service.data or ""
        return ProgrammeInput(
            name=self.name.data or "",
            kind=ProgrammeKind(self.kind.data),
            accredited=self.accredited.data == "yes",
            capacity=int(self.capacity.data or 0),
            eligibility=self.eligibility.data or "",
            status=ProgrammeStatus(self.status.data),
            service_id=_uuid(service),
        )


def _uuid(text: str) -> uuid.UUID | None:
    """The chosen service's id; a tampered value becomes the nil id, which no service has, so the
    use case refuses it with a message."""
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.UUID(int=0)


class RiskReviewForm(FlaskForm):
    tool = RadioField(
        "Which tool was used?",
        widget=GovRadioInput(),
        choices=[(t.value, t.label) for t in RiskTool],
        validators=[InputRequired("Select which tool was used")],
    )
    level = RadioField(
        "What is the risk now?",
        widget=GovRadioInput(),
        choices=[(level.value, level.label) for level in RiskLevel],
        validators=[InputRequired("Select the level of risk")],
    )
    reviewed_on = GovDateField(
        "Date of the review",
        "The date of the review must be a real date",
        description="For example, 27 11 2026",
    )
    reason = TextAreaField(
        "Why is the risk at this level?",
        description="Do not write anything about the victim's whereabouts or contact details",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            InputRequired("Say why the risk is at this level"),
            Length(max=2000, message="The reason must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save risk review", widget=GovSubmitInput())

    def validate_reviewed_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date of the review")

    def review_input(self) -> ReviewInput:
        return ReviewInput(
            tool=RiskTool(self.tool.data),
            level=RiskLevel(self.level.data),
            reviewed_on=self.reviewed_on.data,
            reason=self.reason.data or "",
        )


class DisruptionForm(FlaskForm):
    agency = SelectField(
        "Which agency took the action?",
        widget=GovSelect(),
        validators=[InputRequired("Select the agency that took the action")],
    )
    kind = RadioField(
        "What did they do?",
        widget=GovRadioInput(),
        choices=[(k.value, k.label) for k in DisruptionKind],
        validators=[InputRequired("Select what they did")],
    )
    taken_on = GovDateField("Date of the action", "The date of the action must be a real date")
    outcome = TextAreaField(
        "What came of it? (optional)",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[Length(max=2000, message="The outcome must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Save action", widget=GovSubmitInput())

    def validate_taken_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date of the action")

    def disruption_input(self) -> DisruptionInput:
        return DisruptionInput(
            agency_id=_uuid(self.agency.data or ""),
            kind=DisruptionKind(self.kind.data),
            taken_on=self.taken_on.data,
            outcome=self.outcome.data or "",
        )


class SessionForm(FlaskForm):
    kind = RadioField(
        "What kind of session?",
        widget=GovRadioInput(),
        choices=[(k.value, k.label) for k in SessionKind],
        validators=[InputRequired("Select what kind of session it is")],
    )
    placement = SelectField("Who is it with?", widget=GovSelect(), validators=[Optional()])
    held_on = GovDateField(
        "Date of the session",
        "The date of the session must be a real date",
        description="For example, 27 11 2026",
    )
    topic = StringField(
        "What did it cover?",
        description="The session's subject, for example Week 4: jealousy and control. "
        "Write nothing about anyone in it.",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter what the session covered"),
            Length(max=200, message="What it covered must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Add the session", widget=GovSubmitInput())

    def validate_held_on(self, field: GovDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date of the session")

    def session_input(self) -> SessionInput:
        kind = SessionKind(self.kind.data)
        return SessionInput(
            kind=kind,
            held_on=self.held_on.data,
            topic=self.topic.data or "",
            placement_id=_uuid(self.placement.data or "")
            if kind is SessionKind.ONE_TO_ONE
            else None,
        )


class FollowUpForm(FlaskForm):
    """The exit review asks how far he met the goals; a follow-up, the further incidents."""

    goals = RadioField(
        "How far did he meet the programme's goals?",
        widget=GovRadioInput(),
        choices=[(g.value, g.label) for g in Goals],
        validators=[Optional()],
    )
    further_incidents = WholeNumberField(
        "How many further incidents have been reported since he left?",
        "Enter the number of incidents as a whole number, like 2",
        description="Reported to the programme by the police, her worker or anyone else. Enter 0 "
        "if none.",
        validators=[Optional()],
    )
    notes = TextAreaField(
        "Notes (optional)",
        description="Kept with the programme. Do not write anything about the victim's "
        "whereabouts or contact details",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[Length(max=2000, message="Notes must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def follow_up_input(self) -> FollowUpInput:
        return FollowUpInput(
            goals=next((g for g in Goals if g.value == self.goals.data), None),
            further_incidents=self.further_incidents.data,
            notes=self.notes.data or "",
        )
