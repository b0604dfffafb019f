"""Forms for certificates: the public verify form, the coordinator's list filters, revoking."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..security.tokens import CERTIFICATE_CODE
from .certificates import REASON_LIMIT
from .models import CertificateStatus

CODE_EXAMPLE = "K7QM-9RXD-2HFT-8VWC"
# Generous: a code typed with spaces between every symbol is still 31 characters.
CODE_INPUT_LIMIT = 64


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class _ReadOnly(FlaskForm):
    class Meta:
        csrf = False  # read-only, sent by GET


class VerifyForm(_ReadOnly):
    code = StringField(
        "Certificate code",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[InputRequired("Enter the certificate code")],
    )

    def validate_code(self, field: StringField) -> None:
        # One message for every malformed code, however near it came, so the form says nothing
        # a guesser could use; only the shape of a code is public.
        data = field.data or ""
        if len(data) > CODE_INPUT_LIMIT or CERTIFICATE_CODE.normalise(data) is None:
            raise ValidationError(
                f"Enter the certificate code as it is printed, like {CODE_EXAMPLE}"
            )

    @property
    def grouped(self) -> str:
        """The code in its printed form (only after ``validate()``)."""
        return CERTIFICATE_CODE.format(CERTIFICATE_CODE.normalise(self.code.data or "") or "")


STATUS_CHOICES = [("", "Any status")] + [(s.value, s.value.capitalize()) for s in CertificateStatus]


class FilterForm(_ReadOnly):
    name = StringField(
        "Holder's name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Length(max=100, message="Holder's name must be 100 characters or fewer")],
    )
    course = SelectField("Course", choices=[], widget=GovSelect(), validate_choice=False)
    agency = SelectField("Agency", choices=[], widget=GovSelect(), validate_choice=False)
    status = SelectField("Status", choices=STATUS_CHOICES, widget=GovSelect())
    expiring = BooleanField("Expiring within 90 days", widget=GovCheckboxInput())


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Why are you revoking this certificate?",
        widget=GovCharacterCount(),
        validators=[
            InputRequired("Enter why you are revoking this certificate"),
            Length(
                max=REASON_LIMIT,
                message=f"Why you are revoking must be {REASON_LIMIT} characters or fewer",
            ),
        ],
    )
    submit = SubmitField("Revoke certificate", widget=GovSubmitInput())

    def validate_reason(self, field: TextAreaField) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Enter why you are revoking this certificate")


class ReissueForm(FlaskForm):
    submit = SubmitField("Reissue certificate", widget=GovSubmitInput())
