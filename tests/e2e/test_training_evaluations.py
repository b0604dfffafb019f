"""A trainee answers her end-of-course evaluation from the emailed link by keyboard alone, is
told what she missed, and gets her certificate; the coordinator reads the summary and the
comments. axe finds nothing and nothing scrolls sideways at 320 px on each page."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from daservice.accounts.models import Role
from daservice.extensions import db, utcnow
from daservice.training import evaluations
from daservice.training.evaluation_items import CONFIDENCE_ITEMS, REACTION_ITEMS
from daservice.training.models import Certificate, EnrolmentStatus, Evaluation, EvaluationAnswer
from daservice.training.models import EvaluationKind as Kind

from .. import factories
from ..training import evaluation_builders as build
from .test_home_and_oversight_pages import check
from .test_referral_journey import sign_in

LINK = re.compile(r"/training/evaluation/[A-Za-z0-9_-]+")


def _answered_course(agency, course, n: int = 5) -> None:
    """``n`` trainees who answered before (3) and after (6), with a comment each."""
    for i in range(n):
        enrolment = build.enrol(
            build.ended_run(course), build.trainee(agency), EnrolmentStatus.COMPLETED
        )
        for kind, score in ((Kind.BEFORE, 3), (Kind.AFTER, 6)):
            evaluation = Evaluation(
                enrolment_id=enrolment.id, kind=kind, invited_at=utcnow(), submitted_at=utcnow()
            )
            db.session.add(evaluation)
            db.session.flush()
            items = CONFIDENCE_ITEMS + (REACTION_ITEMS if kind is Kind.AFTER else ())
            for item in items:
                db.session.add(
                    EvaluationAnswer(evaluation_id=evaluation.id, item=item.key, score=score)
                )
            if kind is Kind.AFTER:
                evaluation.comments = f"More time for questions, please ({i})"
    db.session.commit()


def test_a_trainee_answers_by_keyboard_and_the_coordinator_reads_the_change(
    page: Page, live_server
):
    agency = factories.agency()
    course = build.course(title="Recognising domestic abuse")
    who = build.trainee(agency)
    enrolment = build.enrol(build.ended_run(course), who, EnrolmentStatus.ATTENDED)
    build.mark_all_present(enrolment)
    evaluations.send_invitations()
    link = LINK.search(factories.deliver()[0].body).group(0)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("After your course")
    check(page, "Evaluation form")
    page.get_by_role("button", name="Send").press("Enter")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check(page, "Evaluation form with errors")
    # Each unanswered question is named; pick each answer by keyboard (Space on a radio).
    for item in CONFIDENCE_ITEMS + REACTION_ITEMS:
        page.get_by_role("link", name=item.error).click()
        page.keyboard.press("ArrowRight")  # from the first radio to "2"; then on to 6
        for _ in range(4):
            page.keyboard.press("ArrowRight")
    page.get_by_label("What could we do better?").fill("Longer breaks")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you, your answers have been sent")).to_be_visible()
    check(page, "Evaluation sent")
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(EvaluationAnswer.score))) == {6}
    assert db.session.scalar(sa.select(Certificate)) is not None

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You have already sent this, thank you"
    )

    _answered_course(agency, course)
    coordinator = factories.user(Role.TRAINING_COORDINATOR, agency_row=agency)
    sign_in(page, coordinator)
    page.goto("/training/evaluations/")
    check(page, "Evaluations")
    page.get_by_role("link", name="Recognising domestic abuse").click()
    expect(page.get_by_role("row", name=re.compile("Recognising the signs"))).to_contain_text(
        "+3.0"
    )
    check(page, "Course evaluation")
    page.get_by_role("link", name="Read trainees' written comments").click()
    expect(page.get_by_text("More time for questions, please (0)")).to_be_visible()
    check(page, "Evaluation comments")
    page.goto(f"/training/evaluations/runs/{enrolment.run_id}")
    check(page, "Run evaluations")
    page.goto(f"/training/evaluations/enrolments/{enrolment.id}/follow_up")
    check(page, "Paper evaluation")
