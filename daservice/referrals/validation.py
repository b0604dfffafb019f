"""Validating a referral, the same for the web journey and the JSON API.

``parse(data)`` returns a ``ReferralInput`` or raises ``Invalid`` with messages keyed by the
field's dotted path (``victim.date_of_birth``, ``children.0.name``, ``risk.answers.7``), in the
GOV.UK style: say what is wrong and how to fix it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .referral_fields import FIELD, fields_of, limit
from .referral_input import (
    ANSWERS,
    CONSENT,
    LEGAL_BASES,
    MAX_CHILDREN,
    NEEDS,
    SPACE_CLASS,
    SPACES,
    Invalid,
    Perpetrator,
    ReferralInput,
    Victim,
)
from .risk import DASH_ERRORS, DASH_QUESTIONS, Answer

__all__ = [
    "CONSENT",
    "LEGAL_BASES",
    "MAX_CHILDREN",
    "NEEDS",
    "SPACE_CLASS",
    "Invalid",
    "ReferralInput",
    "parse",
]

UK_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$")
# ASCII digits only: ``\d`` would also let through digits from other scripts.
UK_PHONE = re.compile(r"^(?:\+44|0044|0)[0-9]{9,10}$")
PHONE_SEPARATORS = re.compile(rf"[{SPACE_CLASS}()\-]")
EMAIL = re.compile(rf"^[^@{SPACE_CLASS}]+@[^@{SPACE_CLASS}]+\.[^@{SPACE_CLASS}]+$")


class _Reader:
    """Reads one JSON object, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def obj(self, data: Any, path: str, allowed: set[str], required: bool = True) -> dict[str, Any]:
        if data is None:
            if required:
                self.fail(path, f"Enter the {path.replace('_', ' ')} details")
            return {}
        if not isinstance(data, dict):
            self.fail(path, "Must be an object")
            return {}
        for unknown in sorted(set(data) - allowed):
            self.fail(f"{path}.{unknown}" if path else unknown, "Unknown field")
        return data

    def text(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        label: str,
        *,
        required: bool = False,
        limit: int,
    ) -> str | None:
        value = data.get(key)
        full = f"{path}.{key}" if path else key
        # The limit counts what was sent, spaces included (as the API's maxLength does), so it
        # comes first: too many spaces are too long, not blank.
        if isinstance(value, str) and len(value) > limit:
            self.fail(full, f"{label[0].upper()}{label[1:]} must be {limit:,} characters or fewer")
            return None
        if value is None or (isinstance(value, str) and not value.strip(SPACES)):
            if required:
                self.fail(full, f"Enter {label}")
            return None
        if not isinstance(value, str):
            self.fail(full, f"{label.capitalize()} must be text")
            return None
        return value.strip(SPACES)

    def boolean(
        self, data: dict[str, Any], key: str, path: str, label: str, *, required: bool = False
    ) -> bool | None:
        value = data.get(key)
        full = f"{path}.{key}" if path else key
        if value is None:
            if required:
                self.fail(full, f"Select if {label}")
            return None
        if not isinstance(value, bool):
            self.fail(full, f"Answer true or false for whether {label}")
            return None
        return value

    def past_date(self, data: dict[str, Any], key: str, path: str, label: str) -> date | None:
        value = data.get(key)
        full = f"{path}.{key}"
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            self.fail(full, f"{label.capitalize()} must be a real date, like 1990-03-27")
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            self.fail(full, f"{label.capitalize()} must be a real date")
            return None
        if parsed > date.today():
            self.fail(full, f"{label.capitalize()} must be in the past")
            return None
        if parsed.year < date.today().year - 120:
            self.fail(full, f"{label.capitalize()} must be in {date.today().year - 120} or later")
            return None
        return parsed

    def declared(self, data: dict[str, Any], name: str, at: str | None = None) -> str | None:
        """A text field read as ``referral_fields`` declares it: its label, limit, whether it is
        required and, for a phone number, postcode or email address, its format. ``at`` is the
        path it was sent at when that is not its declared one (``children.0``)."""
        f = FIELD[name]
        path = f.parent if at is None else at
        value = self.text(data, f.key, path, f.label, required=f.required, limit=limit(name))
        full = f"{path}.{f.key}" if path else f.key
        if f.kind == "phone" and value and not UK_PHONE.fullmatch(PHONE_SEPARATORS.sub("", value)):
            self.fail(full, "Enter a UK phone number, like 07700 900 982 or 020 7946 0000")
            return None
        # ASCII only: str.upper() would turn some other letters (a dotless i, say) into A-Z.
        if f.kind == "postcode" and value:
            if not (value.isascii() and UK_POSTCODE.fullmatch(value.upper())):
                self.fail(full, "Enter a real postcode, like IG1 1DD")
                return None
            return value.upper()
        if f.kind == "email" and value and not EMAIL.fullmatch(value):
            self.fail(full, "Enter an email address in the correct format, like name@example.com")
            return None
        return value

    def yes_no(self, data: dict[str, Any], name: str) -> bool | None:
        """A true-or-false field read as ``referral_fields`` declares it."""
        f = FIELD[name]
        return self.boolean(data, f.key, f.parent, f.label, required=f.required)

    def born(self, data: dict[str, Any], name: str, at: str | None = None) -> date | None:
        """A date field read as ``referral_fields`` declares it."""
        f = FIELD[name]
        return self.past_date(data, f.key, f.parent if at is None else at, f.label)


def _keys(parent: str, *more: str) -> set[str]:
    """The names an object may hold: its declared fields and the objects or special fields in it."""
    return {f.key for f in fields_of(parent)} | set(more)


def parse(data: Any) -> ReferralInput:
    r = _Reader()
    top = (
        r.obj(
            data,
            "",
            _keys("", "victim", "safe_contact", "perpetrator", "children", "risk", "consent"),
        )
        if isinstance(data, dict)
        else None
    )
    if top is None:
        raise Invalid({"": ["The referral must be a JSON object"]})

    v = r.obj(top.get("victim"), "victim", _keys("victim"))
    victim = Victim(
        first_name=r.declared(v, "victim.first_name") or "",
        last_name=r.declared(v, "victim.last_name") or "",
        other_names=r.declared(v, "victim.other_names"),
        date_of_birth=r.born(v, "victim.date_of_birth"),
        gender=r.declared(v, "victim.gender"),
        pronouns=r.declared(v, "victim.pronouns"),
        address=r.declared(v, "victim.address"),
        postcode=r.declared(v, "victim.postcode"),
        phone=r.declared(v, "victim.phone"),
        email=r.declared(v, "victim.email"),
        language=r.declared(v, "victim.language"),
        interpreter_needed=bool(r.yes_no(v, "victim.interpreter_needed")),
        disability=r.declared(v, "victim.disability"),
    )

    s = r.obj(top.get("safe_contact"), "safe_contact", _keys("safe_contact"))
    safe_contact: dict[str, Any] = {
        "safe_to_contact": r.yes_no(s, "safe_contact.safe_to_contact"),
        "phone": r.declared(s, "safe_contact.phone"),
        "safe_times": r.declared(s, "safe_contact.safe_times"),
        "voicemail_ok": r.yes_no(s, "safe_contact.voicemail_ok"),
        "text_ok": r.yes_no(s, "safe_contact.text_ok"),
        "letters_ok": r.yes_no(s, "safe_contact.letters_ok"),
        "code_word": r.declared(s, "safe_contact.code_word"),
        "notes": r.declared(s, "safe_contact.notes"),
        "who_must_not_know": r.declared(s, "safe_contact.who_must_not_know"),
    }

    perpetrator = None
    if top.get("perpetrator") is not None:
        p = r.obj(top.get("perpetrator"), "perpetrator", _keys("perpetrator"))
        perpetrator = Perpetrator(
            first_name=r.declared(p, "perpetrator.first_name") or "",
            last_name=r.declared(p, "perpetrator.last_name") or "",
            relationship=r.declared(p, "perpetrator.relationship") or "",
            date_of_birth=r.born(p, "perpetrator.date_of_birth"),
            address=r.declared(p, "perpetrator.address"),
        )

    children: list[dict[str, Any]] = []
    raw_children = top.get("children")
    if raw_children is None:
        raw_children = []
    elif not isinstance(raw_children, list):
        r.fail("children", "Children must be a list")
        raw_children = []
    if len(raw_children) > MAX_CHILDREN:
        r.fail("children", f"Enter {MAX_CHILDREN} children or fewer")
        raw_children = []
    for i, raw in enumerate(raw_children):
        path = f"children.{i}"
        c = r.obj(raw, path, _keys("children"))
        born = r.born(c, "children.date_of_birth", at=path)
        children.append(
            {
                "name": r.declared(c, "children.name", at=path),
                "date_of_birth": born.isoformat() if born else None,
                "relationship_to_victim": r.declared(c, "children.relationship_to_victim", at=path),
                "relationship_to_perpetrator": r.declared(
                    c, "children.relationship_to_perpetrator", at=path
                ),
                "school": r.declared(c, "children.school", at=path),
            }
        )

    # Sub-fields are only reported when the section was sent; a missing one is reported whole.
    risk_sent = isinstance(top.get("risk"), dict)
    k = r.obj(top.get("risk"), "risk", _keys("risk", "answers", "incidents_past_12_months"))
    if risk_sent and k.get("tool") != "dash":
        r.fail("risk.tool", 'Risk tool must be "dash"')
    answers: dict[str, Answer] = {}
    raw_answers = k.get("answers")
    if risk_sent and not isinstance(raw_answers, dict):
        r.fail("risk.answers", "Answer all 24 risk questions")
    if not isinstance(raw_answers, dict):
        raw_answers = {}
    for number in DASH_QUESTIONS:
        value = raw_answers.get(number)
        if value is None:
            if risk_sent:
                r.fail(f"risk.answers.{number}", DASH_ERRORS[number])
        elif not isinstance(value, str) or value not in ANSWERS:
            r.fail(f"risk.answers.{number}", "Answer yes, no or not known")
        else:
            answers[number] = Answer(value)
    for extra in sorted(set(raw_answers) - set(DASH_QUESTIONS)):
        r.fail(f"risk.answers.{extra}", "There is no such question")
    judgement = bool(r.yes_no(k, "risk.professional_judgement"))
    reason = r.declared(k, "risk.judgement_reason")
    if judgement and not reason:
        r.fail(
            "risk.judgement_reason",
            "Explain why your professional judgement is that this is Marac risk",
        )
    incidents = k.get("incidents_past_12_months")
    if isinstance(incidents, float) and incidents.is_integer():
        incidents = int(incidents)  # 3.0 is the integer 3 in JSON
    if incidents is not None and (
        isinstance(incidents, bool) or not isinstance(incidents, int) or not 0 <= incidents <= 366
    ):
        r.fail(
            "risk.incidents_past_12_months",
            "Incidents in the past 12 months must be a number from 0 to 366",
        )
        incidents = None

    consent_sent = isinstance(top.get("consent"), dict)
    c2 = r.obj(top.get("consent"), "consent", {"status", "override"})
    status = c2.get("status")
    if consent_sent and (not isinstance(status, str) or status not in CONSENT):
        r.fail("consent.status", "Select if they have agreed to this referral")
    basis = override_reason = None
    if c2.get("override") is not None:
        o = r.obj(c2.get("override"), "consent.override", {"legal_basis", "reason"})
        basis = o.get("legal_basis")
        if not isinstance(basis, str) or basis not in LEGAL_BASES:
            r.fail(
                "consent.override.legal_basis",
                "Select why it must be shared without their consent",
            )
            basis = None
        override_reason = r.declared(o, "consent.override.reason")
        if status == "given":
            r.fail(
                "consent.override", "Only record a lawful basis when they have not given consent"
            )

    raw_needs = [] if top.get("needs") is None else top.get("needs")
    needs: list[str] = []
    if not isinstance(raw_needs, list) or any(n not in NEEDS for n in raw_needs):
        r.fail("needs", "Needs must be a list of: " + ", ".join(NEEDS))
    else:
        needs = sorted(set(raw_needs))

    narrative = r.declared(top, "narrative")
    programme = bool(r.yes_no(top, "refer_perpetrator_to_programme"))
    if programme and perpetrator is None:
        r.fail(
            "perpetrator",
            "Enter the details of the person causing harm to refer them to a programme",
        )

    if r.errors:
        raise Invalid(r.errors)
    return ReferralInput(
        victim=victim,
        safe_contact=safe_contact,
        risk_answers=answers,
        narrative=narrative or "",
        consent_status=str(status),
        perpetrator=perpetrator,
        children=children,
        professional_judgement=judgement,
        judgement_reason=reason,
        incidents_past_12_months=incidents,
        override_legal_basis=basis,
        override_reason=override_reason,
        needs=needs,
        refer_perpetrator_to_programme=programme,
    )
