"""The managers' dashboard: filters, errors, the partial-period warning, sections not yet
recorded, the downloads it offers, and whose figures a manager sees."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.extensions import db
from daservice.reports import periods

from .. import factories
from . import world
from .world import element, heading, options, selected, table_cells, text

HOSPITAL = "Barking, Havering and Redbridge University Hospitals NHS Trust"


def _page(client, path: str) -> str:
    return client.get(path).get_data(as_text=True)


@pytest.fixture()
def partnership(app, directory):
    police = world.agency("MPS")  # the demo's agencies, which the directory fixture loads
    health = world.agency("BHRUT")
    world.referrals(police, world.in_q2_2026(), 6)
    world.referrals(health, world.in_q2_2026(), 2, high=True)
    world.referrals(police, datetime(2026, 8, 3, 9, tzinfo=UTC), 1)
    return {"police": police, "health": health}


def test_the_default_is_the_latest_complete_quarter(client, login_as, partnership):
    login_as(world.manager())
    page = _page(client, "/reports/")
    assert heading(page) == periods.latest_complete_quarter().label
    assert 'id="partial-period"' not in page


def test_a_quarter_shows_each_agencys_referrals_with_small_counts_hidden(
    client, login_as, partnership
):
    login_as(world.manager())
    response = client.get("/reports/?period=2026-Q2")
    assert response.status_code == 200
    rows = table_cells(response.get_data(as_text=True), "referrals-by-agency")
    # The hospital's 2 high-risk referrals are "<5", and so is its row total.
    assert rows[HOSPITAL] == ["0", "0", "<5", "<5"]
    # The total of 8 is shown, so the police's 6 (all standard risk) is hidden too: 8 minus a
    # shown 6 would give the hospital's 2 away.
    assert rows["Metropolitan Police Service"] == ["[c]", "0", "0", "[c]"]
    assert rows["Total"] == ["[c]", "0", "<5", "8"]


def test_the_form_filters_by_month_and_by_agency(client, login_as, partnership):
    login_as(world.manager())
    police = partnership["police"]
    page = _page(client, f"/reports/?period=2026-05&agency={police.id}&service=")
    assert heading(page) == "May 2026"
    rows = table_cells(page, "referrals-by-agency")
    assert list(rows) == ["Metropolitan Police Service", "Total"]
    assert rows["Total"][-1] == "6"
    # The form shows what was chosen.
    assert selected(page, "period") == "2026-05"
    assert selected(page, "agency") == str(police.id)


def test_a_plan_year_is_offered_and_shown(client, login_as, partnership):
    from daservice.training import planning

    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    planning.save_plan(coordinator, None, name="Plan", starts_on=date(2025, 4, 1))
    login_as(world.manager())
    offered = options(_page(client, "/reports/"), "period")
    assert offered[-2:] == ["PY2026", "PY2025"]  # the years that have started, newest first
    assert offered[0] == periods.quarter(date.today()).key  # this quarter, then the ones before
    page = _page(client, "/reports/?period=PY2026")
    assert heading(page) == "Plan year 2: April 2026 to March 2027"
    assert table_cells(page, "referrals-by-agency")["Total"][-1] == "9"
    assert 'id="partial-period"' in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("period=2026-Q9", "period", "Enter a period like 2026-07"),
        ("period=May", "period", "Enter a period like 2026-07"),
        ("period=PY2031", "period", "There is no plan year starting in 2031"),
        ("period=2099-Q1", "period", "Choose a period that has started"),
        ("period=2026-Q2&agency=not-an-agency", "agency", "Select an agency from the list"),
        ("period=2026-Q2&service=00000000-0000-0000-0000-000000000000", "service", "Select a"),
    ],
)
def test_a_bad_filter_is_an_error_on_its_field_never_a_500_or_404(
    client, login_as, partnership, query, field, message
):
    login_as(world.manager())
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary is not None and message in text(summary.group(0))
    assert f'href="#{field}"' in summary.group(0)
    assert re.search(r"<title>\s*Error: ", page)
    assert "<table" not in page  # no figures for a question that was not understood


def test_a_bad_filter_on_a_download_shows_the_errors_too(client, login_as, partnership):
    login_as(world.manager())
    for path in ("/reports/tables.zip", "/reports/tables/referrals-by-agency.csv"):
        response = client.get(f"{path}?period=2026-13")
        assert response.status_code == 400 and b"govuk-error-summary" in response.data


def test_the_current_quarter_is_marked_partial(client, login_as, partnership):
    login_as(world.manager())
    page = _page(client, f"/reports/?period={periods.quarter(date.today()).key}")
    assert "Partial period" in text(element(page, "div", "partial-period"))
    chosen = re.search(r"<option[^>]*selected[^>]*>[^<]*", element(page, "select", "period"))
    assert "(so far)" in chosen.group(0)


def test_sections_not_yet_recorded_say_what_will_appear_never_zeros(client, login_as, partnership):
    login_as(world.manager())
    page = _page(client, "/reports/?period=2026-Q2")
    section = element(page, "section", "perpetrator-programmes")
    assert "govuk-inset-text" in section
    words = text(section)
    assert "Not yet recorded" in words and "completion and drop-out" in words
    assert "<table" not in section and not re.search(r"\b0\b", words)
    # Every section is in the contents, in order, linked to its anchor.
    contents = re.findall(r'href="#([a-z-]+)"', element(page, "nav", "contents"))
    assert contents == re.findall(r'<section class="app-report-section" id="([a-z-]+)"', page)
    assert "service-users" in contents


def test_the_key_to_the_symbols_is_given_once(client, login_as, partnership):
    login_as(world.manager())
    assert _page(client, "/reports/?period=2026-Q2").count("means 1 to 4") == 1


def test_each_section_says_its_measure_and_when_a_filter_does_not_apply(
    client, login_as, partnership, directory
):
    login_as(world.manager())
    service = next(iter(directory.values()))
    filtered = _page(client, f"/reports/?period=2026-Q2&service={service.id}")
    # Training is about staff, not services: the service filter does not narrow it.
    section = text(element(filtered, "section", "safe-spaces"))
    assert "Safe spaces with trained professionals" in section
    assert "the service filter does not apply to this section" in section
    # Referrals are narrowed by service where a table counts routes, so no such warning.
    assert "does not apply" not in text(element(filtered, "section", "come-forward"))
    unfiltered = element(_page(client, "/reports/?period=2026-Q2"), "section", "safe-spaces")
    assert "does not apply" not in unfiltered


def _links(page: str) -> dict[str, str]:
    return {
        text(t): h.replace("&amp;", "&")
        for h, t in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', page, re.S)
    }


def test_downloads_are_offered_with_the_same_filters(client, login_as, partnership):
    login_as(world.manager())
    police = partnership["police"]
    page = _page(client, f"/reports/?period=2026-Q2&agency={police.id}")
    links = _links(page)
    table_link = next(h for t, h in links.items() if t.startswith("Download this table (CSV)"))
    assert table_link.startswith("/reports/tables/referrals-by-agency.csv?")
    assert "period=2026-Q2" in table_link and f"agency={police.id}" in table_link
    assert "period=2026-Q2" in links["Download all tables (ZIP)"]
    assert "period=2026-Q2" in links["Download the Marac quarterly return (CSV)"]
    form = re.search(r'<form method="post" action="/reports/exports".*?</form>', page, re.S).group(
        0
    )
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert fields["period"] == "2026-Q2" and fields["format"] == "pdf"
    assert fields["agency"] == str(police.id) and fields["csrf_token"]
    assert "Prepare the board pack (PDF)" in text(form)


def test_the_marac_return_is_offered_for_a_quarter_only(client, login_as, partnership):
    login_as(world.manager())
    page = text(_page(client, "/reports/?period=2026-05"))
    assert "Download the Marac quarterly return" not in page
    assert "choose a quarter to download it" in page


# --- Whose figures -------------------------------------------------------------------------------


def test_a_manager_limited_to_her_agency_sees_only_its_figures(client, login_as, partnership):
    police = partnership["police"]
    login_as(world.manager(police, limited=True))
    page = _page(client, "/reports/?period=2026-Q2")
    assert list(table_cells(page, "referrals-by-agency")) == [
        "Metropolitan Police Service",
        "Total",
    ]
    assert 'id="agency"' not in page  # no choice to make
    assert "your agency's figures only" in text(element(page, "p", "agency-limited"))
    assert "Reports: Metropolitan Police Service" in text(page)


def test_a_limited_manager_asking_for_another_agency_gets_404_and_nothing_is_written(
    client, login_as, partnership
):
    login_as(world.manager(partnership["police"], limited=True))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    other = partnership["health"].id
    for path in ("/reports/", "/reports/tables.zip", "/reports/tables/referrals-by-agency.csv"):
        assert client.get(f"{path}?period=2026-Q2&agency={other}").status_code == 404
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_a_manager_of_the_whole_partnership_may_choose_any_agency(client, login_as, partnership):
    login_as(world.manager(partnership["police"]))
    page = _page(client, f"/reports/?period=2026-Q2&agency={partnership['health'].id}")
    rows = table_cells(page, "referrals-by-agency")
    assert list(rows) == [HOSPITAL, "Total"]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.MANAGER])
def test_anyone_without_the_reports_permission_gets_403(client, login_as, app, role):
    login_as(factories.user(role))
    for path in ("/reports/", "/reports/tables.zip", "/reports/tables/referrals-by-agency.csv"):
        assert client.get(f"{path}?period=2026-Q2").status_code == 403


def test_an_administrator_limits_a_manager_to_her_agency_and_can_lift_it(
    app, client, login_as, partnership
):
    from daservice.accounts.models import User

    from ..conftest import LoginActions, csrf_token

    manager = world.manager(partnership["police"])
    login_as(factories.user(Role.ADMIN))
    form = client.get(f"/admin/users/{manager.id}").get_data(as_text=True)
    assert "For someone with the manager role only" in form
    assert 'name="reports_own_agency_only"' in form
    fields = {
        "display_name": manager.display_name,
        "agency": str(manager.agency_id),
        "roles": ["manager"],
        "csrf_token": csrf_token(client, f"/admin/users/{manager.id}"),
    }
    post = client.post(f"/admin/users/{manager.id}", data=fields | {"reports_own_agency_only": "y"})
    assert post.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, manager.id).reports_own_agency_only
    assert re.search(
        r'name="reports_own_agency_only"[^>]*checked', _page(client, f"/admin/users/{manager.id}")
    )

    theirs = app.test_client()
    LoginActions(theirs)(manager)
    page = _page(theirs, "/reports/?period=2026-Q2")
    assert list(table_cells(page, "referrals-by-agency")) == [
        "Metropolitan Police Service",
        "Total",
    ]

    assert client.post(f"/admin/users/{manager.id}", data=fields).status_code == 302  # unticked
    db.session.expire_all()
    assert not db.session.get(User, manager.id).reports_own_agency_only
