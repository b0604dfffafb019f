"""The backends, each against a real peer on loopback: an SMTP server (aiosmtpd) and a stand-in
for GOV.UK Notify's HTTP API driven by the real client library; and the start-up checks."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller

from daservice import create_app, notify
from daservice.config import ConfigError
from daservice.extensions import db

from .. import factories

TEMPLATE = notify.register_template(
    "test.waiting", subject="Something is waiting", body="Sign in to see it.\n\n{service_url}"
).name


class Inbox:
    """An aiosmtpd handler keeping what it received."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.received.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture()
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks its own start on the port)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_smtp_delivers_to_a_real_smtp_server(base_config, _schema, smtp_server):
    controller, inbox = smtp_server
    app = create_app(
        dict(
            base_config,
            NOTIFY_BACKEND="smtp",
            NOTIFY_SMTP_HOST="127.0.0.1",
            NOTIFY_SMTP_PORT=controller.port,
            NOTIFY_SMTP_STARTTLS=False,  # a local relay, as in a test or a sidecar
            NOTIFY_FROM="daservice@demo.daservice.invalid",
            SERVICE_URL="https://daservice.example.gov.uk",
        )
    )
    with app.app_context():
        notify.enqueue(TEMPLATE, to="worker@demo.daservice.invalid")
        db.session.commit()
        assert notify.deliver_due().sent == 1
        db.session.remove()
    ((sender, recipients, content),) = inbox.received
    assert sender == "daservice@demo.daservice.invalid"
    assert recipients == ["worker@demo.daservice.invalid"]
    text = content.decode()
    assert "Subject: Something is waiting" in text
    assert "https://daservice.example.gov.uk" in text


def test_smtp_that_refuses_is_retried_not_lost(base_config, _schema):
    app = create_app(
        dict(
            base_config,
            NOTIFY_BACKEND="smtp",
            NOTIFY_SMTP_HOST="127.0.0.1",
            NOTIFY_SMTP_PORT=1,  # nothing listens there
            NOTIFY_SMTP_STARTTLS=False,
            NOTIFY_FROM="daservice@demo.daservice.invalid",
            NOTIFY_TIMEOUT_SECONDS=2,
        )
    )
    with app.app_context():
        notify.enqueue(TEMPLATE, to="worker@demo.daservice.invalid")
        db.session.commit()
        report = notify.deliver_due()
        assert (report.sent, report.retrying) == (0, 1)
        db.session.remove()
        _wipe_outbox()


def _wipe_outbox():
    db.session.execute(notify.OutboxMessage.__table__.delete())
    db.session.commit()


class FakeNotify(BaseHTTPRequestHandler):
    """Answers as GOV.UK Notify's POST /v2/notifications/email does, keeping each request."""

    requests: list[tuple[str, dict, str]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeNotify.requests.append((self.path, body, self.headers.get("Authorization", "")))
        answer = json.dumps({"id": "740e5834-3a29-46b4-9a6f-16142fde533a"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_govuk_notify_is_sent_through_its_client(base_config, _schema):
    server = HTTPServer(("127.0.0.1", 0), FakeNotify)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeNotify.requests.clear()
    template_ids = {
        t.name: f"0000000{n}-0000-4000-8000-000000000000"[-36:]
        for n, t in enumerate(notify.templates.registered())
    }
    try:
        app = create_app(
            dict(
                base_config,
                NOTIFY_BACKEND="govuk_notify",
                # Notify's key format: name, service id, secret (synthetic).
                NOTIFY_API_KEY="test-"
                + "26785a09-ab16-4eb0-8407-a37497a57506"
                + "-3d844edf-8d35-48ac-975b-e847b4f122b0",
                NOTIFY_TEMPLATE_IDS=template_ids,
                NOTIFY_BASE_URL=f"http://127.0.0.1:{server.server_port}",
                SERVICE_URL="https://daservice.example.gov.uk",
            )
        )
        with app.app_context():
            notify.enqueue(TEMPLATE, to="worker@demo.daservice.invalid")
            db.session.commit()
            assert notify.deliver_due().sent == 1
            db.session.remove()
    finally:
        server.shutdown()
    ((path, body, authorisation),) = FakeNotify.requests
    assert path == "/v2/notifications/email"
    assert body["email_address"] == "worker@demo.daservice.invalid"
    assert body["template_id"] == template_ids[TEMPLATE]
    assert body["personalisation"] == {"service_url": "https://daservice.example.gov.uk"}
    assert authorisation.startswith("Bearer ")  # the client signed it (a JWT)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"NOTIFY_BACKEND": "carrier-pigeon"}, "NOTIFY_BACKEND"),
        ({"NOTIFY_BACKEND": "smtp", "NOTIFY_FROM": "a@demo.daservice.invalid"}, "NOTIFY_SMTP_HOST"),
        ({"NOTIFY_BACKEND": "smtp", "NOTIFY_SMTP_HOST": "127.0.0.1"}, "NOTIFY_FROM"),
        ({"NOTIFY_BACKEND": "govuk_notify"}, "NOTIFY_API_KEY"),
        (
            {"NOTIFY_BACKEND": "govuk_notify", "NOTIFY_API_KEY": "x" * 80},
            "NOTIFY_TEMPLATE_IDS",
        ),
    ],
)
def test_a_backend_that_is_not_set_up_stops_the_app_starting(base_config, settings, named):
    with pytest.raises(ConfigError, match=named):
        create_app(dict(base_config, **settings))


def test_the_log_backend_logs_recipient_and_subject_only(app, caplog):
    notify.enqueue(TEMPLATE, to="worker@demo.daservice.invalid")
    db.session.commit()
    with caplog.at_level("INFO", logger="daservice.notify"):
        factories.deliver()
    assert "worker@demo.daservice.invalid: Something is waiting" in caplog.text
    assert "Sign in to see it" not in caplog.text
