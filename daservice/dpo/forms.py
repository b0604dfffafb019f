"""The DPO's search forms: read-only searches by GET, so no CSRF token."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from ..referrals.journey_forms import GovDateField

TARGET_TYPES = [("referral", "Referral"), ("person", "Person"), ("user", "User account")]
REFERENCE = re.compile(r"DA-\d{4}-\d{6}")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def parse_record_id(text: str) -> uuid.UUID | None:
    """A record id however it was typed or copied: any case, with or without dashes, in braces
    or as a ``urn:uuid:``. None if it is not one. Events store the lower-case dashed form, so
    searching for anything else would find nothing (security probe F7)."""
    try:
        return uuid.UUID(text.strip())
    except (ValueError, AttributeError):
        return None


class _Search(FlaskForm):
    class Meta:
        csrf = False  # a read-only search by GET


class RecordIdForm(_Search):
    target_type = SelectField("Record type", choices=TARGET_TYPES, widget=GovSelect())
    target_id = StringField(
        "Record ID",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the record ID"),
            Length(max=64, message="Record ID must be 64 characters or fewer"),
        ],
    )

    def validate_target_id(self, field: StringField) -> None:
        self.record_id = parse_record_id(field.data or "")
        if self.record_id is None:
            raise ValidationError(
                "Enter a record ID like 8a0f024e-5b7c-4d1e-9f3a-2c6b8d9e0f11, "
                "or search by reference, name or user instead"
            )


class ReferenceForm(_Search):
    reference = StringField(
        "Referral reference",
        description="For example, DA-2026-000006",
        widget=GovTextInput(),
        filters=[lambda v: re.sub(r"\s+", "", v).upper() if isinstance(v, str) else v],
        validators=[InputRequired("Enter the referral reference")],
    )

    def validate_reference(self, field: StringField) -> None:
        if not REFERENCE.fullmatch(field.data or ""):
            raise ValidationError("Enter a reference in the right format, like DA-2026-000006")


class PersonForm(_Search):
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter their last name"),
            Length(max=100, message="Last name must be 100 characters or fewer"),
        ],
    )
    date_of_birth = GovDateField(
        "Date of birth",
        "Date of birth must be a real date, like 14 6 1991",
        description="For example, 14 6 1991",
    )

    def validate_date_of_birth(self, field: GovDateField) -> None:
        if field.data is None and not field.process_errors:
            raise ValidationError("Enter their date of birth")


class UserSearchForm(_Search):
    q = StringField(
        "Name or email address",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter a name or email address"),
            Length(min=2, max=254, message="Enter at least 2 characters of a name or email"),
        ],
    )
