"""Referrals placed in known periods, for the dashboard's and the CSV files' tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import sqlalchemy as sa

from daservice.accounts.models import Agency, Role, User
from daservice.extensions import db
from daservice.referrals.models import Referral

from .. import factories


def referrals(agency: Agency, when: datetime, count: int, high: bool = False) -> None:
    """``count`` referrals by a referrer of ``agency``, dated ``when`` (UTC)."""
    referrer = factories.user(Role.REFERRER, agency_row=agency)
    payload = (
        factories.referral_payload(risk__answers=factories.high_risk_answers())
        if high
        else factories.referral_payload()
    )
    made = [factories.refer(referrer, payload).id for _ in range(count)]
    for referral_id in made:
        db.session.get(Referral, referral_id).created_at = when
    db.session.commit()


def agency(code: str) -> Agency:
    return db.session.scalars(sa.select(Agency).where(Agency.code == code)).one()


def manager(agency: Agency | None = None, limited: bool = False) -> User:
    return factories.user(Role.MANAGER, agency_row=agency, reports_own_agency_only=limited)


def in_q2_2026() -> datetime:
    return datetime(2026, 5, 14, 10, tzinfo=UTC)


# --- Reading pages (the suite has no HTML parser: the markup is ours, and regular) -------------


def text(html: str) -> str:
    """Words only: tags removed, entities of ours decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def element(html: str, tag: str, ident: str) -> str:
    """The markup of the ``<tag id="ident">`` element (not nested in one of its own tag)."""
    found = re.search(rf'<{tag}\b[^>]*\bid="{re.escape(ident)}"[^>]*>(.*?)</{tag}>', html, re.S)
    assert found is not None, f"no <{tag} id={ident}>"
    return found.group(0)


def table_cells(html: str, key: str) -> dict[str, list[str]]:
    """A report table's body rows as {row label: [cell texts]}."""
    body = element(html, "table", f"table-{key}").split("<tbody", 1)[1]
    rows = {}
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body, re.S):
        label = re.search(r"<th\b[^>]*>(.*?)</th>", row, re.S)
        assert label is not None
        rows[text(label.group(1))] = [
            text(c) for c in re.findall(r"<td\b[^>]*>(.*?)</td>", row, re.S)
        ]
    return rows


def heading(html: str) -> str:
    found = re.search(r"<h1\b[^>]*>(.*?)</h1>", html, re.S)
    assert found is not None
    return text(found.group(1))


def selected(html: str, select_id: str) -> str | None:
    """The value of the chosen option of a select (None: none chosen)."""
    markup = element(html, "select", select_id)
    found = re.search(r'<option value="([^"]*)"[^>]*\bselected\b', markup)
    return found.group(1) if found else None


def options(html: str, select_id: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', element(html, "select", select_id))
