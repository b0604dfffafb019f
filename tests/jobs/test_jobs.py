"""``flask jobs run``: what is due runs once, on one server, in its own context; failures are
recorded and do not stop the others; and the jobs the referral route relies on are registered."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from daservice import jobs
from daservice.extensions import db, utcnow
from daservice.jobs.models import JobRun

from .. import factories

RUNS: list[str] = []


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch):
    """Jobs registered by a test are gone after it (the app's own ones stay)."""
    monkeypatch.setattr(jobs, "_JOBS", dict(jobs._JOBS))


def _counted(name: str):
    def run() -> str:
        RUNS.append(name)
        return "did it"

    return run


def _fails() -> None:
    raise RuntimeError("broken")


def test_a_due_job_runs_once_and_then_waits_its_interval(app):
    RUNS.clear()
    jobs.register("test.counted", _counted("counted"), every=timedelta(hours=1))
    now = utcnow()
    (outcome,) = jobs.run_due(app, only=["test.counted"], now=now)
    assert outcome.ran and outcome.ok and outcome.summary == "did it"
    (outcome,) = jobs.run_due(app, only=["test.counted"], now=now + timedelta(minutes=5))
    assert not outcome.ran
    (outcome,) = jobs.run_due(app, only=["test.counted"], now=now + timedelta(hours=1))
    assert outcome.ran
    assert RUNS == ["counted", "counted"]
    run = db.session.get(JobRun, "test.counted")
    assert run.next_run_at == now + timedelta(hours=2) and run.lease_until is None


def test_a_minute_schedule_that_ticks_a_little_early_still_runs_every_tick(app):
    RUNS.clear()
    jobs.register("test.counted", _counted("counted"), every=timedelta(minutes=1))
    now = utcnow()
    jobs.run_due(app, only=["test.counted"], now=now + timedelta(milliseconds=40))  # claimed late
    jobs.run_due(app, only=["test.counted"], now=now + timedelta(minutes=1))  # the next tick
    assert RUNS == ["counted", "counted"]


def test_force_runs_a_job_that_is_not_yet_due(app):
    RUNS.clear()
    jobs.register("test.counted", _counted("counted"), every=timedelta(hours=1))
    jobs.run_due(app, only=["test.counted"])
    (outcome,) = jobs.run_due(app, only=["test.counted"], force=True)
    assert outcome.ran and RUNS == ["counted", "counted"]


def test_one_failing_job_is_recorded_and_the_others_still_run(app, runner):
    RUNS.clear()
    jobs.register("test.a_fails", _fails, every=timedelta(hours=1))
    jobs.register("test.b_counted", _counted("b"), every=timedelta(hours=1))
    result = runner.invoke(args=["jobs", "run", "--job", "test.a_fails", "--job", "test.b_counted"])
    assert result.exit_code == 1
    assert "test.a_fails: FAILED RuntimeError" in result.output
    assert "test.b_counted: ok did it" in result.output
    assert RUNS == ["b"]
    assert db.session.get(JobRun, "test.a_fails").last_failed
    listing = runner.invoke(args=["jobs", "list"])
    assert "test.a_fails" in listing.output and "FAILED RuntimeError" in listing.output


def test_an_unknown_job_is_a_usage_error(app, runner):
    result = runner.invoke(args=["jobs", "run", "--job", "test.nonexistent"])
    assert result.exit_code == 2 and "no such job" in result.output


def test_two_servers_running_jobs_at_once_run_each_due_job_once(app):
    RUNS.clear()
    others_done = threading.Event()

    def slow() -> None:
        RUNS.append("slow")
        others_done.wait(30)  # still running while every other server tries to claim it

    jobs.register("test.slow", slow, every=timedelta(hours=1))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    finished: list[bool] = []

    def server() -> None:
        try:
            barrier.wait()
            (outcome,) = jobs.run_due(app, only=["test.slow"])
            finished.append(outcome.ran)
            if len(finished) == 3:
                others_done.set()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            others_done.set()

    threads = [threading.Thread(target=server) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and RUNS == ["slow"]
    assert sorted(finished) == [False, False, False, True]


def test_a_run_that_overran_its_lease_does_not_clear_the_next_holders(app):
    jobs.register("test.counted", _counted("counted"), every=timedelta(hours=1))
    job = jobs._JOBS["test.counted"]
    first = utcnow()
    assert jobs._claim(job, first, force=False)
    second = first + job.lease + timedelta(seconds=1)  # the first server is still going
    assert jobs._claim(job, second, force=True)
    jobs._finish(job, first, True, "late")  # the first server finishes at last
    run = db.session.get(JobRun, "test.counted")
    db.session.refresh(run)
    assert run.lease_until == second + job.lease  # the second server still holds it


def test_the_referral_routes_jobs_are_registered(app):
    names = {job.name for job in jobs.registered()}
    assert {
        "notify.deliver",
        "referrals.flag_overdue",
        "referrals.expire_drafts",
        "api.expire_idempotency_records",
        "security.prune_rate_limits",
    } <= names


def test_abandoned_drafts_expire_and_recent_ones_stay(app):
    from daservice.referrals import drafts
    from daservice.referrals.models import ReferralDraft

    referrer = factories.user(factories.Role.REFERRER)
    old, recent = drafts.start(referrer), drafts.start(referrer)
    old_id, recent_id = old.id, recent.id
    old.updated_at = utcnow() - app.config["DRAFT_RETENTION"] - timedelta(minutes=1)
    db.session.commit()
    assert drafts.expire() == 1
    assert db.session.get(ReferralDraft, old_id) is None
    assert db.session.get(ReferralDraft, recent_id) is not None


def test_old_idempotency_records_expire(app, directory):
    from daservice.api import auth, idempotency
    from daservice.api.models import IdempotencyRecord

    client, _ = auth.issue(directory[next(iter(directory))].agency_id, "A partner system")
    for age, key in ((timedelta(days=30), "old"), (timedelta(minutes=1), "new")):
        db.session.add(
            IdempotencyRecord(
                api_client_id=client.id,
                key_hash=key,
                request_hash="x",
                status_code=201,
                response_json="{}",
                created_at=utcnow() - age,
            )
        )
    db.session.commit()
    assert idempotency.expire() == 1
    assert [r.key_hash for r in db.session.scalars(sa.select(IdempotencyRecord))] == ["new"]


def test_an_overdue_route_is_flagged_once_and_its_service_told_once(app, client, directory):
    from daservice.directory.models import ServiceKind, ServiceMember
    from daservice.referrals import services
    from daservice.referrals.models import Route, RouteStatus

    worker = factories.user(factories.Role.SERVICE_WORKER)
    db.session.add(ServiceMember(service_id=directory[ServiceKind.OUTREACH].id, user_id=worker.id))
    referrer = factories.user(factories.Role.REFERRER)
    referral = factories.refer(referrer, factories.referral_payload())
    factories.deliver()  # "a new referral is waiting"
    (route,) = [r for r in referral.routes if r.status == RouteStatus.PENDING]
    late = route.due_at + timedelta(minutes=1)
    assert services.flag_overdue(late) == 1
    assert services.flag_overdue(late + timedelta(hours=1)) == 0
    assert db.session.get(Route, route.id).sla_breached_at == late
    sent = factories.deliver()
    assert [m.to for m in sent] == [worker.email]
    assert "past its first-contact time" in sent[0].subject
    assert referral.reference not in sent[0].body
