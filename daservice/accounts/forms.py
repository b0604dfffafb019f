"""Sign-in, MFA, password and user-administration forms (GOV.UK widgets)."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Regexp,
    ValidationError,
)

from ..security.tokens import RECOVERY_CODE
from .models import Role

# The shape of an address only: partner agencies' domains are theirs to decide, and the demo uses
# reserved domains that stricter validators refuse.
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
EMAIL_FORMAT_MESSAGE = "Enter an email address in the correct format, like name@example.gov.uk"
# Any six digits pass the form, including ١٢٣٤٥٦ or １２３４５６: they reach the check and count
# as a failed attempt there (mfa.matching_step takes ASCII digits only), like any other wrong code.
_SIX_DIGITS = re.compile(r"\d{6}")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _digits_only(value: Any) -> Any:
    return re.sub(r"[\s-]", "", value) if isinstance(value, str) else value


def password_within_limit(form: FlaskForm, field: PasswordField) -> None:
    limit = current_app.config["PASSWORD_MAX_LENGTH"]
    if field.data and len(field.data) > limit:
        raise ValidationError(f"Password must be {limit} characters or fewer")


class LoginForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(EMAIL_SHAPE, message=EMAIL_FORMAT_MESSAGE),
        ],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), password_within_limit],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def six_digits(form: FlaskForm, field: StringField) -> None:
    if not _SIX_DIGITS.fullmatch(field.data or ""):
        raise ValidationError("Enter the security code as 6 digits, like 123456")


def security_code_field() -> StringField:
    """A TOTP code: spaces and hyphens forgiven, then six digits."""
    return StringField(
        "Security code",
        widget=GovTextInput(),
        filters=[_digits_only],
        validators=[
            DataRequired("Enter the 6-digit security code from your authenticator app"),
            six_digits,
        ],
    )


class CodeForm(FlaskForm):
    code = security_code_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[DataRequired("Enter one of your recovery codes")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_code(self, field: StringField) -> None:
        if RECOVERY_CODE.normalise(field.data or "") is None:
            raise ValidationError(
                "Enter the recovery code as 12 letters and numbers, like ABCD-EFGH-JKMN"
            )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), password_within_limit],
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter a new password"), password_within_limit],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Confirm your new password"),
            EqualTo("new_password", "The passwords do not match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


# What each role can see and do, as the hint under its checkbox (permissions.ROLE_PERMISSIONS and
# the policies are the truth; this says it in words for the administrator choosing).
ROLE_HINTS = {
    Role.REFERRER: "Makes referrals. Sees only the referrals they made.",
    Role.SERVICE_WORKER: "Works the inbox of each service they are added to, including the "
    "victim's contact and safe-contact details. Add them to a service after saving.",
    Role.PROGRAMME_WORKER: "Works a perpetrator programme's inbox. Never sees a victim's "
    "address or safe-contact details.",
    Role.TRAINING_COORDINATOR: "Runs the training programme. Sees no referrals.",
    Role.AGENCY_TRAINING_LEAD: "Follows their agency's staff training. Sees no referrals.",
    Role.MANAGER: "Sees totals and reports only, never a single referral.",
    Role.DPO: "Sees who viewed or changed a record, from the audit trail. Sees no case content.",
    Role.ADMIN: "Manages users, agencies and services. Sees no case content, and cannot also "
    "be a referrer, service worker or programme worker.",
}


class ConfirmPasswordForm(FlaskForm):
    """The signed-in user's password again, before something that makes a second factor."""

    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), password_within_limit],
    )
    submit = SubmitField("Make new recovery codes", widget=GovSubmitInput())


class SetUpAccountForm(FlaskForm):
    """The set-up link's page: a new password (or the current one) and a first security code.
    The view removes the fields a link does not ask for."""

    new_password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter a password"), password_within_limit],
    )
    confirm_password = PasswordField(
        "Confirm your password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Confirm your password"),
            EqualTo("new_password", "The passwords do not match"),
        ],
    )
    current_password = PasswordField(
        "Your current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), password_within_limit],
    )
    code = security_code_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())


class UserForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            DataRequired("Enter an email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(EMAIL_SHAPE, message=EMAIL_FORMAT_MESSAGE),
        ],
    )
    display_name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            DataRequired("Enter the person's full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )
    agency = SelectField(
        "Agency", widget=GovSelect(), validators=[DataRequired("Select an agency")]
    )
    ROLE_CHOICES = [(r.value, r.label) for r in Role]
    roles = SelectMultipleField(
        "Roles",
        widget=GovCheckboxesInput(),
        choices=ROLE_CHOICES,
        validators=[DataRequired("Select at least one role")],
    )
    reports_own_agency_only = BooleanField(
        "Show them their own agency's figures only", widget=GovCheckboxInput()
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A bare POST with its CSRF token (disable, reset MFA, sign out)."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
