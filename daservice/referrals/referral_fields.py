"""What a referral holds, declared once: every field the API accepts, by its dotted path.

``validation.parse`` reads each field by its declaration (its limit, whether it is required, the
label its messages use), the OpenAPI document (``api.schemas``) states the same and the web
journey's questions take their character limits from here. A field of a child is declared under
``children.`` (sent as ``children.0.name``, ``children.1.name``, ...).

Kinds: ``text``; ``phone``, ``postcode`` and ``email`` (text in a format); ``date`` (ISO, in the
past); ``bool``; ``enum`` (one of ``choices``); ``list`` (some of ``choices``). An enum or list
has messages of its own in ``validation`` (its label here only names it). The risk answers and
the number of incidents have rules of their own (``validation`` and ``api.schemas``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .referral_input import CONSENT, LEGAL_BASES, NEEDS

TEXT_KINDS = frozenset({"text", "phone", "postcode", "email"})


@dataclass(frozen=True)
class Field:
    path: str
    kind: str
    label: str  # as the messages say it: "Enter {label}", "{Label} must be ... or fewer"
    limit: int | None = None  # characters, counted as sent (text kinds only)
    required: bool = False
    choices: tuple[str, ...] = ()
    note: str | None = None  # the OpenAPI document's description of it

    @property
    def key(self) -> str:
        """Its name within its object: ``first_name`` for ``victim.first_name``."""
        return self.path.rpartition(".")[2]

    @property
    def parent(self) -> str:
        """The object it belongs to: ``victim``, ``children``, ``consent.override`` or ``""``."""
        return self.path.rpartition(".")[0]


REQUIRED = True

# Field(path, kind, label in messages, character limit, required)
FIELDS: tuple[Field, ...] = (
    # The person being referred
    Field("victim.first_name", "text", "their first name", 100, REQUIRED),
    Field("victim.last_name", "text", "their last name", 100, REQUIRED),
    Field("victim.other_names", "text", "other names", 200),
    Field("victim.date_of_birth", "date", "date of birth"),
    Field("victim.gender", "text", "gender", 50),
    Field("victim.pronouns", "text", "pronouns", 50),
    Field("victim.address", "text", "their address", 500),
    Field("victim.postcode", "postcode", "a postcode", 10),
    Field("victim.phone", "phone", "a phone number", 30),
    Field("victim.email", "email", "an email address", 254),
    Field("victim.language", "text", "preferred language", 50),
    Field("victim.interpreter_needed", "bool", "an interpreter is needed"),
    Field("victim.disability", "text", "disability or access needs", 500),
    # How to contact them safely
    Field("safe_contact.safe_to_contact", "bool", "it is safe to contact them", None, REQUIRED),
    Field("safe_contact.phone", "phone", "a phone number", 30),
    Field("safe_contact.safe_times", "text", "when it is safe to contact them", 200),
    Field("safe_contact.voicemail_ok", "bool", "voicemail is safe"),
    Field("safe_contact.text_ok", "bool", "texts are safe"),
    Field("safe_contact.letters_ok", "bool", "letters are safe"),
    Field("safe_contact.code_word", "text", "the code word", 50),
    Field("safe_contact.notes", "text", "anything else about contacting them safely", 1000),
    Field("safe_contact.who_must_not_know", "text", "who must not know", 500),
    # The person causing harm (optional as a whole)
    Field("perpetrator.first_name", "text", "their first name", 100, REQUIRED),
    Field("perpetrator.last_name", "text", "their last name", 100, REQUIRED),
    Field("perpetrator.date_of_birth", "date", "date of birth"),
    Field(
        "perpetrator.relationship",
        "text",
        "their relationship to the person you are referring",
        100,
        REQUIRED,
    ),
    Field("perpetrator.address", "text", "their address", 500),
    # Each child in the household, sent as children.0, children.1, ...
    Field("children.name", "text", "the child's name", 100, REQUIRED),
    Field("children.date_of_birth", "date", "date of birth"),
    Field(
        "children.relationship_to_victim",
        "text",
        "relationship to the person you are referring",
        50,
    ),
    Field(
        "children.relationship_to_perpetrator",
        "text",
        "relationship to the person causing harm",
        50,
    ),
    Field("children.school", "text", "school or nursery", 200),
    # The risk assessment (its 24 answers and the number of incidents have rules of their own)
    Field("risk.tool", "enum", "risk tool", None, REQUIRED, choices=("dash",)),
    Field("risk.professional_judgement", "bool", "you are using professional judgement"),
    Field(
        "risk.judgement_reason",
        "text",
        "why it should go to Marac",
        2000,
        note="Required when professional_judgement is true",
    ),
    # Consent, and the lawful basis for sharing without it (consent.override, optional)
    Field(
        "consent.status",
        "enum",
        "if they have agreed to this referral",
        None,
        REQUIRED,
        choices=CONSENT,
    ),
    Field(
        "consent.override.legal_basis",
        "enum",
        "why it must be shared without their consent",
        None,
        REQUIRED,
        choices=tuple(LEGAL_BASES),
        note="; ".join(f"{k}: {v}" for k, v in LEGAL_BASES.items()),
    ),
    Field(
        "consent.override.reason",
        "text",
        "why it must be shared without their consent",
        2000,
        REQUIRED,
    ),
    # The referral itself
    Field("needs", "list", "needs", choices=NEEDS, note="Each need once; a repeat is ignored"),
    Field("narrative", "text", "what happened", 10000, REQUIRED),
    Field("refer_perpetrator_to_programme", "bool", "to refer the perpetrator to a programme"),
)

FIELD: dict[str, Field] = {f.path: f for f in FIELDS}


def fields_of(parent: str) -> tuple[Field, ...]:
    """The declared fields of one object (``"victim"``; ``""`` for the referral's own), in order."""
    return tuple(f for f in FIELDS if f.parent == parent)


def limit(path: str) -> int:
    """A text field's character limit."""
    declared = FIELD[path].limit
    if declared is None:
        raise KeyError(f"{path} has no character limit")
    return declared
