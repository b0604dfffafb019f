"""Course evaluations: the jobs' invitations, the trainee's single-use form, completion on the
end-of-course evaluation, the per-course summaries and the protected comments."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.extensions import db, utcnow
from daservice.notify.models import OutboxMessage
from daservice.security import tokens
from daservice.training import evaluation_summaries as summaries
from daservice.training import evaluations
from daservice.training.evaluation_items import CONFIDENCE_ITEMS, REACTION_ITEMS
from daservice.training.models import (
    Certificate,
    EnrolmentStatus,
    Evaluation,
    EvaluationAnswer,
    EvaluationKind,
)
from daservice.uk_time import uk_today
from tests import factories
from tests.conftest import csrf_token
from tests.training import evaluation_builders as build

LINK = re.compile(r"/training/evaluation/[A-Za-z0-9_-]+")
COMMENT = "The role play about a neighbour called Sam was too short"


def _links(sent) -> list[str]:
    return [LINK.search(email.body).group(0) for email in sent]


def _invite(kind=EvaluationKind.AFTER, agency=None, course=None, status=None):
    """An enrolment owed an invitation of ``kind``, the job run, and the link she was sent."""
    agency = agency or factories.agency()
    course = course or build.course()
    who = build.trainee(agency)
    if kind is EvaluationKind.BEFORE:
        run = build.run(course, utcnow() + timedelta(days=3))
        enrolment = build.enrol(run, who, EnrolmentStatus.BOOKED)
    elif kind is EvaluationKind.AFTER:
        enrolment = build.enrol(build.ended_run(course), who, status or EnrolmentStatus.ATTENDED)
        build.mark_all_present(enrolment)
    else:
        enrolment = build.enrol(
            build.ended_run(course, days_ago=60),
            who,
            EnrolmentStatus.COMPLETED,
            completed_on=uk_today() - timedelta(weeks=8),
        )
    evaluations.send_invitations()
    sent = [e for e in factories.deliver() if e.to == who.work_email]
    assert len(sent) == 1, sent
    return enrolment, _links(sent)[0]


def _answers(kind, score="5", **extra):
    items = CONFIDENCE_ITEMS + (REACTION_ITEMS if kind is EvaluationKind.AFTER else ())
    data = {item.key: score for item in items} if kind is not EvaluationKind.FOLLOW_UP else {}
    return {**data, **extra}


def _post(client, link, data):
    return client.post(link, data={**data, "csrf_token": csrf_token(client)})


# --- Invitations ------------------------------------------------------------------------------


def test_each_invitation_is_sent_once_however_often_the_job_runs(app):
    agency = factories.agency()
    course = build.course()
    soon = build.run(course, utcnow() + timedelta(days=5))
    later = build.run(course, utcnow() + timedelta(days=20))
    booked = build.enrol(soon, build.trainee(agency), EnrolmentStatus.BOOKED)
    build.enrol(later, build.trainee(agency), EnrolmentStatus.BOOKED)  # too early to ask
    build.enrol(build.ended_run(course), build.trainee(agency), EnrolmentStatus.NO_SHOW)
    attended = build.enrol(build.ended_run(course), build.trainee(agency), EnrolmentStatus.ATTENDED)
    completed = build.enrol(
        build.ended_run(course, 70),
        build.trainee(agency),
        EnrolmentStatus.COMPLETED,
        completed_on=uk_today() - timedelta(weeks=8, days=1),
    )
    build.enrol(  # seven weeks: not yet
        build.ended_run(course, 60),
        build.trainee(agency),
        EnrolmentStatus.COMPLETED,
        completed_on=uk_today() - timedelta(weeks=7),
    )

    assert evaluations.send_invitations() == "3 evaluation invitations"
    assert evaluations.send_invitations() == "0 evaluation invitations"

    made = {(e.enrolment_id, e.kind) for e in db.session.scalars(sa.select(Evaluation))}
    assert made == {
        (booked.id, EvaluationKind.BEFORE),
        (attended.id, EvaluationKind.AFTER),
        (completed.id, EvaluationKind.FOLLOW_UP),
    }
    sent = factories.deliver()
    assert sorted(e.to for e in sent) == sorted(
        t.work_email for t in (booked.trainee, attended.trainee, completed.trainee)
    )
    assert factories.deliver() == []


def test_only_the_tokens_digest_is_stored_and_the_outbox_forgets_the_link(app):
    enrolment, link = _invite(EvaluationKind.BEFORE)
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(Evaluation))
    assert stored.token_hash == tokens.hash_token(token)
    message = db.session.scalar(sa.select(OutboxMessage))
    db.session.refresh(message)
    assert message.params is None


def test_the_after_invitation_promises_no_certificate_to_someone_who_has_not_earned_it(app):
    """A partly attended trainee (the rule is 100%) is still asked after the course; her email
    must not say that sending it issues her certificate (trial finding 5)."""
    who = build.trainee(factories.agency())
    build.enrol(build.ended_run(build.course()), who, EnrolmentStatus.PARTIALLY_ATTENDED)
    evaluations.send_invitations()
    [email] = [e for e in factories.deliver() if e.to == who.work_email]
    body = email.body
    assert "issued once this is sent" not in body
    assert "issued once you have met all of them" in body


# --- The trainee's form -----------------------------------------------------------------------


def test_unanswered_items_are_each_named_and_what_was_typed_is_kept(app, client):
    _, link = _invite()
    page = client.get(link)
    assert page.status_code == 200
    assert "1 – Not at all confident" in page.get_data(as_text=True)
    answered = {CONFIDENCE_ITEMS[0].key: "6", "comments": COMMENT}
    response = _post(client, link, answered)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in body
    for item in CONFIDENCE_ITEMS[1:] + REACTION_ITEMS:
        assert f'href="#{item.key}"' in body, item.key
        assert item.error in body
    assert f'href="#{CONFIDENCE_ITEMS[0].key}"' not in body
    assert COMMENT in body  # the comment typed is still there
    assert re.search(rf'name="{CONFIDENCE_ITEMS[0].key}" type="radio" value="6" checked', body)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationAnswer)) == 0


def test_the_link_works_once(app, client):
    _, link = _invite()
    first = _post(client, link, _answers(EvaluationKind.AFTER, comments=COMMENT))
    assert first.status_code == 200
    assert "your answers have been sent" in first.get_data(as_text=True)
    scores = db.session.scalars(sa.select(EvaluationAnswer.score)).all()
    assert len(scores) == len(CONFIDENCE_ITEMS) + len(REACTION_ITEMS)

    again = client.get(link)
    assert again.status_code == 404 and "already sent this" in again.get_data(as_text=True)
    # A second submission (a form opened before the first was sent) changes nothing.
    token = link.rsplit("/", 1)[1]
    with pytest.raises(evaluations.AlreadySent):
        evaluations.submit(token, evaluations.Answers(scores={}, comments="again"))
    assert len(db.session.scalars(sa.select(EvaluationAnswer.score)).all()) == len(scores)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "training.evaluation_submitted")
    ).all()
    assert len(events) == 1 and events[0].actor_id is None


def test_an_unknown_or_mangled_link_is_a_calm_404(app, client):
    for path in ("/training/evaluation/nope", "/training/evaluation/" + "x" * 500):
        response = client.get(path)
        assert response.status_code == 404
        assert "This link does not work" in response.get_data(as_text=True)
    token = csrf_token(client)
    assert client.post("/training/evaluation/nope", data={"csrf_token": token}).status_code == 404


def test_the_follow_up_records_whether_she_recognised_and_responded(app, client):
    enrolment, link = _invite(EvaluationKind.FOLLOW_UP)
    missing = _post(client, link, {})
    assert missing.status_code == 400
    assert "Select yes if you have recognised" in missing.get_data(as_text=True)
    done = _post(client, link, {"recognised_abuse": "yes", "responded_to_abuse": "no"})
    assert done.status_code == 200
    evaluation = db.session.scalar(sa.select(Evaluation))
    db.session.refresh(evaluation)
    assert (evaluation.recognised_abuse, evaluation.responded_to_abuse) == (True, False)


def test_comments_are_ciphertext_at_rest(app, client):
    _, link = _invite()
    _post(client, link, _answers(EvaluationKind.AFTER, comments=COMMENT))
    rows = db.session.execute(sa.text("SELECT * FROM training_evaluations")).all()
    assert len(rows) == 1
    assert all("role play" not in str(value) for value in rows[0])
    assert db.session.scalar(sa.select(Evaluation)).comments == COMMENT


# --- Completion -------------------------------------------------------------------------------


def test_the_end_of_course_evaluation_completes_the_enrolment_and_issues_the_certificate(
    app, client
):
    enrolment, link = _invite(course=build.course(requires_evaluation=True))
    assert db.session.scalar(sa.select(Certificate)) is None  # attendance alone is not enough
    assert _post(client, link, _answers(EvaluationKind.AFTER)).status_code == 200
    certificate = db.session.scalar(sa.select(Certificate))
    assert certificate is not None and certificate.enrolment_id == enrolment.id
    db.session.refresh(enrolment)
    assert enrolment.status is EnrolmentStatus.COMPLETED


def test_a_before_evaluation_completes_nothing(app, client):
    _, link = _invite(EvaluationKind.BEFORE)
    assert _post(client, link, _answers(EvaluationKind.BEFORE)).status_code == 200
    assert db.session.scalar(sa.select(Certificate)) is None


# --- Summaries --------------------------------------------------------------------------------


def _answered(agency, course, before: int | None, after: int | None, comments: str = ""):
    """One trainee's answers, written as the form would: ``before``/``after`` for every
    confidence item (None: that evaluation not answered), after's reactions at 6."""
    who = build.trainee(agency)
    enrolment = build.enrol(build.ended_run(course), who, EnrolmentStatus.ATTENDED)
    for kind, score in ((EvaluationKind.BEFORE, before), (EvaluationKind.AFTER, after)):
        evaluation = Evaluation(
            enrolment_id=enrolment.id, kind=kind, invited_at=utcnow(), token_hash=None
        )
        db.session.add(evaluation)
        db.session.flush()
        if score is None:
            continue
        evaluation.submitted_at = utcnow()
        scores = {item.key: score for item in CONFIDENCE_ITEMS}
        if kind is EvaluationKind.AFTER:
            scores.update({item.key: 6 for item in REACTION_ITEMS})
        for key, value in scores.items():
            db.session.add(EvaluationAnswer(evaluation_id=evaluation.id, item=key, score=value))
        if kind is EvaluationKind.AFTER:
            evaluation.comments = comments or None
    db.session.commit()
    return enrolment


def test_the_change_is_the_paired_before_and_after_means(app):
    agency = factories.agency()
    course = build.course()
    # Hand-computed: five pairs, before 2, 3, 3, 4, 2 (mean 2.8) and after 5, 6, 6, 7, 5
    # (mean 5.8): a change of +3.0. The sixth answered before only and is left out of the pairs.
    for before, after in ((2, 5), (3, 6), (3, 6), (4, 7), (2, 5)):
        _answered(agency, course, before, after)
    _answered(agency, course, 7, None)
    coordinator = factories.user(Role.TRAINING_COORDINATOR, agency_row=agency)

    found = summaries.summary(coordinator, course)
    first = found.confidence[0]
    assert (first.pairs, first.before, first.after, first.change) == (5, 2.8, 5.8, 3.0)
    assert [(r.responses, r.mean) for r in found.reactions] == [(5, 6.0), (5, 6.0)]
    rates = {r.kind: (r.invited, r.submitted, r.percent) for r in found.rates}
    assert rates[EvaluationKind.BEFORE] == (6, 6, 100)
    assert rates[EvaluationKind.AFTER] == (6, 5, 83)


def test_fewer_than_five_answers_are_not_disclosed(app, client, login_as):
    agency = factories.agency()
    course = build.course()
    for before, after in ((2, 5), (3, 6), (3, 6), (4, 7)):
        _answered(agency, course, before, after)
    coordinator = factories.user(Role.TRAINING_COORDINATOR, agency_row=agency)

    found = summaries.summary(coordinator, course)
    assert (found.confidence[0].pairs, found.confidence[0].before) == (4, None)
    assert found.confidence[0].change is None and found.reactions[0].mean is None

    login_as(coordinator)
    index = client.get("/training/evaluations/").get_data(as_text=True)
    assert course.title in index and "&lt;5" in index
    page = client.get(f"/training/evaluations/{course.id}").get_data(as_text=True)
    assert "Not shown" in page and "2.8" not in page and "3.0" not in page


def test_a_training_lead_sees_her_own_agencys_answers_only(app, client, login_as):
    mine, theirs = factories.agency(), factories.agency()
    course = build.course()
    for _ in range(5):
        _answered(mine, course, 2, 4)
        _answered(theirs, course, 6, 7)
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=mine)

    found = summaries.summary(lead, course)
    assert (found.confidence[0].pairs, found.confidence[0].before) == (5, 2.0)
    login_as(lead)
    page = client.get(f"/training/evaluations/{course.id}")
    assert page.status_code == 200 and "+2.0" in page.get_data(as_text=True)
    assert client.get(f"/training/evaluations/{course.id}/comments").status_code == 403


def test_comments_are_shown_to_the_coordinator_apart_and_every_read_is_audited(
    app, client, login_as
):
    agency = factories.agency()
    course = build.course()
    written = [_answered(agency, course, 3, 5, comments=f"{COMMENT} {n}") for n in range(2)]
    _answered(agency, course, 3, 5)  # no comment: nothing to read, nothing recorded
    coordinator = factories.user(Role.TRAINING_COORDINATOR, agency_row=agency)
    login_as(coordinator)

    summary_page = client.get(f"/training/evaluations/{course.id}").get_data(as_text=True)
    assert COMMENT not in summary_page
    for _ in range(2):
        page = client.get(f"/training/evaluations/{course.id}/comments")
        assert page.status_code == 200 and f"{COMMENT} 1" in page.get_data(as_text=True)

    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "training.evaluation_comments_viewed")
    ).all()
    commented = {
        str(e.id)
        for e in db.session.scalars(
            sa.select(Evaluation).where(
                Evaluation.enrolment_id.in_([w.id for w in written]),
                Evaluation.kind == EvaluationKind.AFTER,
            )
        )
    }
    assert len(events) == 4  # two evaluations with comments, read twice
    assert {e.target_id for e in events} == commented
    assert all(e.actor_id == coordinator.id for e in events)


# --- Entered from paper -----------------------------------------------------------------------


def test_the_coordinator_enters_a_paper_evaluation_and_the_emailed_link_stops_working(
    app, client, login_as
):
    enrolment, link = _invite(course=build.course(requires_evaluation=True))
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    login_as(coordinator)
    run_page = client.get(f"/training/evaluations/runs/{enrolment.run_id}")
    paper = f"/training/evaluations/enrolments/{enrolment.id}/after"
    assert run_page.status_code == 200 and paper in run_page.get_data(as_text=True)

    assert login_as.post(paper, {}, page=paper).status_code == 400
    response = login_as.post(paper, _answers(EvaluationKind.AFTER), page=paper)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Certificate)) is not None  # completion, as by the link
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "training.evaluation_submitted")
    )
    assert event.actor_id == coordinator.id
    assert app.test_client().get(link).status_code == 404
    # Entering it twice records nothing more.
    login_as.post(paper, _answers(EvaluationKind.AFTER, score="1"), page=paper)
    assert set(db.session.scalars(sa.select(EvaluationAnswer.score))) == {5}


def test_a_training_lead_sees_her_own_staff_on_a_run_and_cannot_enter_paper(app, client, login_as):
    mine, theirs = factories.agency(), factories.agency()
    course = build.course()
    own = _answered(mine, course, 3, 5)
    other = _answered(theirs, course, 3, 5)
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=mine)
    login_as(lead)
    page = client.get(f"/training/evaluations/runs/{own.run_id}").get_data(as_text=True)
    assert own.trainee.name in page and "Enter from paper" not in page
    page = client.get(f"/training/evaluations/runs/{other.run_id}").get_data(as_text=True)
    assert other.trainee.name not in page
    paper = f"/training/evaluations/enrolments/{own.id}/follow_up"
    assert client.get(paper).status_code == 403


def test_the_overall_change_is_over_every_paired_answer_in_scope(app):
    mine, theirs = factories.agency(), factories.agency()
    for before, after in ((2, 5), (3, 6), (3, 6), (4, 7), (2, 5)):
        _answered(mine, build.course(), before, after)
    _answered(theirs, build.course(), 1, 1)
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=mine)
    found = summaries.overall_change(lead)
    assert (found.trainees, found.before, found.after, found.change) == (5, 2.8, 5.8, 3.0)
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    assert summaries.overall_change(coordinator).trainees == 6
    assert summaries.overall_change(factories.user(Role.AGENCY_TRAINING_LEAD)).before is None
