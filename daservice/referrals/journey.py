"""The web referral journey: one question page per section (GOV.UK question pages), a draft saved
as the author goes, check your answers, and one referral however often "Send" is pressed."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..accounts import actor
from ..security.permissions import Permission, protect
from . import drafts, policy, services
from .journey_forms import (
    NEED_LABELS,
    ChildForm,
    ContinueForm,
)
from .journey_sections import BY_SLUG, ORDER, iso_date, section_errors, section_of, title
from .models import ReferralDraft
from .risk import DASH_CREDIT, DASH_QUESTIONS
from .validation import LEGAL_BASES, Invalid, parse

bp = Blueprint("journey", __name__, url_prefix="/referrals")
protect(bp, Permission.REFER)


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
        problems = section_errors(spec, answers)
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
            child["date_of_birth"] = iso_date(form.date_of_birth.data)
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
    incomplete = sorted({section_of(path) for path in errors}, key=ORDER.index)
    return render_template(
        "referrals/journey/check.html",
        draft=draft,
        a=answers,
        form=form,
        incomplete=[(s, title(s)) for s in incomplete],
        questions=DASH_QUESTIONS,
        need_labels=NEED_LABELS,
        legal_bases=LEGAL_BASES,
        back=_prev_url(draft, "check"),
    ), (400 if request.method == "POST" else 200)


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
