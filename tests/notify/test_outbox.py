"""The notifications outbox: written with the change, sent by the delivery job, retried with
backoff, given up on visibly, and never carrying case detail."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from daservice import notify
from daservice.extensions import db, utcnow
from daservice.notify import templates
from daservice.notify.models import MessageStatus, OutboxMessage

from .. import factories

TEMPLATE = notify.register_template(
    "test.hello", subject="Something is waiting", body="Sign in to see it.\n\n{service_url}"
).name
WITH_PARAM = notify.register_template(
    "test.course", subject="Your course {course} is soon", body="See {service_url}"
).name


class Flaky:
    """A backend that fails a given number of times, then works."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[notify.Email] = []

    def send(self, email: notify.Email) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("relay down")
        self.sent.append(email)


def test_a_message_is_sent_only_if_its_change_is_committed(app):
    notify.enqueue(TEMPLATE, to="worker@demo.daservice.invalid")
    db.session.rollback()
    assert factories.deliver() == []
    notify.enqueue(TEMPLATE, to="worker@demo.daservice.invalid")
    db.session.commit()
    sent = factories.deliver()
    assert [(m.to, m.subject) for m in sent] == [
        ("worker@demo.daservice.invalid", "Something is waiting")
    ]
    assert factories.deliver() == []  # sent once


def test_the_sign_in_link_comes_from_configuration_not_the_request(app):
    app.config["SERVICE_URL"] = "https://daservice.example.gov.uk"
    notify.enqueue(TEMPLATE, to="worker@demo.daservice.invalid")
    db.session.commit()
    (sent,) = factories.deliver()
    assert sent.body.endswith("https://daservice.example.gov.uk")
    assert sent.params == {"service_url": "https://daservice.example.gov.uk"}


def test_templates_refuse_parameters_they_do_not_declare(app):
    with pytest.raises(templates.TemplateParameterError):
        notify.enqueue(TEMPLATE, to="a@demo.daservice.invalid", params={"name": "Jane Okafor"})
    with pytest.raises(templates.TemplateParameterError):
        notify.enqueue(WITH_PARAM, to="a@demo.daservice.invalid")  # its one parameter missing
    with pytest.raises(templates.UnknownTemplate):
        notify.enqueue("test.nonexistent", to="a@demo.daservice.invalid")
    with pytest.raises(notify.outbox.UnknownAudience):
        notify.enqueue(TEMPLATE, audience=("nobody", "x"))
    notify.enqueue(WITH_PARAM, to="a@demo.daservice.invalid", params={"course": "Awareness"})
    db.session.commit()
    assert [m.subject for m in factories.deliver()] == ["Your course Awareness is soon"]


def test_every_registered_template_takes_no_parameter_that_could_hold_case_detail(app):
    # The referral route's messages say only that something is waiting: no parameters at all.
    for template in templates.registered():
        if template.name.startswith("referral."):
            assert template.params == frozenset(), template.name


def test_a_failing_backend_is_retried_with_backoff_then_given_up_visibly(app):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 3
    backend = Flaky(failures=5)
    message = notify.enqueue(TEMPLATE, to="worker@demo.daservice.invalid")
    db.session.commit()
    message_id = message.id
    start = utcnow()
    report = notify.outbox.deliver_due(backend, now=start)
    assert (report.sent, report.retrying) == (0, 1)
    stored = db.session.get(OutboxMessage, message_id)
    assert stored.attempts == 1 and stored.last_error == "ConnectionRefusedError"
    first_wait = stored.next_attempt_at - start  # from the moment of the attempt
    assert abs(first_wait - app.config["NOTIFY_RETRY_BASE"]) < timedelta(seconds=1)
    assert notify.outbox.deliver_due(backend, now=start).sent == 0  # not due yet: not tried
    assert backend.failures == 4

    later = stored.next_attempt_at
    notify.outbox.deliver_due(backend, now=later)
    stored = db.session.get(OutboxMessage, message_id)
    assert abs(stored.next_attempt_at - later - 2 * first_wait) < timedelta(seconds=1)  # doubled
    report = notify.outbox.deliver_due(backend, now=stored.next_attempt_at)
    assert report.failed == 1
    assert [m.id for m in notify.failed()] == [message_id]
    assert db.session.get(OutboxMessage, message_id).status == MessageStatus.FAILED

    admin = factories.user(factories.Role.ADMIN)
    assert notify.retry(admin, message_id)
    backend.failures = 0
    assert notify.outbox.deliver_due(backend).sent == 1
    assert [m.to for m in backend.sent] == ["worker@demo.daservice.invalid"]
    assert notify.failed() == []


def test_a_failure_records_only_the_kind_of_error(app):
    class Chatty:
        def send(self, email):
            raise RuntimeError(f"550 mailbox {email.to} unavailable; body was {email.body}")

    notify.enqueue(TEMPLATE, to="worker@demo.daservice.invalid")
    db.session.commit()
    notify.outbox.deliver_due(Chatty())
    (stored,) = db.session.scalars(sa.select(OutboxMessage))
    assert stored.last_error == "RuntimeError"


def test_two_servers_delivering_at_once_send_each_message_once(app):
    for n in range(30):
        notify.enqueue(TEMPLATE, to=f"worker{n}@demo.daservice.invalid")
    db.session.commit()
    backend = Flaky(failures=0)
    lock = threading.Lock()

    class Counting:
        def send(self, email):
            with lock:
                backend.sent.append(email)

    barrier = threading.Barrier(2)
    reports = []

    def server():
        with app.app_context():
            barrier.wait()
            reports.append(notify.outbox.deliver_due(Counting()))
            db.session.remove()

    threads = [threading.Thread(target=server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(m.to for m in backend.sent) == sorted(
        f"worker{n}@demo.daservice.invalid" for n in range(30)
    )
    assert sum(r.sent for r in reports) == 30


def test_a_lease_that_ran_out_makes_a_message_due_again(app):
    """A server that died after claiming a message: another sends it once the lease is over."""
    message = notify.enqueue(TEMPLATE, to="worker@demo.daservice.invalid")
    db.session.commit()
    now = utcnow()
    assert notify.outbox._claim(message.id, now)  # claimed, then the server died
    backend = Flaky(failures=0)
    assert notify.outbox.deliver_due(backend, now=now + timedelta(minutes=1)).sent == 0
    assert notify.outbox.deliver_due(backend, now=now + notify.outbox.LEASE).sent == 1


def test_an_audience_is_resolved_when_the_message_is_sent(app, directory):
    from daservice.directory.models import ServiceKind, ServiceMember

    outreach = directory[ServiceKind.OUTREACH]
    notify.enqueue(TEMPLATE, audience=("service_workers", str(outreach.id)))
    db.session.commit()
    joined = factories.user(factories.Role.SERVICE_WORKER)  # joins after the message was written
    db.session.add(ServiceMember(service_id=outreach.id, user_id=joined.id))
    db.session.commit()
    assert [m.to for m in factories.deliver()] == [joined.email]


def test_an_audience_with_nobody_in_it_is_a_failure_an_admin_sees(app, directory):
    from daservice.directory.models import ServiceKind

    empty = directory[ServiceKind.HOUSING]  # nobody works it: failed at once, not retried
    message = notify.enqueue(TEMPLATE, audience=("service_workers", str(empty.id)))
    db.session.commit()
    report = notify.outbox.deliver_due(Flaky(failures=0))
    assert (report.sent, report.expanded, report.failed) == (0, 0, 1)
    assert [m.id for m in notify.failed()] == [message.id]
    assert notify.failed()[0].last_error == "NoRecipients"


def test_an_audience_that_cannot_be_read_is_retried_not_lost(app):
    calls = []

    def broken(key):
        calls.append(key)
        raise RuntimeError("directory unavailable")

    notify.register_audience("test.broken", broken)
    message = notify.enqueue(TEMPLATE, audience=("test.broken", "x"))
    db.session.commit()
    report = notify.outbox.deliver_due(Flaky(failures=0))
    assert (report.retrying, report.failed) == (1, 0) and calls == ["x"]
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.status == MessageStatus.PENDING and stored.last_error == "RuntimeError"


def test_a_long_run_stops_claiming_before_its_leases_could_run_out(app, monkeypatch):
    for n in range(3):
        notify.enqueue(TEMPLATE, to=f"worker{n}@demo.daservice.invalid")
    db.session.commit()

    class Slow:
        sent: list = []

        def send(self, email):
            self.sent.append(email)
            ticks.append(notify.outbox.RUN_FOR)  # each send takes a whole run's worth of time

    ticks: list[timedelta] = []
    real = notify.outbox.utcnow
    monkeypatch.setattr(notify.outbox, "utcnow", lambda: real() + sum(ticks, timedelta()))
    report = notify.outbox.deliver_due(Slow())
    assert report.sent == 1  # then the run stopped: the others wait for the next run
    assert notify.outbox.deliver_due(Slow()).sent == 1
