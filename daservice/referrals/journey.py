"""The web referral journey: a GOV.UK task list as each draft's hub, short question pages declared
in ``journey_sections``, children added one at a time, check your answers, and one referral
however often "Send" is pressed.

Every page keeps what it can: valid answers are saved even when another field on the page fails,
and a page sent because the session is about to end (``timed_out=1``, from the timeout dialog)
saves what is valid without showing errors and goes to the signed-out page.
"""

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
    AnotherChildForm,
    ChildForm,
    ContinueForm,
    HasChildrenForm,
    RemoveChildForm,
    form_for,
    params_for,
)
from .journey_sections import (
    CHILD_QUESTIONS,
    PAGES,
    SECTION_OF_PAGE,
    SECTIONS,
    Page,
    Status,
    all_complete,
    answer_rows,
    next_page,
    page_problems,
    person,
    previous_page,
    statuses,
    validation_errors,
)
from .models import ReferralDraft
from .risk import DASH_CREDIT

bp = Blueprint("journey", __name__, url_prefix="/referrals")
protect(bp, Permission.REFER)


def _timed_out_url() -> str:
    """The "You have been signed out" page the session-timeout dialog ends on (saying so when
    the user chose "Sign out" in the dialog rather than letting the time run out)."""
    if request.form.get("timed_out") == "chosen":
        return url_for("accounts.timed_out", reason="chosen")
    return url_for("accounts.timed_out")


def _timing_out() -> bool:
    return request.method == "POST" and request.form.get("timed_out") in ("1", "chosen")


def _returning() -> bool:
    return request.args.get("return") == "check"


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


def _task_list(draft: ReferralDraft) -> str:
    return url_for("journey.task_list", draft_id=draft.id)


def _check(draft: ReferralDraft) -> str:
    return url_for("journey.check", draft_id=draft.id)


def page_url(draft_id: uuid.UUID, slug: str, **kwargs: Any) -> str:
    """The URL of a page of the journey, by the slug ``journey_sections`` gives it."""
    if slug == "children":
        return url_for("journey.children", draft_id=draft_id, **kwargs)
    if slug.startswith("child-"):
        return url_for("journey.child", draft_id=draft_id, index=slug[6:], **kwargs)
    return url_for("journey.section", draft_id=draft_id, slug=slug, **kwargs)


def _section_url(draft_id: uuid.UUID, slug: str) -> str:
    section = next(s for s in SECTIONS if s.slug == slug)
    return page_url(draft_id, section.pages[0].slug if section.pages else "children")


@bp.route("/new", methods=["POST"])
def start() -> Response:
    """A new draft opens at its task list: the referrer sees the whole job (seven sections, what
    to have to hand) before the first question, and it is the page a draft resumes at."""
    draft = drafts.start(actor())
    return redirect(_task_list(draft))


@bp.route("/drafts/<uuid:draft_id>")
def task_list(draft_id: uuid.UUID) -> str:
    draft = _draft()
    answers = draft.answers or {}
    found = statuses(answers)
    return render_template(
        "referrals/journey/task_list.html",
        draft=draft,
        person=person(answers),
        sections=[(s, st, _section_url(draft.id, s.slug)) for s, st in found],
        done=sum(1 for _s, st in found if st == Status.COMPLETED),
        complete=all(st == Status.COMPLETED for _s, st in found),
        Status=Status,
    )


def _keep(
    page: Page, form: Any, old: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The answers with this page's valid values saved, and the page's problems. A value that is
    not valid leaves the answer saved before it in place (the page shows what was typed)."""
    values = {q.name: form[q.name].data for q in page.questions}
    answers = copy.deepcopy(old)
    unreadable = {q.name for q in page.questions if form[q.name].errors}
    for q in page.questions:
        if q.name not in unreadable:
            q.save(answers, values[q.name], values)
    if page.after_save:
        page.after_save(answers)
    problems = page_problems(page, answers)
    for q in page.questions:
        if q.name in problems:  # back to what was saved before, for this field only
            q.save(answers, q.load(old), values)
    if page.after_save:
        page.after_save(answers)
    answers["_saved"] = sorted(set(answers.get("_saved") or []) | {page.slug})
    for q in page.questions:
        if q.name in unreadable:
            # A choice that is not one of the options (a crafted request): ask for an answer,
            # not WTForms' "Not a valid choice".
            own = q.required or "Select the options that apply"
            messages = [own] if q.kind in ("radios", "checkboxes") else form[q.name].errors
            problems[q.name] = list(messages)
    return answers, problems


@bp.route("/drafts/<uuid:draft_id>/<slug>", methods=["GET", "POST"])
def section(draft_id: uuid.UUID, slug: str) -> Any:
    page = PAGES.get(slug)
    if page is None:
        abort(404)
    draft = _draft()
    answers = copy.deepcopy(draft.answers or {})
    if not page.applies(answers):
        return redirect(_task_list(draft))
    form_class = form_for(page)
    status = 200
    if request.method == "POST":
        form = form_class()
        form.validate()
        answers, problems = _keep(page, form, answers)
        _save(draft, answers)
        if _timing_out():
            return redirect(_timed_out_url())
        if not problems:
            return redirect(_after(draft, page, answers))
        for q in page.questions:
            form[q.name].errors = list(problems.get(q.name, []))
        status = 400
    else:
        form = form_class(data={q.name: q.load(answers) for q in page.questions})
    return render_template(
        "referrals/journey/page.html",
        form=form,
        page=page,
        heading=page.heading(answers),
        params={q.name: params_for(q, form[q.name], answers) for q in page.questions},
        draft=draft,
        back=_back(draft, page, answers),
        dash_credit=DASH_CREDIT if page.slug.startswith("risk-") else None,
    ), status


def _after(draft: ReferralDraft, page: Page, answers: dict[str, Any]) -> str:
    following = next_page(page, answers)
    if _returning():
        section_done = dict(statuses(answers))[SECTION_OF_PAGE[page.slug]] == Status.COMPLETED
        if section_done or following is None:
            return _check(draft)
        return page_url(draft.id, following.slug, **{"return": "check"})
    return page_url(draft.id, following.slug) if following else _task_list(draft)


def _back(draft: ReferralDraft, page: Page, answers: dict[str, Any]) -> str:
    if _returning():
        return _check(draft)
    earlier = previous_page(page, answers)
    return page_url(draft.id, earlier.slug) if earlier else _task_list(draft)


# --- Children: the GOV.UK add-another pattern -------------------------------------------------


def _kids(answers: dict[str, Any]) -> list[dict[str, Any]]:
    return list(answers.get("children") or [])


def _children_next(draft: ReferralDraft) -> str:
    return _check(draft) if _returning() else _task_list(draft)


@bp.route("/drafts/<uuid:draft_id>/children", methods=["GET", "POST"])
def children(draft_id: uuid.UUID) -> Any:
    """ "Are there any children in the household?" until one is added; then the list of them
    and "Do you need to add another child?"."""
    draft = _draft()
    answers = copy.deepcopy(draft.answers or {})
    kids = _kids(answers)
    back = _check(draft) if _returning() else _task_list(draft)
    keep_return = {"return": "check"} if _returning() else {}
    if kids:
        form = AnotherChildForm()
        choice = form.add_another.data if form.validate_on_submit() else None
        if choice == "no":
            answers["_children_done"] = True
            _save(draft, answers)
        if _timing_out():
            return redirect(_timed_out_url())
        if choice == "yes":
            return redirect(page_url(draft.id, "child-new", **keep_return))
        if choice == "no":
            return redirect(_children_next(draft))
        if request.method == "POST":
            form.add_another.errors = ["Select if you need to add another child"]
        return render_template(
            "referrals/journey/children.html",
            draft=draft,
            form=form,
            kids=kids,
            person=person(answers),
            questions=CHILD_QUESTIONS,
            back=back,
            keep_return=keep_return,
        ), (400 if request.method == "POST" else 200)
    form = HasChildrenForm(data={"has_children": answers.get("_children")})
    if request.method == "POST":
        form = HasChildrenForm()
        choice = form.has_children.data if form.validate() else None
        if choice in ("yes", "no"):
            answers["_children"] = choice
            answers["_children_done"] = False
            _save(draft, answers)
            if _timing_out():
                return redirect(_timed_out_url())
            if choice == "yes":
                return redirect(page_url(draft.id, "child-new", **keep_return))
            return redirect(_children_next(draft))
        if _timing_out():
            return redirect(_timed_out_url())
        form.has_children.errors = ["Select if there are any children in the household"]
    return render_template(
        "referrals/journey/has_children.html",
        draft=draft,
        form=form,
        back=back,
    ), (400 if form.has_children.errors else 200)


def _child_index(kids: list[dict[str, Any]], index: str) -> int | None:
    """None for a new child; 404 for a child that is not there."""
    if index == "new":
        return None
    if not (index.isascii() and index.isdigit()) or int(index) >= len(kids):
        abort(404)
    return int(index)


def _child_problems(child: dict[str, Any]) -> dict[str, list[str]]:
    errors = validation_errors({"children": [child]})
    found = {
        path.split(".")[2]: messages
        for path, messages in errors.items()
        if path.startswith("children.0.")
    }
    return found


@bp.route("/drafts/<uuid:draft_id>/children/<index>", methods=["GET", "POST"])
def child(draft_id: uuid.UUID, index: str) -> Any:
    """One child per page. What was typed is never dropped: it is saved once it is valid, shown
    again with the errors otherwise, and kept even when the session is ending."""
    draft = _draft()
    answers = copy.deepcopy(draft.answers or {})
    kids = _kids(answers)
    position = _child_index(kids, index)
    old = kids[position] if position is not None else {}
    keep_return = {"return": "check"} if _returning() else {}
    status = 200
    if request.method == "POST":
        form = ChildForm()
        form.validate()
        values = {q.name: form[q.name].data for q in CHILD_QUESTIONS}
        updated = dict(old)
        for q in CHILD_QUESTIONS:
            if not form[q.name].errors:
                q.save(updated, values[q.name], values)
        problems = _child_problems(updated)
        for q in CHILD_QUESTIONS:
            problems.setdefault(q.name, []).extend(form[q.name].errors)
            if problems[q.name]:
                q.save(updated, q.load(old), values)
            else:
                del problems[q.name]
        typed = any(v not in (None, "", []) for v in values.values())
        if not problems or (_timing_out() and typed):
            if position is None:
                kids.append(updated)
            else:
                kids[position] = updated
            answers.update(children=kids, _children="yes")
            if position is None:  # one more child: "add another?" is to be asked again
                answers["_children_done"] = False
            _save(draft, answers)
            if _timing_out():
                return redirect(_timed_out_url())
            flash(f"{updated.get('name')} {'added' if position is None else 'changed'}", "success")
            if _returning() and position is not None:
                return redirect(_check(draft))
            return redirect(page_url(draft.id, "children", **keep_return))
        if _timing_out():
            return redirect(_timed_out_url())
        for q in CHILD_QUESTIONS:
            form[q.name].errors = problems.get(q.name, [])
        status = 400
    else:
        form = ChildForm(data={q.name: q.load(old) for q in CHILD_QUESTIONS})
    back = _check(draft) if _returning() else page_url(draft.id, "children")
    return render_template(
        "referrals/journey/child.html",
        draft=draft,
        form=form,
        adding=position is None,
        params={q.name: params_for(q, form[q.name], answers) for q in CHILD_QUESTIONS},
        questions=CHILD_QUESTIONS,
        back=back,
    ), status


@bp.route("/drafts/<uuid:draft_id>/children/<index>/remove", methods=["GET", "POST"])
def remove_child(draft_id: uuid.UUID, index: str) -> Any:
    """ "Are you sure you want to remove …?", then a banner saying who was removed."""
    draft = _draft()
    answers = copy.deepcopy(draft.answers or {})
    kids = _kids(answers)
    position = _child_index(kids, index)
    if position is None:
        abort(404)
    name = kids[position].get("name") or "this child"
    form = RemoveChildForm()
    if form.validate_on_submit() and form.confirm.data in ("yes", "no"):
        if form.confirm.data == "yes":
            kids.pop(position)
            answers["children"] = kids
            answers["_children_done"] = False
            if not kids:
                answers.pop("_children", None)
            _save(draft, answers)
            flash(f"{name} has been removed", "success")
        return redirect(page_url(draft.id, "children"))
    if request.method == "POST":
        form.confirm.errors = [f"Select yes if you want to remove {name}"]
    return render_template(
        "referrals/journey/remove_child.html",
        draft=draft,
        form=form,
        name=name,
        back=page_url(draft.id, "children"),
    ), (400 if request.method == "POST" else 200)


# --- Check answers and sending -----------------------------------------------------------------


@bp.route("/drafts/<uuid:draft_id>/check", methods=["GET", "POST"])
def check(draft_id: uuid.UUID) -> Any:
    draft = _draft()
    answers = draft.answers or {}
    if not all_complete(answers):
        # Nothing to check yet: the task list says which sections are left (no error page).
        return redirect(_task_list(draft))
    form = ContinueForm()
    if request.method == "POST" and form.validate_on_submit():
        return _submit(draft)
    groups = [
        (
            group,
            [
                {
                    # A whole risk question needs more room than "Postcode".
                    "key": {
                        "text": row.key,
                        "classes": "govuk-!-width-one-half" if len(row.key) > 40 else "",
                    },
                    "value": {"text": row.value},
                    "actions": {
                        "items": [
                            {
                                "href": page_url(draft.id, row.page, **{"return": "check"})
                                + f"#{row.field}",
                                "text": "Change",
                                "visuallyHiddenText": row.key,
                            }
                        ]
                    },
                }
                for row in group.rows
            ],
        )
        for group in answer_rows(answers)
    ]
    return render_template(
        "referrals/journey/check.html",
        draft=draft,
        groups=groups,
        form=form,
        person=person(answers),
        back=_task_list(draft),
    )


def _submit(draft: ReferralDraft) -> Response:
    try:
        referral = services.submit_draft(actor(), draft.id)
    except policy.AlreadySent as sent:  # pressed twice: the first press already sent it
        return _redirect_submitted(sent.referral_id)
    # No flash: the confirmation panel says it once (a banner as well said it twice).
    return redirect(url_for("journey.confirmation", referral_id=referral.id))


@bp.route("/<uuid:referral_id>/confirmation")
def confirmation(referral_id: uuid.UUID) -> str:
    summary = services.confirmation(actor(), referral_id)
    return render_template("referrals/journey/confirmation.html", summary=summary)


# --- Deleting a draft --------------------------------------------------------------------------


@bp.route("/drafts/<uuid:draft_id>/delete", methods=["GET", "POST"])
def delete_draft(draft_id: uuid.UUID) -> Any:
    """ "Are you sure you want to delete this draft?", then delete it (audited)."""
    draft = _draft()
    answers = draft.answers or {}
    form = ContinueForm()
    if form.validate_on_submit():
        drafts.delete(actor(), draft.id)
        flash(f"Draft referral for {person(answers)} deleted", "success")
        return redirect(url_for("referrals.index"))
    return render_template(
        "referrals/journey/delete.html",
        draft=draft,
        form=form,
        person=person(answers),
        back=url_for("referrals.index"),
    )
