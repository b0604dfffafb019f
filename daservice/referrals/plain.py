"""A referral's stored values in the words the referral page shows (walkthrough S5, S10, S16)."""

from __future__ import annotations

from datetime import date

CONSENT_WORDS = {
    "given": "Yes, they have agreed to this referral",
    "refused": "No, they have not agreed to this referral",
    "not_sought": "They have not been asked yet",
}
NEED_LABELS = {
    "housing": "Housing or a safe place to stay",
    "children": "Support with children",
    "substance_use": "Drugs or alcohol",
    "mental_health": "Mental health",
    "immigration": "Immigration status",
    "financial": "Money or debt",
    "legal": "Legal advice",
}
# The lawful bases in plain English; the legal reference is the option's hint.
LAWFUL_BASES = (
    (
        "dpa2018_sch1_para18",
        "To safeguard a child or an adult at risk",
        "UK GDPR Art. 6(1)(e) and Art. 9(2)(g); DPA 2018 Sch. 1 para 18",
    ),
    (
        "cda1998_s115",
        "To prevent or detect crime",
        "UK GDPR Art. 6(1)(e); Crime and Disorder Act 1998 s.115",
    ),
    (
        "vital_interests",
        "To protect someone's life",
        "UK GDPR Art. 6(1)(d) and Art. 9(2)(c)",
    ),
)
LAWFUL_BASIS_WORDS = {code: f"{plain} ({legal})" for code, plain, legal in LAWFUL_BASES}
ANSWER_WORDS = {"yes": "Yes", "no": "No", "not_known": "Not known"}
STATUS_WORDS = {
    "held_for_consent": "Held for consent",
    "pending": "Pending",
    "accepted": "Accepted",
    "declined": "Declined",
    "contact_attempted": "Contact attempted",
    "in_support": "In support",
    "closed": "Closed",
}
# GOV.UK tag colours by what the status asks of the worker; the text always says it too.
STATUS_COLOURS = {
    "held_for_consent": "govuk-tag--yellow",
    "pending": "",  # the default blue: new, waiting for the service
    "accepted": "govuk-tag--teal",
    "declined": "govuk-tag--orange",
    "contact_attempted": "govuk-tag--purple",
    "in_support": "govuk-tag--green",
    "closed": "govuk-tag--grey",
}


def long_date(value: str | date | None, missing: str = "Not given") -> str:
    """``14 June 1991`` for a stored ISO date (or a date); ``missing`` when there is none."""
    if not value:
        return missing
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)  # not a date we wrote: show it as it was given
    return f"{day.day} {day:%B %Y}"


def status_tag(status: str, *, fit: bool = False) -> dict[str, str]:
    """Parameters for ``govukTag``: the status in words, coloured by meaning. In a table the tag
    wraps within GOV.UK's maximum width; ``fit`` sizes it to its text instead (in a sentence)."""
    classes = STATUS_COLOURS.get(status, "") + (" app-tag--fit" if fit else "")
    return {"text": STATUS_WORDS.get(status, status), "classes": classes.strip()}
