"""The web referral journey: one question page per section (GOV.UK question pages), a draft saved
as the author goes, check your answers, and one referral however often "Send" is pressed."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..accounts import actor
from ..security.permissions import Permission, protect
from . import drafts, policy, services
from .journey_forms import (
    NEED_LABELS,
    AboutForm,
    ChildForm,
    ConsentForm,
    ContinueForm,
    PerpetratorForm,
    RiskForm,
    SafeContactForm,
    VictimForm,
)
from .models import ReferralDraft
from .risk import DASH_CREDIT, DASH_QUESTIONS
from .validation import LEGAL_BASES, Invalid, parse

bp = Blueprint("journey", __name__, url_prefix="/referrals")
protect(bp, Permission.REFER)

SAFE_METHODS = ("voicemail_ok", "text_ok", "letters_ok")


def _yes_no(value: Any) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _bool(value: str | None) -> bool | None:
    return None if not value else value == "yes"


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: str | None) -> Any:
    from datetime import date

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
    data["date_of_birth"] = _date(form.date_of_birth.data)
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
        a["perpetrator"]["date_of_birth"] = _date(form.date_of_birth.data)
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


def _next_url(draft: ReferralDraft, slug: str) -> str:
    if request.args.get("return") == "check":
        return url_for("journey.check", draft_id=draft.id)
    following = ORDER[ORDER.index(slug) + 1]
    if following == "check":
        return url_for("journey.check", draft_id=draft.id)
    if following == "children":
        return url_for("journey.children", draft_id=draft.id)
    return url_for("journey.section", draft_id=draft.id, slug=following)


def _prev_url(draft: ReferralDraft, slug: str) -> str:
    index = ORDER.index(slug)
    if index == 0:
        return url_for("referrals.index")
    previous = ORDER[index - 1]
    if previous == "children":
        return url_for("journey.children", draft_id=draft.id)
    return url_for("journey.section", draft_id=draft.id, slug=previous)


def _draft() -> ReferralDraft:
    draft_id = uuid.UUID(str(request.view_args["draft_id"]))  # type: ignore[index]
    draft = drafts.open_draft(actor(), draft_id)
    if draft.submitted_referral_id is not None:
        abort(_redirect_submitted(draft.submitted_referral_id))
    return draft


def _redirect_submitted(referral_id: uuid.UUID) -> Response:
    return redirect(url_for("journey.confirmation", referral_id=referral_id))


def _save(draft: ReferralDraft, answers: dict[str, Any]) -> None:
    drafts.save(actor(), draft.id, answers)


@bp.route("/new", methods=["POST"])
def start() -> Response:
    if not ContinueForm().validate_on_submit():
        abort(400)
    draft = drafts.start(actor())
    return redirect(url_for("journey.section", draft_id=draft.id, slug="victim"))


@bp.route("/drafts/<uuid:draft_id>/<slug>", methods=["GET", "POST"])
def section(draft_id: uuid.UUID, slug: str) -> Any:
    spec = BY_SLUG.get(slug)
    if spec is None:
        abort(404)
    draft = _draft()
    answers = copy.deepcopy(draft.answers or {})
    form = spec.form() if request.method == "POST" else spec.form(data=spec.load(answers))
    status = 200
    if request.method == "POST":
        valid = form.validate_on_submit()
        # One set of rules for the web and the API: validation.parse judges the section too.
        spec.save(form, answers)
        problems = _section_errors(spec, answers)
        if valid and not problems:
            _save(draft, answers)
            return redirect(_next_url(draft, slug))
        for name, messages in problems.items():
            if name in form and not form[name].errors:
                form[name].errors = list(messages)
        status = 400
    return render_template(
        "referrals/journey/section.html",
        form=form,
        spec=spec,
        draft=draft,
        back=_prev_url(draft, slug),
        dash_credit=DASH_CREDIT,
    ), status


def _section_errors(spec: Section, answers: dict[str, Any]) -> dict[str, list[str]]:
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


@bp.route("/drafts/<uuid:draft_id>/children", methods=["GET", "POST"])
def children(draft_id: uuid.UUID) -> Any:
    draft = _draft()
    answers = copy.deepcopy(draft.answers or {})
    kids: list[dict[str, Any]] = list(answers.get("children") or [])
    form, status = ChildForm(), 200
    if request.method == "POST" and request.form.get("remove") is not None:
        if ContinueForm().validate_on_submit():
            index = request.form.get("remove", "")
            if index.isascii() and index.isdigit() and int(index) < len(kids):
                kids.pop(int(index))
                answers["children"] = kids
                _save(draft, answers)
        return redirect(url_for("journey.children", draft_id=draft.id))
    if request.method == "POST" and request.form.get("add") is not None:
        if form.validate_on_submit():
            child = {
                k: form[k].data or None
                for k in ("name", "relationship_to_victim", "relationship_to_perpetrator", "school")
            }
            child["date_of_birth"] = _date(form.date_of_birth.data)
            try:
                parse({"children": [child]})
            except Invalid as invalid:
                for path, messages in invalid.errors.items():
                    if path.startswith("children.0."):
                        form[path.split(".")[2]].errors = list(messages)
            if not any(f.errors for f in form):
                kids.append(child)
                answers["children"] = kids
                _save(draft, answers)
                return redirect(url_for("journey.children", draft_id=draft.id))
        status = 400
    elif request.method == "POST":
        if ContinueForm().validate_on_submit():
            answers.setdefault("children", kids)
            _save(draft, answers)
            return redirect(_next_url(draft, "children"))
    return render_template(
        "referrals/journey/children.html",
        form=form,
        draft=draft,
        kids=kids,
        proceed=ContinueForm(),
        back=_prev_url(draft, "children"),
    ), status


@bp.route("/drafts/<uuid:draft_id>/check", methods=["GET", "POST"])
def check(draft_id: uuid.UUID) -> Any:
    draft = _draft()
    answers = draft.answers or {}
    errors: dict[str, list[str]] = {}
    try:
        data = parse(drafts.as_referral(answers))
    except Invalid as invalid:
        data, errors = None, invalid.errors
    form = ContinueForm()
    if request.method == "POST" and form.validate_on_submit() and data is not None:
        return _submit(draft)
    incomplete = sorted({_section_of(path) for path in errors}, key=ORDER.index)
    return render_template(
        "referrals/journey/check.html",
        draft=draft,
        a=answers,
        form=form,
        incomplete=[(s, _title(s)) for s in incomplete],
        questions=DASH_QUESTIONS,
        need_labels=NEED_LABELS,
        legal_bases=LEGAL_BASES,
        back=_prev_url(draft, "check"),
    ), (400 if request.method == "POST" else 200)


def _section_of(path: str) -> str:
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


def _title(slug: str) -> str:
    return "Children in the household" if slug == "children" else BY_SLUG[slug].title


def _submit(draft: ReferralDraft) -> Response:
    try:
        referral = services.submit_draft(actor(), draft.id)
    except policy.AlreadySent as sent:  # pressed twice: the first press already sent it
        return _redirect_submitted(sent.referral_id)
    flash("Referral sent", "success")
    return redirect(url_for("journey.confirmation", referral_id=referral.id))


@bp.route("/<uuid:referral_id>/confirmation")
def confirmation(referral_id: uuid.UUID) -> str:
    return render_template(
        "referrals/journey/confirmation.html",
        summary=services.confirmation(actor(), referral_id),
    )
