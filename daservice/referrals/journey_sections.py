"""The web journey's sections: each one's form, how it loads from and saves to a draft's answers
(which are API-shaped, so the web and the API share one set of validation rules), and which form
field an error path belongs to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import drafts
from .journey_forms import (
    AboutForm,
    ConsentForm,
    PerpetratorForm,
    RiskForm,
    SafeContactForm,
    VictimForm,
)
from .risk import DASH_QUESTIONS
from .validation import Invalid, parse

SAFE_METHODS = ("voicemail_ok", "text_ok", "letters_ok")


def _yes_no(value: Any) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _bool(value: str | None) -> bool | None:
    return None if not value else value == "yes"


def iso_date(value: Any) -> str | None:
    """A form's date as the answers keep it (ISO text)."""
    return value.isoformat() if value else None


def _from_iso(value: str | None) -> Any:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- Sections ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    form: type
    load: Callable[[dict[str, Any]], dict[str, Any]]
    save: Callable[[Any, dict[str, Any]], None]
    field_for: Callable[[str], str | None]  # error path -> form field name


def _victim_load(a: dict[str, Any]) -> dict[str, Any]:
    v = dict(a.get("victim") or {})
    v["date_of_birth"] = _from_iso(v.get("date_of_birth"))
    v["interpreter_needed"] = _yes_no(v.get("interpreter_needed"))
    return v


def _victim_save(form: VictimForm, a: dict[str, Any]) -> None:
    data = {
        k: form[k].data or None
        for k in (
            "first_name",
            "last_name",
            "other_names",
            "gender",
            "address",
            "postcode",
            "phone",
            "email",
            "language",
            "disability",
        )
    }
    data["date_of_birth"] = iso_date(form.date_of_birth.data)
    data["interpreter_needed"] = _bool(form.interpreter_needed.data) or False
    a["victim"] = data


def _prefixed(prefix: str, names: dict[str, str] | None = None) -> Callable[[str], str | None]:
    def field_for(path: str) -> str | None:
        if not path.startswith(prefix):
            return None
        name = path[len(prefix) :].split(".")[0]
        return (names or {}).get(name, name)

    return field_for


def _safe_load(a: dict[str, Any]) -> dict[str, Any]:
    s = dict(a.get("safe_contact") or {})
    s["methods"] = [m for m in SAFE_METHODS if s.get(m)]
    s["safe_to_contact"] = _yes_no(s.get("safe_to_contact"))
    return s


def _safe_save(form: SafeContactForm, a: dict[str, Any]) -> None:
    data: dict[str, Any] = {
        k: form[k].data or None
        for k in ("phone", "safe_times", "code_word", "who_must_not_know", "notes")
    }
    data["safe_to_contact"] = _bool(form.safe_to_contact.data)
    for method in SAFE_METHODS:
        data[method] = method in (form.methods.data or [])
    a["safe_contact"] = data


def _perp_load(a: dict[str, Any]) -> dict[str, Any]:
    p = dict(a.get("perpetrator") or {})
    known = a.get("_perpetrator_known")
    p["known"] = known
    p["date_of_birth"] = _from_iso(p.get("date_of_birth"))
    p["refer_to_programme"] = _yes_no(a.get("refer_perpetrator_to_programme"))
    return p


def _perp_save(form: PerpetratorForm, a: dict[str, Any]) -> None:
    a["_perpetrator_known"] = form.known.data
    if form.known.data == "yes":
        a["perpetrator"] = {
            k: form[k].data or None for k in ("first_name", "last_name", "relationship", "address")
        }
        a["perpetrator"]["date_of_birth"] = iso_date(form.date_of_birth.data)
        a["refer_perpetrator_to_programme"] = form.refer_to_programme.data == "yes"
    else:
        a["perpetrator"] = None
        a["refer_perpetrator_to_programme"] = False


def _risk_load(a: dict[str, Any]) -> dict[str, Any]:
    r = a.get("risk") or {}
    data = {f"q{n}": v for n, v in (r.get("answers") or {}).items()}
    data["professional_judgement"] = _yes_no(r.get("professional_judgement"))
    data["judgement_reason"] = r.get("judgement_reason")
    incidents = r.get("incidents_past_12_months")
    data["incidents_past_12_months"] = "" if incidents is None else str(incidents)
    return data


def _risk_save(form: Any, a: dict[str, Any]) -> None:
    raw = (form.incidents_past_12_months.data or "").strip()
    a["risk"] = {
        "tool": "dash",
        "answers": {n: form[f"q{n}"].data for n in DASH_QUESTIONS if form[f"q{n}"].data},
        "professional_judgement": _bool(form.professional_judgement.data) or False,
        "judgement_reason": form.judgement_reason.data or None,
        "incidents_past_12_months": int(raw)
        if raw.isascii() and raw.isdigit() and len(raw) < 6
        else (raw or None),
    }


def _risk_field(path: str) -> str | None:
    if path.startswith("risk.answers."):
        return "q" + path.split(".")[2]
    if path.startswith("risk."):
        return path.split(".")[1] if path != "risk.tool" else None
    return None


def _about_load(a: dict[str, Any]) -> dict[str, Any]:
    return {"needs": a.get("needs") or [], "narrative": a.get("narrative")}


def _about_save(form: AboutForm, a: dict[str, Any]) -> None:
    a["needs"] = form.needs.data or []
    a["narrative"] = form.narrative.data or None


def _consent_load(a: dict[str, Any]) -> dict[str, Any]:
    c = a.get("consent") or {}
    o = c.get("override") or {}
    return {
        "status": c.get("status"),
        "legal_basis": o.get("legal_basis"),
        "override_reason": o.get("reason"),
    }


def _consent_save(form: ConsentForm, a: dict[str, Any]) -> None:
    consent: dict[str, Any] = {"status": form.status.data or None}
    if form.status.data != "given" and (form.legal_basis.data or form.override_reason.data):
        consent["override"] = {
            "legal_basis": form.legal_basis.data or None,
            "reason": form.override_reason.data or None,
        }
    a["consent"] = consent


def _consent_field(path: str) -> str | None:
    return {
        "consent.status": "status",
        "consent.override.legal_basis": "legal_basis",
        "consent.override": "legal_basis",
        "consent.override.reason": "override_reason",
    }.get(path)


SECTIONS = [
    Section("victim", "About her", VictimForm, _victim_load, _victim_save, _prefixed("victim.")),
    Section(
        "safe-contact",
        "Contacting her safely",
        SafeContactForm,
        _safe_load,
        _safe_save,
        _prefixed("safe_contact.", {n: "methods" for n in SAFE_METHODS}),
    ),
    Section(
        "perpetrator",
        "The person causing harm",
        PerpetratorForm,
        _perp_load,
        _perp_save,
        lambda p: {
            "perpetrator": "known",
            "refer_perpetrator_to_programme": "refer_to_programme",
        }.get(p, _prefixed("perpetrator.")(p)),
    ),
    Section("risk", "Risk questions", RiskForm, _risk_load, _risk_save, _risk_field),
    Section(
        "about",
        "Needs and what happened",
        AboutForm,
        _about_load,
        _about_save,
        lambda p: p.split(".")[0] if p.split(".")[0] in ("needs", "narrative") else None,
    ),
    Section("consent", "Consent", ConsentForm, _consent_load, _consent_save, _consent_field),
]
ORDER = ["victim", "safe-contact", "perpetrator", "children", "risk", "about", "consent", "check"]
BY_SLUG = {s.slug: s for s in SECTIONS}


def section_errors(spec: Section, answers: dict[str, Any]) -> dict[str, list[str]]:
    """The problems the shared validation rules find in this section, by form field name."""
    try:
        parse(drafts.as_referral(answers))
    except Invalid as invalid:
        found: dict[str, list[str]] = {}
        for path, messages in invalid.errors.items():
            name = spec.field_for(path)
            if name:
                found.setdefault(name, []).extend(messages)
        if spec.slug == "perpetrator" and answers.get("_perpetrator_known") not in ("yes", "no"):
            found.setdefault("known", []).append("Select whether you know who is causing harm")
        return found
    if spec.slug == "perpetrator" and answers.get("_perpetrator_known") not in ("yes", "no"):
        return {"known": ["Select whether you know who is causing harm"]}
    return {}


def section_of(path: str) -> str:
    """The section an error path (``victim.last_name``) belongs to."""
    top = path.split(".")[0]
    return {
        "victim": "victim",
        "safe_contact": "safe-contact",
        "perpetrator": "perpetrator",
        "refer_perpetrator_to_programme": "perpetrator",
        "children": "children",
        "risk": "risk",
        "needs": "about",
        "narrative": "about",
        "consent": "consent",
    }.get(top, "victim")


def title(slug: str) -> str:
    return "Children in the household" if slug == "children" else BY_SLUG[slug].title
