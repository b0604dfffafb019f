"""The SafeLives Marac quarterly data return: every line against the fixture in
``referral_world`` worked out by hand, disclosure control, no names, a quarter only, and the
download (permission, scope, audit, headers)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.reports import marac_return, periods
from daservice.reports.disclosure import HIDDEN, SMALL
from daservice.reports.sections import ReportQuery
from daservice.security import crypto
from tests import factories

from . import referral_world
from .referral_world import CANARY

Q3 = periods.parse("2026-Q3")
URL = "/reports/marac-return.csv"


@pytest.fixture()
def world(app, db):
    app.config["REPORTS_ADULT_FEMALE_POPULATION"] = 100_000
    return referral_world.build()


def parsed(content: bytes) -> dict[str, list[str]]:
    assert content.startswith("\ufeff".encode()), "Excel needs the byte-order mark"
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    start = next(i for i, row in enumerate(table) if row and row[0] == "measure_key")
    assert table[start] == list(marac_return.HEADINGS)
    return {row[0]: row[2:6] for row in table[start + 1 :]}


def test_every_line_of_the_return(world):
    """The quarter's Marac cases are H1-H6 (all from the MPS, the police). Children: H4 2, H5 1
    = 3. Repeat: H6 (H5 went to Marac in July). Male: H2; not known: H3 (no gender). 16-17: H2
    (born 1 March 2009: 17 on 7 July 2026); not known: H3 (no date of birth). Disabled: H3; H4
    said "None"; not known: H1, H2, H5, H6. Perpetrator under 18: H4's (born 2010); not known:
    the 5 others (no perpetrator named). 6 cases in 92 days for 100,000 adult women:
    6 x 365.25 / 92 / 10 = 2.4 a year per 10,000. Percentages are of the 6 cases; any with a part
    or rest of 1 to 4 is hidden."""
    found = parsed(marac_return.csv_bytes(ReportQuery(Q3)))
    assert found == {
        "cases_discussed": ["6", "", "", ""],
        "cases_per_10000_adult_women": ["2.4", "", "", "40"],
        "children_in_households": [SMALL, "", "", ""],
        "repeat_cases": [SMALL, HIDDEN, "", ""],
        "referrals_from_police": ["6", "100%", "", ""],
        "referrals_from_partner_agencies": ["0", "0%", "", ""],
        "male_victims": [SMALL, HIDDEN, SMALL, ""],
        "victims_aged_16_17": [SMALL, HIDDEN, SMALL, ""],
        "disabled_victims": [SMALL, HIDDEN, SMALL, ""],
        "perpetrators_under_18": [SMALL, HIDDEN, "5", ""],
        "bame_victims": [marac_return.NOT_RECORDED, "", "", ""],
        "lgbt_victims": [marac_return.NOT_RECORDED, "", "", ""],
    }


def test_the_lines_count_exactly_behind_the_suppression(world):
    """The raw figures the "<5"s stand for, so the SQL is checked too."""
    lines = {line.key: line for line in marac_return.lines(ReportQuery(Q3))}
    assert lines["cases_discussed"].number == "6"
    from daservice.extensions import db
    from daservice.referrals.models import Referral

    marac = sa.select(Referral).where(Referral.marac.is_(True))
    rows = db.session.scalars(marac).all()
    assert sum(r.children_count for r in rows) == 3
    assert sorted(str(r.victim_male) for r in rows) == ["False"] * 4 + ["None", "True"]


def test_partner_agency_referrals_are_every_agency_but_the_police(world, app):
    """With the LBR named as the police too, nothing comes from partners; with no police agency
    configured, all 6 do."""
    app.config["REPORTS_POLICE_AGENCY_CODES"] = []
    found = parsed(marac_return.csv_bytes(ReportQuery(Q3)))
    assert found["referrals_from_police"][:2] == ["0", "0%"]
    assert found["referrals_from_partner_agencies"][:2] == ["6", "100%"]


def test_no_name_and_no_identifier_is_in_the_file(world):
    content = marac_return.csv_bytes(ReportQuery(Q3)).decode("utf-8-sig")
    assert CANARY not in content and "Testaperson" not in content and "DA-2026" not in content
    for referral_id in world.referrals.values():
        assert str(referral_id) not in content


def test_the_return_never_decrypts(world, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the return decrypted a field")

    monkeypatch.setattr(crypto.ColumnCipher, "decrypt", refuse)
    monkeypatch.setattr(crypto.FieldCipher, "decrypt", refuse)
    assert marac_return.csv_bytes(ReportQuery(Q3))


@pytest.mark.parametrize(
    "period",
    [periods.parse("2026-07"), periods.plan_year(date(2024, 4, 1), date(2025, 3, 31), 1)],
)
def test_only_a_quarter_is_accepted(app, db, period):
    with pytest.raises(marac_return.NotAQuarter, match="choose a quarter"):
        marac_return.csv_bytes(ReportQuery(period))


def test_a_manager_downloads_it_audited_and_never_cached(world, client, login_as):
    manager = factories.user(Role.MANAGER)
    login_as(manager)
    response = client.get(f"{URL}?period=2026-Q3")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="marac-return-2026-Q3.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert parsed(response.data)["cases_discussed"][0] == "6"
    from daservice.extensions import db

    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "export.marac_return")
    ).one()
    assert event.actor_id == manager.id and event.purpose == "2026-Q3"


def test_a_limited_manager_gets_her_agencys_cases_only(world, client, login_as):
    """Limited to the LBR, who referred no Marac case this quarter: 0, and no benchmark."""
    login_as(
        factories.user(Role.MANAGER, agency_row=world.agency("LBR"), reports_own_agency_only=True)
    )
    found = parsed(client.get(f"{URL}?period=2026-Q3").data)
    assert found["cases_discussed"][0] == "0"
    assert found["cases_per_10000_adult_women"][0] == "–"


def test_a_month_is_refused_with_a_page_saying_to_choose_a_quarter(app, db, client, login_as):
    login_as(factories.user(Role.MANAGER))
    response = client.get(f"{URL}?period=2026-07")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "choose a quarter, for example 2026-Q3" in page
    assert client.get(f"{URL}?period=nonsense").status_code == 400


def test_a_referrer_may_not_download_it(app, db, client, login_as):
    login_as(factories.user(Role.REFERRER))
    assert client.get(f"{URL}?period=2026-Q3").status_code == 403
