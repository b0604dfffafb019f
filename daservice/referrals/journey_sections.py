"""The web referral journey, declared once: its sections, their pages and each page's questions.

Everything the journey shows or decides comes from this declaration: the forms
(``journey_forms.form_for``), what a page loads from and saves to a draft's answers, which
validation error belongs to which field, each section's task-list status and the rows of Check
answers. A draft's answers are API-shaped (``drafts.as_referral``), so the web and the API share
``validation.parse``; the few answers only the journey needs (whether the person causing harm is
known, whether there are children, which pages were saved) live under ``_`` keys.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..uk_time import uk_relative
from . import drafts, referral_fields
from .drafts import NO_OVERRIDE
from .plain import LAWFUL_BASES, NEED_LABELS
from .risk import DASH_ERRORS, DASH_QUESTIONS
from .validation import NEEDS, Invalid, parse

Answers = dict[str, Any]
Values = Mapping[str, Any]  # a page's submitted values, by question name

YES_NO = (("yes", "Yes"), ("no", "No"))
RISK_CHOICES = (("yes", "Yes"), ("no", "No"), ("not_known", "Not known"))
CONSENT_CHOICES = (
    ("given", "Yes, they have given consent"),
    ("refused", "No, they have refused"),
    ("not_sought", "I have not been able to ask them"),
)


# --- Reading and writing answers ---------------------------------------------------------------


def _get(data: Mapping[str, Any] | None, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        if not isinstance(data.get(key), dict):
            data[key] = {}
        data = data[key]
    data[path[-1]] = value


def show_date(iso: Any) -> str | None:
    """An ISO date as GOV.UK writes it: ``14 June 1991``."""
    try:
        day = date.fromisoformat(iso) if isinstance(iso, str) else None
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}" if day else None


POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")


def normal_postcode(value: str | None) -> str | None:
    """``ig11dd`` as ``IG1 1DD``: capitals, one space before the inward code. Anything that is not
    a postcode is left as typed, for validation to explain."""
    if not value:
        return value
    squashed = re.sub(r"\s+", "", value).upper()
    match = POSTCODE.match(squashed) if squashed.isascii() else None
    return f"{match[1]} {match[2]}" if match else value


# --- The declaration ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Question:
    """One question on a page. ``name`` is the form field's name and its HTML id (a Change link
    goes to ``#name``); ``load``/``save`` move its value between the answers and the form; ``show``
    is its answer on Check answers (None: not given)."""

    name: str
    label: str
    kind: str  # text | textarea | radios | checkboxes | date
    load: Callable[[Mapping[str, Any]], Any]
    save: Callable[[dict[str, Any], Any, Values], None]
    show: Callable[[Mapping[str, Any]], str | None]
    error_paths: tuple[str, ...] = ()  # validation.parse paths whose messages belong here
    short: str | None = None  # its key on Check answers, when not the label
    hint: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    choice_hints: Mapping[str, str] = field(default_factory=dict)
    limit: int | None = None  # characters; shown with a character count
    width: str | None = None  # a GOV.UK input width class
    input_type: str = "text"
    required: str | None = None  # an explicit answer is needed: the message when there is none
    reveal: tuple[str, str] | None = None  # shown inside radios (name, value) when chosen
    visible: Callable[[Mapping[str, Any]], bool] = lambda a: True
    date_message: str = ""
    optional_label: bool = False  # add "(optional)" to the label

    @property
    def key(self) -> str:
        return self.short or self.label

    @property
    def shown_label(self) -> str:
        return f"{self.label} (optional)" if self.optional_label else self.label


def _saver(path: tuple[str, ...], encode: Callable[[Any], Any]) -> Any:
    def save(a: dict[str, Any], value: Any, values: Values) -> None:
        _put(a, path, encode(value))

    return save


def text(
    name: str,
    label: str,
    path: tuple[str, ...],
    *,
    declared: str | None = None,
    textarea: bool = False,
    optional: bool = True,
    normalise: Callable[[str | None], str | None] = lambda v: v,
    **kwargs: Any,
) -> Question:
    """A text answer (a character count on a text area), as long as ``referral_fields`` lets the
    field at ``path`` be (``declared``: the field's declared path, when not ``path``)."""
    kwargs.setdefault("error_paths", (".".join(path),))
    return Question(
        name=name,
        label=label,
        kind="textarea" if textarea else "text",
        load=lambda a: _get(a, path),
        save=_saver(path, lambda v: normalise(v or None)),
        show=lambda a: _get(a, path) or None,
        limit=referral_fields.limit(declared or ".".join(path)),
        optional_label=optional,
        **kwargs,
    )


def yes_no(name: str, label: str, path: tuple[str, ...], **kwargs: Any) -> Question:
    """A yes or no answer kept as true or false; unanswered stays None, never "No"."""
    kwargs.setdefault("error_paths", (".".join(path),))
    return Question(
        name=name,
        label=label,
        kind="radios",
        choices=YES_NO,
        load=lambda a: {True: "yes", False: "no"}.get(_get(a, path)),
        save=_saver(path, lambda v: {"yes": True, "no": False}.get(v)),
        show=lambda a: {True: "Yes", False: "No"}.get(_get(a, path)),
        **kwargs,
    )


def choice(
    name: str,
    label: str,
    path: tuple[str, ...],
    choices: tuple[tuple[str, str], ...],
    **kwargs: Any,
) -> Question:
    """One of several answers, kept as its code and shown by its label."""
    labels = dict(choices)
    kwargs.setdefault("error_paths", (".".join(path),))
    return Question(
        name=name,
        label=label,
        kind="radios",
        choices=choices,
        load=lambda a: _get(a, path),
        save=_saver(path, lambda v: v or None),
        show=lambda a: labels.get(_get(a, path)),
        **kwargs,
    )


def a_date(name: str, label: str, path: tuple[str, ...], message: str, **kwargs: Any) -> Question:
    def load(a: Mapping[str, Any]) -> date | None:
        try:
            value = _get(a, path)
            return date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None

    kwargs.setdefault("error_paths", (".".join(path),))
    return Question(
        name=name,
        label=label,
        kind="date",
        load=load,
        save=_saver(path, lambda v: v.isoformat() if v else None),
        show=lambda a: show_date(_get(a, path)),
        date_message=message,
        optional_label=True,
        **kwargs,
    )


def _has_name(a: Mapping[str, Any]) -> bool:
    return bool(_get(a, ("victim", "first_name")) or _get(a, ("victim", "last_name")))


def person(a: Mapping[str, Any]) -> str:
    """Who the referral is about, as the pages name them: their name once given."""
    name = " ".join(
        n for n in (_get(a, ("victim", "first_name")), _get(a, ("victim", "last_name"))) if n
    )
    return name or "the person you are referring"


def initials(a: Mapping[str, Any]) -> str | None:
    """``A. K.`` for Aisha Khan: enough to tell drafts apart, no more."""
    names = [_get(a, ("victim", "first_name")), _get(a, ("victim", "last_name"))]
    letters = [f"{n.strip()[0].upper()}." for n in names if isinstance(n, str) and n.strip()]
    return " ".join(letters) or None


SAFE_METHODS = (
    ("voicemail_ok", "Leaving a voicemail"),
    ("text_ok", "Sending a text"),
    ("letters_ok", "Sending a letter"),
)


def _methods_save(a: dict[str, Any], value: Any, values: Values) -> None:
    for method, _label in SAFE_METHODS:
        _put(a, ("safe_contact", method), method in (value or []))


def _methods_show(a: Mapping[str, Any]) -> str | None:
    chosen = [label for m, label in SAFE_METHODS if _get(a, ("safe_contact", m))]
    if not any(_get(a, ("safe_contact", m)) is not None for m, _ in SAFE_METHODS):
        return None
    return ", ".join(chosen) or "None of these"


def _incidents_save(a: dict[str, Any], value: Any, values: Values) -> None:
    raw = (value or "").strip()
    # A number is kept as one; anything else as typed, so validation can say what is wrong.
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else (raw or None)
    _put(a, ("risk", "incidents_past_12_months"), number)
    _put(a, ("risk", "tool"), "dash")


def _known(a: Mapping[str, Any]) -> bool:
    return a.get("_perpetrator_known") == "yes"


def _override_question(status: str, kind: str) -> Question:
    """The lawful basis and reason, revealed under "refused" and again under "not asked" (one
    copy each: a field can be on a page once), saved only from the status chosen."""
    path = ("consent", "override", "legal_basis" if kind == "basis" else "reason")

    def save(a: dict[str, Any], value: Any, values: Values) -> None:
        if values.get("status") == status:
            _put(a, path, value or None)

    def visible(a: Mapping[str, Any]) -> bool:
        return bool(_get(a, ("consent", "status")) == status)

    if kind == "basis":
        labels = {code: plain for code, plain, _legal in LAWFUL_BASES}
        return Question(
            name=f"{status}_legal_basis",
            label="Do you need to share this referral without their consent?",
            short="Sharing without consent",
            kind="radios",
            choices=tuple(
                (code, f"Yes, {plain[0].lower()}{plain[1:]}") for code, plain, _ in LAWFUL_BASES
            )
            + ((NO_OVERRIDE, "No, only send it to services that can receive it without consent"),),
            choice_hints={code: legal for code, _plain, legal in LAWFUL_BASES},
            hint="Only share without consent if the risk means you must.",
            load=lambda a: _get(a, path),
            save=save,
            show=lambda a: (
                labels.get(_get(a, path))
                or "No, only to services that can receive it without consent"
            ),
            error_paths=("consent.override.legal_basis", "consent.override"),
            required="Select if you need to share this referral without their consent",
            reveal=("status", status),
            visible=visible,
        )
    return Question(
        name=f"{status}_reason",
        label="Why must it be shared without their consent?",
        short="Why without consent",
        kind="textarea",
        limit=referral_fields.limit(".".join(path)),
        load=lambda a: _get(a, path),
        save=save,
        show=lambda a: _get(a, path),
        error_paths=("consent.override.reason",),
        reveal=("status", status),
        hint="Only if you are sharing it without their consent",
        visible=lambda a: (
            visible(a)
            and _get(a, ("consent", "override", "legal_basis")) not in (None, NO_OVERRIDE)
        ),
        optional_label=False,
    )


def _consent_after(a: dict[str, Any]) -> None:
    consent = a.get("consent") or {}
    override = consent.get("override") or {}
    if consent.get("status") == "given" or not any(override.values()):
        consent.pop("override", None)
    elif override.get("legal_basis") == NO_OVERRIDE:
        override["reason"] = None  # not sharing without consent: there is no reason to give
    a["consent"] = consent


def _perpetrator_after(a: dict[str, Any]) -> None:
    if a.get("_perpetrator_known") == "no":
        a["perpetrator"] = None
        a["refer_perpetrator_to_programme"] = None


def _judgement_after(a: dict[str, Any]) -> None:
    risk = a.get("risk") or {}
    risk["tool"] = "dash"
    if risk.get("professional_judgement") is not True:
        risk["judgement_reason"] = None
    a["risk"] = risk


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Page:
    slug: str
    title: str  # may name the person: "{person}"
    questions: tuple[Question, ...]
    intro: str | None = None
    applies: Callable[[Mapping[str, Any]], bool] = lambda a: True
    after_save: Callable[[dict[str, Any]], None] | None = None

    def heading(self, a: Mapping[str, Any]) -> str:
        return self.title.format(person=person(a))


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Section:
    slug: str
    title: str
    pages: tuple[Page, ...]  # empty for the children's add-another pages (journey.py)


def _risk_saver(number: str) -> Callable[[dict[str, Any], Any, Values], None]:
    def save(a: dict[str, Any], value: Any, values: Values) -> None:
        _put(a, ("risk", "answers", number), value or None)
        _put(a, ("risk", "tool"), "dash")

    return save


def _risk_question(n: int) -> Question:
    path = ("risk", "answers", str(n))
    return Question(
        name=f"q{n}",
        label=DASH_QUESTIONS[str(n)],
        kind="radios",
        choices=RISK_CHOICES,
        load=lambda a: _get(a, path),
        save=_risk_saver(str(n)),
        show=lambda a: dict(RISK_CHOICES).get(_get(a, path)),
        error_paths=(".".join(path),),
        required=DASH_ERRORS[str(n)],
    )


def _risk_page(number: int, first: int, last: int) -> Page:
    return Page(
        slug=f"risk-{number}",
        title=f"Risk questions ({number} of 5)",
        intro='Ask them each question. Answer "Not known" if they did not answer or you could '
        "not ask.",
        questions=tuple(_risk_question(n) for n in range(first, last + 1)),
    )


VICTIM = "victim"
SECTIONS: tuple[Section, ...] = (
    Section(
        "victim",
        "About the person you are referring",
        (
            Page(
                "victim",
                "About the person you are referring",
                (
                    text(
                        "first_name",
                        "First name",
                        (VICTIM, "first_name"),
                        optional=False,
                        width="govuk-!-width-two-thirds",
                    ),
                    text(
                        "last_name",
                        "Last name",
                        (VICTIM, "last_name"),
                        optional=False,
                        width="govuk-!-width-two-thirds",
                    ),
                    text(
                        "other_names",
                        "Other names they are known by",
                        (VICTIM, "other_names"),
                    ),
                    a_date(
                        "date_of_birth",
                        "Date of birth",
                        (VICTIM, "date_of_birth"),
                        "Date of birth must be a real date",
                        hint="For example, 27 3 1990",
                    ),
                    text(
                        "pronouns",
                        "Pronouns",
                        (VICTIM, "pronouns"),
                        hint="For example, she/her, he/him, they/them. Ask them if you can.",
                        width="govuk-input--width-20",
                    ),
                    text(
                        "gender",
                        "Gender",
                        (VICTIM, "gender"),
                        width="govuk-input--width-20",
                    ),
                ),
            ),
            Page(
                "victim-address",
                "Where {person} lives",
                (
                    text("address", "Address", (VICTIM, "address"), textarea=True),
                    text(
                        "postcode",
                        "Postcode",
                        (VICTIM, "postcode"),
                        width="govuk-input--width-10",
                        normalise=normal_postcode,
                    ),
                    text(
                        "phone",
                        "Phone number",
                        (VICTIM, "phone"),
                        width="govuk-input--width-20",
                        input_type="tel",
                        hint="How to contact them safely comes in the next section.",
                    ),
                    text("email", "Email address", (VICTIM, "email"), input_type="email"),
                ),
            ),
            Page(
                "victim-needs",
                "Language and access needs",
                (
                    text(
                        "language",
                        "Preferred language",
                        (VICTIM, "language"),
                        width="govuk-input--width-20",
                    ),
                    yes_no(
                        "interpreter_needed",
                        "Do they need an interpreter?",
                        (VICTIM, "interpreter_needed"),
                        short="Interpreter needed",
                        required="Select if they need an interpreter",
                    ),
                    text(
                        "disability",
                        "Disability or access needs",
                        (VICTIM, "disability"),
                        textarea=True,
                    ),
                ),
            ),
        ),
    ),
    Section(
        "safe-contact",
        "Contacting them safely",
        (
            Page(
                "safe-contact",
                "Contacting {person} safely",
                (
                    yes_no(
                        "safe_to_contact",
                        "Is it safe to contact them?",
                        ("safe_contact", "safe_to_contact"),
                        short="Safe to contact",
                        required="Select if it is safe to contact them",
                    ),
                    text(
                        "safe_phone",
                        "Safe phone number",
                        ("safe_contact", "phone"),
                        width="govuk-input--width-20",
                        input_type="tel",
                    ),
                    text(
                        "safe_times",
                        "When is it safe to contact them?",
                        ("safe_contact", "safe_times"),
                        textarea=True,
                        hint="For example, weekdays 10am to 2pm",
                    ),
                ),
                intro="Services read this before they contact them, every time. Tell them what "
                "keeps them safe.",
            ),
            Page(
                "safe-methods",
                "How services may contact {person}",
                (
                    Question(
                        name="methods",
                        label="Which of these are safe?",
                        short="Safe ways to contact them",
                        kind="checkboxes",
                        choices=SAFE_METHODS,
                        hint="Select all that are safe. Leave all unticked if none are.",
                        load=lambda a: [m for m, _ in SAFE_METHODS if _get(a, ("safe_contact", m))],
                        save=_methods_save,
                        show=_methods_show,
                        error_paths=tuple(f"safe_contact.{m}" for m, _ in SAFE_METHODS),
                    ),
                    text(
                        "code_word",
                        "Code word",
                        ("safe_contact", "code_word"),
                        hint="A word they can use to show it is safe to talk",
                        width="govuk-input--width-20",
                    ),
                    text(
                        "who_must_not_know",
                        "Who must not know about this referral?",
                        ("safe_contact", "who_must_not_know"),
                        textarea=True,
                    ),
                    text(
                        "notes",
                        "Anything else about contacting them safely",
                        ("safe_contact", "notes"),
                        textarea=True,
                    ),
                ),
            ),
        ),
    ),
    Section(
        "perpetrator",
        "The person causing harm",
        (
            Page(
                "perpetrator",
                "The person causing harm",
                (
                    choice(
                        "known",
                        "Do you know who is causing harm?",
                        ("_perpetrator_known",),
                        YES_NO,
                        short="Known",
                        required="Select if you know who is causing harm",
                        error_paths=("perpetrator",),
                    ),
                ),
                after_save=_perpetrator_after,
            ),
            Page(
                "perpetrator-details",
                "About the person causing harm",
                (
                    text(
                        "perp_first_name",
                        "Their first name",
                        ("perpetrator", "first_name"),
                        optional=False,
                        width="govuk-!-width-two-thirds",
                    ),
                    text(
                        "perp_last_name",
                        "Their last name",
                        ("perpetrator", "last_name"),
                        optional=False,
                        width="govuk-!-width-two-thirds",
                    ),
                    text(
                        "relationship",
                        "Their relationship to {person}",
                        ("perpetrator", "relationship"),
                        optional=False,
                        hint="For example, partner, ex-partner, son",
                    ),
                    a_date(
                        "perp_date_of_birth",
                        "Their date of birth",
                        ("perpetrator", "date_of_birth"),
                        "Their date of birth must be a real date",
                        hint="For example, 27 3 1985",
                    ),
                    text(
                        "perp_address",
                        "Their address",
                        ("perpetrator", "address"),
                        textarea=True,
                    ),
                    yes_no(
                        "refer_to_programme",
                        "Refer them to a perpetrator programme?",
                        ("refer_perpetrator_to_programme",),
                        required="Select if you want to refer them to a perpetrator programme",
                    ),
                ),
                applies=_known,
            ),
        ),
    ),
    Section("children", "Children in the household", ()),
    Section(
        "risk",
        "Risk questions",
        (
            _risk_page(1, 1, 6),
            _risk_page(2, 7, 12),
            _risk_page(3, 13, 18),
            _risk_page(4, 19, 24),
            Page(
                "risk-5",
                "Risk questions (5 of 5)",
                (
                    Question(
                        name="incidents_past_12_months",
                        label="How many incidents of domestic abuse in the past 12 months?",
                        short="Incidents in the past 12 months",
                        kind="text",
                        hint="Include incidents not reported to the police",
                        width="govuk-input--width-4",
                        optional_label=True,
                        load=lambda a: (
                            None
                            if _get(a, ("risk", "incidents_past_12_months")) is None
                            else str(_get(a, ("risk", "incidents_past_12_months")))
                        ),
                        save=_incidents_save,
                        show=lambda a: (
                            None
                            if _get(a, ("risk", "incidents_past_12_months")) is None
                            else str(_get(a, ("risk", "incidents_past_12_months")))
                        ),
                        error_paths=("risk.incidents_past_12_months",),
                    ),
                    yes_no(
                        "professional_judgement",
                        "In your professional judgement, should this go to Marac whatever "
                        "the score?",
                        ("risk", "professional_judgement"),
                        short="Professional judgement: Marac",
                        required="Select if, in your professional judgement, this should go "
                        "to Marac",
                    ),
                    text(
                        "judgement_reason",
                        "Why should it go to Marac?",
                        ("risk", "judgement_reason"),
                        textarea=True,
                        optional=False,
                        reveal=("professional_judgement", "yes"),
                        visible=lambda a: _get(a, ("risk", "professional_judgement")) is True,
                    ),
                ),
                after_save=_judgement_after,
            ),
        ),
    ),
    Section(
        "about",
        "Needs and what happened",
        (
            Page(
                "about",
                "Needs and what happened",
                (
                    Question(
                        name="needs",
                        label="What else do they need help with?",
                        short="Needs",
                        kind="checkboxes",
                        hint="Select all that apply",
                        choices=tuple((n, NEED_LABELS[n]) for n in NEEDS),
                        load=lambda a: a.get("needs") or [],
                        save=lambda a, v, values: a.__setitem__("needs", list(v or [])),
                        show=lambda a: (
                            ", ".join(NEED_LABELS.get(n, n) for n in a["needs"]) or "None of these"
                            if a.get("needs") is not None
                            else None
                        ),
                        error_paths=("needs",),
                    ),
                    text(
                        "narrative",
                        "What happened?",
                        ("narrative",),
                        textarea=True,
                        optional=False,
                        hint="Say what happened in their words where you can.",
                    ),
                ),
            ),
        ),
    ),
    Section(
        "consent",
        "Consent",
        (
            Page(
                "consent",
                "Consent",
                (
                    choice(
                        "status",
                        "Has {person} agreed to this referral?",
                        ("consent", "status"),
                        CONSENT_CHOICES,
                        short="Consent",
                        required="Select if they have agreed to this referral",
                    ),
                    _override_question("refused", "basis"),
                    _override_question("refused", "reason"),
                    _override_question("not_sought", "basis"),
                    _override_question("not_sought", "reason"),
                ),
                after_save=_consent_after,
            ),
        ),
    ),
)

# The children's add-another pages: one child per page.
CHILD_QUESTIONS: tuple[Question, ...] = (
    text(
        "name",
        "Child's name",
        ("name",),
        declared="children.name",
        optional=False,
        width="govuk-!-width-two-thirds",
    ),
    a_date(
        "date_of_birth",
        "Child's date of birth",
        ("date_of_birth",),
        "The child's date of birth must be a real date",
        hint="For example, 2 2 2019",
    ),
    text(
        "relationship_to_victim",
        "Relationship to {person}",
        ("relationship_to_victim",),
        declared="children.relationship_to_victim",
        hint="For example, son, daughter, stepson",
    ),
    text(
        "relationship_to_perpetrator",
        "Relationship to the person causing harm",
        ("relationship_to_perpetrator",),
        declared="children.relationship_to_perpetrator",
    ),
    text("school", "School or nursery", ("school",), declared="children.school"),
)

PAGES: dict[str, Page] = {p.slug: p for s in SECTIONS for p in s.pages}
SECTION_OF_PAGE: dict[str, Section] = {p.slug: s for s in SECTIONS for p in s.pages}
BY_SECTION: dict[str, Section] = {s.slug: s for s in SECTIONS}


# --- What the answers say ----------------------------------------------------------------------


class Status(enum.StrEnum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"


def validation_errors(a: Mapping[str, Any]) -> dict[str, list[str]]:
    """The shared validation rules' messages for the draft, by dotted path."""
    try:
        parse(drafts.as_referral(dict(a)))
    except Invalid as invalid:
        return invalid.errors
    return {}


def page_problems(
    page: Page, a: Mapping[str, Any], errors: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """The problems with a page's saved answers, by question name: what validation says about
    its fields and any explicit answer the journey needs but has not had."""
    errors = validation_errors(a) if errors is None else errors
    found: dict[str, list[str]] = {}
    for q in page.questions:
        if not q.visible(a):
            continue
        for path in q.error_paths:
            for message in errors.get(path, []):
                if message not in found.get(q.name, []):
                    found.setdefault(q.name, []).append(message)
        value = q.load(a)
        if q.required and value in (None, "") and q.name not in found:
            found[q.name] = [q.required]
        # An answer only the journey keeps has no shared rule: its limit is checked here.
        if q.limit and isinstance(value, str) and len(value) > q.limit and q.name not in found:
            found[q.name] = [f"{q.label} must be {q.limit:,} characters or fewer"]
    return found


def saved_pages(a: Mapping[str, Any]) -> set[str]:
    return set(a.get("_saved") or [])


def children_known(a: Mapping[str, Any]) -> str | None:
    """ "yes" or "no" once answered: a child added means yes."""
    return "yes" if a.get("children") else a.get("_children")


def child_problems(a: Mapping[str, Any], errors: dict[str, list[str]]) -> bool:
    return any(path.startswith("children") for path in errors) or any(
        not (c or {}).get("name") for c in a.get("children") or []
    )


def status(section: Section, a: Mapping[str, Any], errors: dict[str, list[str]]) -> Status:
    """Not started, In progress or Completed, from the answers and the shared rules."""
    saved = saved_pages(a)
    if section.slug == "children":
        known = children_known(a)
        if known is None:
            return Status.NOT_STARTED
        done = known == "no" or (a.get("_children_done") and not child_problems(a, errors))
        return Status.COMPLETED if done else Status.IN_PROGRESS
    pages = [p for p in section.pages if p.applies(a)]
    if not any(p.slug in saved for p in section.pages):
        return Status.NOT_STARTED
    complete = all(p.slug in saved and not page_problems(p, a, errors) for p in pages)
    return Status.COMPLETED if complete else Status.IN_PROGRESS


def statuses(a: Mapping[str, Any]) -> list[tuple[Section, Status]]:
    errors = validation_errors(a)
    return [(s, status(s, a, errors)) for s in SECTIONS]


def all_complete(a: Mapping[str, Any]) -> bool:
    return all(st == Status.COMPLETED for _s, st in statuses(a))


def progress(a: Mapping[str, Any]) -> tuple[int, int]:
    """How many sections are completed, of how many."""
    found = statuses(a)
    return sum(1 for _s, st in found if st == Status.COMPLETED), len(found)


def next_page(page: Page, a: Mapping[str, Any]) -> Page | None:
    """The section's next page that applies to these answers (None: the section is done)."""
    pages = SECTION_OF_PAGE[page.slug].pages
    for following in pages[pages.index(page) + 1 :]:
        if following.applies(a):
            return following
    return None


def previous_page(page: Page, a: Mapping[str, Any]) -> Page | None:
    pages = SECTION_OF_PAGE[page.slug].pages
    for earlier in reversed(pages[: pages.index(page)]):
        if earlier.applies(a):
            return earlier
    return None


# --- Check answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    value: str
    page: str  # the page's slug; a child's page is "child-<n>"
    field: str  # the field's id, for the Change link's #fragment


@dataclass(frozen=True)
class Group:
    title: str
    rows: list[Row]
    sub: bool = False  # a child within its section: an h3 under the section's h2


def answer_rows(a: Mapping[str, Any]) -> list[Group]:
    """Every answer, section by section, for Check answers: one row per question asked (those a
    page did not ask, like details of someone not known, are left out), each naming the field
    its Change link opens."""
    out: list[Group] = []
    name = person(a)
    for section in SECTIONS:
        if section.slug == "children":
            known = children_known(a)
            out.append(
                Group(
                    section.title,
                    [
                        Row(
                            "Are there any children in the household?",
                            {"yes": "Yes", "no": "No"}.get(known or "", "Not answered"),
                            "children",
                            "has_children",
                        )
                    ],
                )
            )
            for i, child in enumerate(a.get("children") or []):
                rows = [
                    Row(
                        q.label.format(person=name),
                        q.show(child) or "Not given",
                        f"child-{i}",
                        q.name,
                    )
                    for q in CHILD_QUESTIONS
                ]
                out.append(Group(f"Child {i + 1}", rows, sub=True))
            continue
        rows = []
        for page in section.pages:
            if not page.applies(a):
                continue
            for q in page.questions:
                if not q.visible(a):
                    continue
                value = q.show(a)
                if value is None:
                    value = "Not given" if q.optional_label else "Not answered"
                rows.append(Row(q.key.format(person=name), value, page.slug, q.name))
        out.append(Group(section.title, rows))
    return out


# --- The referrer's list of drafts ------------------------------------------------------------


def describe_draft(answers: Mapping[str, Any], updated_at: datetime, now: datetime) -> str:
    """One draft told apart from the others: ``Referral for A. K., 3 of 7 sections done, saved
    8:34am today`` (initials only: the list is a link text anyone near the screen can read)."""
    done, total = progress(answers)
    who = initials(answers)
    return (
        f"Referral for {who}" if who else "Referral (no name yet)"
    ) + f", {done} of {total} sections done, saved {uk_relative(updated_at, now)}"
