"""The audit action catalogue: every action the trail may hold, with a label a DPO can read.

``record()`` and ``Entry`` refuse an action that is not here, so a mistyped code fails the first
test that reaches it instead of writing an event nobody will ever search for. Members are
``StrEnum``s: a call site may pass the member or its string (``"referral.viewed"``), and the
stored value is the string either way. A code, once written to the trail, is never renamed (old
events keep it); retire an action by leaving it here.
"""

from __future__ import annotations

import enum


class UnknownAuditAction(LookupError):
    """An action that is not in the catalogue (a programming error, never a user's)."""


class AuditAction(enum.StrEnum):
    # Signing in and out
    LOGIN_PASSWORD_OK = "login.password_ok"
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_SUCCEEDED_RECOVERY_CODE = "login.succeeded_recovery_code"
    LOGIN_FAILED = "login.failed"
    LOGIN_FAILED_LOCKED = "login.failed_locked"
    LOGIN_FAILED_DISABLED = "login.failed_disabled"
    LOGIN_MFA_FAILED = "login.mfa_failed"
    LOGIN_MFA_REPLAYED = "login.mfa_replayed"
    LOGIN_RECOVERY_FAILED = "login.recovery_failed"
    LOGIN_LOCKOUT = "login.lockout"
    LOGIN_THROTTLED = "login.throttled"
    LOGOUT = "logout"
    LOGOUT_TIMED_OUT = "logout.timed_out"
    # One's own account
    MFA_ENROLLED = "mfa.enrolled"
    MFA_ENROL_FAILED = "mfa.enrol_failed"
    MFA_RECOVERY_CODES_REPLACED = "mfa.recovery_codes_replaced"
    MFA_RECOVERY_CODES_REFUSED = "mfa.recovery_codes_refused"
    PASSWORD_CHANGED = "password.changed"
    PASSWORD_CHANGE_FAILED = "password.change_failed"
    # Administration of users
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_ROLES_CHANGED = "user.roles_changed"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_MFA_RESET = "user.mfa_reset"
    USER_PASSWORD_RESET = "user.password_reset"
    # Setting up an account from the emailed link (accounts/setup_links.py)
    ACCOUNT_SETUP_LINK_SENT = "account.setup_link_sent"
    ACCOUNT_SETUP_LINK_OPENED = "account.setup_link_opened"
    ACCOUNT_SETUP_LINK_REFUSED = "account.setup_link_refused"
    ACCOUNT_SETUP_FAILED = "account.setup_failed"
    ACCOUNT_SETUP_COMPLETED = "account.setup_completed"
    LOGIN_SETUP_LINK_REQUIRED = "login.setup_link_required"
    # The directory of services
    SERVICE_CREATED = "service.created"
    SERVICE_UPDATED = "service.updated"
    SERVICE_MEMBER_ADDED = "service.member_added"
    SERVICE_MEMBER_REMOVED = "service.member_removed"
    # Partner systems
    API_CLIENT_CREATED = "api_client.created"
    API_CLIENT_TOKEN_REPLACED = "api_client.token_replaced"
    API_CLIENT_REVOKED = "api_client.revoked"
    # Referrals
    DRAFT_STARTED = "draft.started"
    DRAFT_EXPIRED = "draft.expired"
    DRAFT_DELETED = "draft.deleted"
    REFERRAL_CREATED = "referral.created"
    REFERRAL_VIEWED = "referral.viewed"
    PERSON_LINKED = "person.linked"
    PERSON_ADDED = "person.added"
    CONSENT_GIVEN = "consent.given"
    CONSENT_OVERRIDE = "consent.override"
    CONSENT_AWAITED = "consent.awaited"
    CONSENT_SHARED_WITHOUT_CONSENT = "consent.shared_without_consent"
    ROUTE_UNAVAILABLE = "route.unavailable"
    ROUTE_ACCEPTED = "route.accepted"
    ROUTE_DECLINED = "route.declined"
    ROUTE_CONTACT_ATTEMPTED = "route.contact_attempted"
    ROUTE_CONTACT_AGAINST_INSTRUCTIONS = "route.contact_against_instructions"
    ROUTE_IN_SUPPORT = "route.in_support"
    ROUTE_CLOSED = "route.closed"
    ROUTE_SLA_BREACHED = "route.sla_breached"
    # Notifications to staff
    NOTIFICATION_RETRIED = "notification.retried"
    # The training programme
    TRAINING_PLAN_SAVED = "training.plan_saved"
    TRAINING_COURSE_SAVED = "training.course_saved"
    TRAINING_TARGETS_SAVED = "training.targets_saved"
    TRAINEE_SAVED = "training.trainee_saved"
    TRAINEES_IMPORTED = "training.trainees_imported"
    TRAINING_RUN_SAVED = "training.run_saved"
    TRAINING_RUN_CANCELLED = "training.run_cancelled"
    TRAINING_SESSION_SAVED = "training.session_saved"
    TRAINING_SESSION_CANCELLED = "training.session_cancelled"
    ENROLMENT_CHANGED = "training.enrolment_changed"
    REGISTER_RECORDED = "training.register_recorded"
    KNOWLEDGE_CHECK_RECORDED = "training.knowledge_check_recorded"
    CERTIFICATE_ISSUED = "training.certificate_issued"
    CERTIFICATE_REISSUED = "training.certificate_reissued"
    CERTIFICATE_REVOKED = "training.certificate_revoked"
    CERTIFICATE_VIEWED = "training.certificate_viewed"
    EVALUATION_SUBMITTED = "training.evaluation_submitted"
    EVALUATION_COMMENTS_VIEWED = "training.evaluation_comments_viewed"
    SITE_SAVED = "training.site_saved"
    SAFE_SPACE_CHANGED = "training.safe_space_changed"
    SITE_STAFF_CHANGED = "training.site_staff_changed"
    # Perpetrator programmes
    PROGRAMME_SAVED = "programme.saved"
    PLACEMENT_MADE = "placement.made"
    PLACEMENT_VIEWED = "placement.viewed"
    PLACEMENT_STAGE_CHANGED = "placement.stage_changed"
    PLACEMENT_RISK_REVIEWED = "placement.risk_reviewed"
    PLACEMENT_DISRUPTION_RECORDED = "placement.disruption_recorded"
    PLACEMENT_FOLLOWED_UP = "placement.followed_up"
    PROGRAMME_SESSION_ADDED = "programme.session_added"
    PROGRAMME_REGISTER_VIEWED = "programme.register_viewed"
    PROGRAMME_REGISTER_SAVED = "programme.register_saved"
    PARTNER_UPDATES_VIEWED = "programme.partner_updates_viewed"
    # Exports and oversight
    EXPORT_PDF = "export.pdf"
    # Managers' reports: exports prepared in the background, and from the command line
    REPORT_EXPORT_REQUESTED = "report.export_requested"
    REPORT_EXPORT_DOWNLOADED = "report.export_downloaded"
    REPORT_EXPORTED_COMMAND_LINE = "report.exported_command_line"
    EXPORT_CSV = "export.csv"
    EXPORT_MARAC_RETURN = "export.marac_return"
    AUDIT_ACCESS_LOG_VIEWED = "audit.access_log_viewed"
    AUDIT_RECORD_SEARCHED = "audit.record_searched"


LABELS: dict[AuditAction, str] = {
    AuditAction.LOGIN_PASSWORD_OK: "Entered the right password (security code still to come)",
    AuditAction.LOGIN_SUCCEEDED: "Signed in",
    AuditAction.LOGIN_SUCCEEDED_RECOVERY_CODE: "Signed in with a recovery code",
    AuditAction.LOGIN_FAILED: "Failed to sign in: wrong email address or password",
    AuditAction.LOGIN_FAILED_LOCKED: "Failed to sign in: the account was locked",
    AuditAction.LOGIN_FAILED_DISABLED: "Failed to sign in: the account is disabled",
    AuditAction.LOGIN_MFA_FAILED: "Failed to sign in: wrong security code",
    AuditAction.LOGIN_MFA_REPLAYED: "Failed to sign in: a security code was used twice",
    AuditAction.LOGIN_RECOVERY_FAILED: "Failed to sign in: wrong recovery code",
    AuditAction.LOGIN_LOCKOUT: "Account locked after repeated failed sign-ins",
    AuditAction.LOGIN_THROTTLED: "Sign-in refused: too many attempts from one place",
    AuditAction.LOGOUT: "Signed out",
    AuditAction.LOGOUT_TIMED_OUT: "Signed out by the timeout warning (no activity)",
    AuditAction.MFA_ENROLLED: "Set up an authenticator app",
    AuditAction.MFA_ENROL_FAILED: "Failed to set up an authenticator app",
    AuditAction.MFA_RECOVERY_CODES_REFUSED: ("Failed to make new recovery codes (wrong password)"),
    AuditAction.MFA_RECOVERY_CODES_REPLACED: "Replaced their recovery codes",
    AuditAction.PASSWORD_CHANGED: "Changed their password",
    AuditAction.PASSWORD_CHANGE_FAILED: "Failed to change their password",
    AuditAction.USER_CREATED: "Created a user account",
    AuditAction.USER_UPDATED: "Changed a user account",
    AuditAction.USER_ROLES_CHANGED: "Changed a user's roles",
    AuditAction.USER_DISABLED: "Disabled a user account",
    AuditAction.USER_ENABLED: "Enabled a user account",
    AuditAction.USER_MFA_RESET: "Reset a user's authenticator app",
    AuditAction.USER_PASSWORD_RESET: "Reset a user's password",
    AuditAction.ACCOUNT_SETUP_LINK_SENT: "Sent a user a link to set up their account",
    AuditAction.ACCOUNT_SETUP_LINK_OPENED: "Opened the link to set up their account",
    AuditAction.ACCOUNT_SETUP_LINK_REFUSED: "Tried a set-up link that had expired or been used",
    AuditAction.ACCOUNT_SETUP_FAILED: (
        "Failed to set up their account (wrong current password or security code)"
    ),
    AuditAction.ACCOUNT_SETUP_COMPLETED: "Set up their account from the emailed link",
    AuditAction.LOGIN_SETUP_LINK_REQUIRED: (
        "Signed in with their password but must set up their authenticator from the emailed link"
    ),
    AuditAction.SERVICE_CREATED: "Added a service to the directory",
    AuditAction.SERVICE_UPDATED: "Changed a service in the directory",
    AuditAction.SERVICE_MEMBER_ADDED: "Gave a worker access to a service's inbox",
    AuditAction.SERVICE_MEMBER_REMOVED: "Removed a worker's access to a service's inbox",
    AuditAction.API_CLIENT_CREATED: "Registered a partner system",
    AuditAction.API_CLIENT_TOKEN_REPLACED: "Replaced a partner system's access token",
    AuditAction.API_CLIENT_REVOKED: "Revoked a partner system's access",
    AuditAction.DRAFT_STARTED: "Started a referral",
    AuditAction.DRAFT_EXPIRED: "A draft referral left untouched was deleted",
    AuditAction.DRAFT_DELETED: "Deleted a draft referral",
    AuditAction.REFERRAL_CREATED: "Sent the referral",
    AuditAction.REFERRAL_VIEWED: "Viewed the referral",
    AuditAction.PERSON_LINKED: "Linked a referral to someone already known",
    AuditAction.PERSON_ADDED: "Added someone not known before to the person index",
    AuditAction.CONSENT_GIVEN: "Recorded that consent was given",
    AuditAction.CONSENT_OVERRIDE: "Shared without consent on a recorded lawful basis",
    AuditAction.CONSENT_AWAITED: "Received without consent: held until consent is given",
    AuditAction.CONSENT_SHARED_WITHOUT_CONSENT: "Routed without consent under the routing rules",
    AuditAction.ROUTE_UNAVAILABLE: "A service the referral needed was unavailable",
    AuditAction.ROUTE_ACCEPTED: "Accepted the referral",
    AuditAction.ROUTE_DECLINED: "Declined the referral",
    AuditAction.ROUTE_CONTACT_ATTEMPTED: "Logged an attempt to contact the person referred",
    AuditAction.ROUTE_CONTACT_AGAINST_INSTRUCTIONS: (
        "Logged, with a reason, a contact attempt that went against the safe-contact instructions"
    ),
    AuditAction.ROUTE_IN_SUPPORT: "Started support",
    AuditAction.ROUTE_CLOSED: "Closed the referral",
    AuditAction.ROUTE_SLA_BREACHED: "First contact became overdue (recorded automatically)",
    AuditAction.NOTIFICATION_RETRIED: "Sent a failed notification again",
    AuditAction.TRAINING_PLAN_SAVED: "Saved the training plan",
    AuditAction.TRAINING_COURSE_SAVED: "Saved a course",
    AuditAction.TRAINING_TARGETS_SAVED: "Saved training targets",
    AuditAction.TRAINEE_SAVED: "Saved a member of staff's training record",
    AuditAction.TRAINEES_IMPORTED: "Imported an agency's staff list",
    AuditAction.TRAINING_RUN_SAVED: "Saved a course run",
    AuditAction.TRAINING_RUN_CANCELLED: "Cancelled a course run",
    AuditAction.TRAINING_SESSION_SAVED: "Saved a training session",
    AuditAction.TRAINING_SESSION_CANCELLED: "Cancelled a training session",
    AuditAction.ENROLMENT_CHANGED: (
        "Changed an enrolment (requested, booked, waitlisted, cancelled, completed)"
    ),
    AuditAction.REGISTER_RECORDED: "Recorded a session's register",
    AuditAction.KNOWLEDGE_CHECK_RECORDED: "Recorded a knowledge-check score",
    AuditAction.CERTIFICATE_ISSUED: "Issued a certificate",
    AuditAction.CERTIFICATE_REISSUED: "Reissued a certificate (same code)",
    AuditAction.CERTIFICATE_REVOKED: "Revoked a certificate",
    AuditAction.CERTIFICATE_VIEWED: "Viewed a certificate and its code",
    AuditAction.EVALUATION_SUBMITTED: "Submitted a course evaluation",
    AuditAction.EVALUATION_COMMENTS_VIEWED: "Read trainees' written evaluation comments",
    AuditAction.SITE_SAVED: "Saved a site (a possible safe space)",
    AuditAction.SAFE_SPACE_CHANGED: (
        "A site became, or stopped being, a safe space (recorded automatically)"
    ),
    AuditAction.SITE_STAFF_CHANGED: "Changed which trainees work at a site",
    AuditAction.PROGRAMME_SAVED: "Saved a perpetrator programme",
    AuditAction.PLACEMENT_MADE: "Made a placement on a perpetrator programme",
    AuditAction.PLACEMENT_VIEWED: "Viewed a placement (who he is, workers' notes)",
    AuditAction.PLACEMENT_STAGE_CHANGED: "Moved a placement to another stage",
    AuditAction.PLACEMENT_RISK_REVIEWED: "Recorded a risk review of a placement",
    AuditAction.PLACEMENT_DISRUPTION_RECORDED: "Recorded a partner agency's disruption action",
    AuditAction.PLACEMENT_FOLLOWED_UP: "Recorded a placement's exit review or follow-up",
    AuditAction.PROGRAMME_SESSION_ADDED: "Added a programme session",
    AuditAction.PROGRAMME_REGISTER_VIEWED: (
        "Viewed a programme session's register (who attended, notes, concerns)"
    ),
    AuditAction.PROGRAMME_REGISTER_SAVED: "Saved a programme session's register",
    AuditAction.PARTNER_UPDATES_VIEWED: (
        "Viewed programme updates about a person she supports (partner support)"
    ),
    AuditAction.EXPORT_PDF: "Exported a PDF",
    AuditAction.REPORT_EXPORT_REQUESTED: (
        "Asked for a report export (board pack, CSV or Marac return)"
    ),
    AuditAction.REPORT_EXPORT_DOWNLOADED: "Downloaded a report export (CSV or Marac return)",
    AuditAction.REPORT_EXPORTED_COMMAND_LINE: (
        "Wrote a report export to a file on the server (flask reports export)"
    ),
    AuditAction.EXPORT_CSV: "Exported a CSV file",
    AuditAction.EXPORT_MARAC_RETURN: "Exported the Marac quarterly data return",
    AuditAction.AUDIT_ACCESS_LOG_VIEWED: "Looked up who accessed this record",
    AuditAction.AUDIT_RECORD_SEARCHED: "Searched for a record to check who accessed it",
}

_BY_VALUE: dict[str, AuditAction] = {member.value: member for member in AuditAction}


def lookup(action: str) -> AuditAction:
    """The catalogue's member for ``action`` (a member or its string); refuses anything else."""
    try:
        return _BY_VALUE[action]
    except (KeyError, TypeError):
        raise UnknownAuditAction(
            f"{action!r} is not an audit action: add it to daservice/audit/actions.py"
        ) from None


def label(action: str) -> str:
    """Plain English for an action, for the DPO's view. A code no longer in the catalogue (an old
    event) is shown as it was stored rather than hidden."""
    member = _BY_VALUE.get(action)
    return LABELS[member] if member is not None else action
