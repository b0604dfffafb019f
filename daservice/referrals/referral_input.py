"""What a valid referral is made of: the vocabularies its answers come from, and the value that
``validation.parse`` gives back (or the ``Invalid`` it raises)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .risk import Answer

NEEDS = (
    "housing",
    "children",
    "substance_use",
    "mental_health",
    "immigration",
    "financial",
    "legal",
)
LEGAL_BASES = {
    "dpa2018_sch1_para18": "UK GDPR Art. 6(1)(e) and Art. 9(2)(g); DPA 2018 Sch. 1 para 18 "
    "(safeguarding of children and of individuals at risk)",
    "cda1998_s115": "UK GDPR Art. 6(1)(e); Crime and Disorder Act 1998 s.115 (preventing crime)",
    "vital_interests": "UK GDPR Art. 6(1)(d) and Art. 9(2)(c) (protecting someone's life)",
}
CONSENT = ("given", "refused", "not_sought")
ANSWERS = frozenset(a.value for a in Answer)
MAX_CHILDREN = 20
# What counts as a space, here and in the OpenAPI document's patterns: ECMAScript's ``\s``, spelt
# out so that every regex engine agrees. (Python's ``\s`` and ``str.strip()`` also take some control
# characters for spaces, which the document could not say.)
SPACES = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# The same, to go inside [...] in a regex of any dialect.
SPACE_CLASS = r"\u0009-\u000d\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


class Invalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid referral")
        self.errors = errors


@dataclass
class Victim:
    first_name: str
    last_name: str
    other_names: str | None = None
    date_of_birth: date | None = None
    gender: str | None = None
    pronouns: str | None = None
    address: str | None = None
    postcode: str | None = None
    phone: str | None = None
    email: str | None = None
    language: str | None = None
    interpreter_needed: bool = False
    disability: str | None = None


@dataclass
class Perpetrator:
    first_name: str
    last_name: str
    relationship: str
    date_of_birth: date | None = None
    address: str | None = None


@dataclass
class ReferralInput:
    victim: Victim
    safe_contact: dict[str, Any]
    risk_answers: dict[str, Answer]
    narrative: str
    consent_status: str
    perpetrator: Perpetrator | None = None
    children: list[dict[str, Any]] = field(default_factory=list)
    professional_judgement: bool = False
    judgement_reason: str | None = None
    incidents_past_12_months: int | None = None
    override_legal_basis: str | None = None
    override_reason: str | None = None
    needs: list[str] = field(default_factory=list)
    refer_perpetrator_to_programme: bool = False
