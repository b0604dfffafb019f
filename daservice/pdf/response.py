"""Serving a PDF: a download that no cache keeps, and never without its audit event."""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Any

from flask import Response

from .. import audit
from ..audit import AuditAction
from ..extensions import db

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """An ASCII file name ending ``.pdf``, safe in a ``Content-Disposition`` header on any system.

    Accents are dropped (``Évaluation`` → ``Evaluation``), anything but letters, digits, ``.``,
    ``_`` and ``-`` becomes ``-``, and no path, quote or control character survives. Never put a
    protected value (a victim's name) in a file name: it ends up in download folders and logs.
    """
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("-", ascii_stem).strip("-._")[:80].rstrip("-._")
    return (cleaned or "document") + ".pdf"


def pdf_response(
    pdf: bytes,
    filename: str,
    *,
    actor: Any,
    target_type: str,
    target_id: uuid.UUID | str | None,
    purpose: str,
) -> Response:
    """A download of ``pdf``, with the export audited.

    The ``export.pdf`` event joins the caller's transaction, which this commits before returning:
    a document is never served without its audit record, and the view needs no commit of its own.
    ``target_type``/``target_id`` name what the document is about (a course run, a report) and
    ``purpose`` why it was exported; like every audit field, they hold no personal data.
    """
    audit.record(
        AuditAction.EXPORT_PDF,
        actor=actor,
        target_type=target_type,
        target_id=target_id,
        purpose=purpose,
    )
    db.session.commit()
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    # The security headers say this for every page too; a PDF must not depend on that.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
