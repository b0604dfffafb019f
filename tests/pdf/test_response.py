"""pdf_response: a download no cache keeps, with the export audited in the same transaction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice import audit, pdf
from daservice.accounts.models import Role
from daservice.audit import AuditAction, AuditEvent
from daservice.extensions import db

from .. import factories


def _events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))


def test_a_pdf_is_an_uncached_attachment_and_its_export_is_audited(app):
    manager = factories.user(Role.MANAGER)
    with app.test_request_context("/reports/board-pack.pdf"):
        response = pdf.pdf_response(
            b"%PDF-1.7 ...",
            "Board pack Q3 2026.pdf",
            actor=manager,
            target_type="report",
            target_id="board-pack-2026-q3",
            purpose="quarterly board pack",
        )
    assert response.status_code == 200 and response.get_data() == b"%PDF-1.7 ..."
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Board-pack-Q3-2026.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    db.session.rollback()  # committed already: the event survives whatever the caller does next
    (event,) = _events()
    assert event.action == AuditAction.EXPORT_PDF
    assert (event.actor_id, event.agency_id) == (manager.id, manager.agency_id)
    assert (event.target_type, event.target_id) == ("report", "board-pack-2026-q3")
    assert event.purpose == "quarterly board pack"
    assert audit.label(event.action) == "Exported a PDF"
    assert audit.verify().ok


def test_the_export_event_joins_the_callers_transaction(app):
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    audit.record("referral.viewed", actor=coordinator, target_type="referral", target_id="r1")
    with app.test_request_context():
        pdf.pdf_response(
            b"%PDF-",
            "certificates",
            actor=coordinator,
            target_type="course_run",
            target_id="run-1",
            purpose="certificates for a course run",
        )
    db.session.rollback()
    assert [e.action for e in _events()] == ["referral.viewed", "export.pdf"]


@pytest.mark.parametrize(
    ("asked", "served"),
    [
        ("report.pdf", "report.pdf"),
        ("report", "report.pdf"),
        ("../../etc/passwd", "etc-passwd.pdf"),
        ('Évaluation "Q1"; filename=evil.exe', "Evaluation-Q1-filename-evil.exe.pdf"),
        ("a\r\nSet-Cookie: x=1", "a-Set-Cookie-x-1.pdf"),
        ("", "document.pdf"),
        ("...pdf", "document.pdf"),
        ("x" * 300, "x" * 80 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(asked, served):
    assert pdf.safe_filename(asked) == served
