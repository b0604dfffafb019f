"""The service form refuses impossible values with GOV.UK messages and keeps what was typed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Agency, Role
from daservice.directory.models import Service
from daservice.extensions import db

from .. import factories
from ..conftest import csrf_token


@pytest.fixture()
def post(client, login_as):
    factories.directory()
    login_as(factories.user(Role.ADMIN))
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == "VS"))
    token = csrf_token(client, "/admin/services/new")

    def send(**fields: str):
        data = {
            "name": "Young people's IDVA",
            "kind": "idva",
            "agency": str(agency.id),
            "status": "active",
            "receives_without_consent": "no",
            "csrf_token": token,
            **fields,
        }
        return client.post("/admin/services/new", data=data)

    return send


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("minimum_age", "Sixteen", "Minimum age must be a whole number, like 16"),
        ("minimum_age", "16.5", "Minimum age must be a whole number, like 16"),
        ("maximum_age", "twenty", "Maximum age must be a whole number, like 25"),
        ("capacity_available", "a few", "Places available must be a whole number, like 5"),
        ("capacity_maximum", "lots", "Places in total must be a whole number, like 20"),
        ("minimum_age", "130", "Minimum age must be between 0 and 120"),
    ],
)
def test_a_number_that_is_not_a_whole_number_gets_a_govuk_message(post, field, typed, message):
    response = post(**{field: typed})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in body and body.count(message) == 2  # summary and inline
    assert "Not a valid integer value" not in body
    assert f'value="{typed}"' in body  # what was typed is kept
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Service)
            .where(Service.name == "Young people's IDVA")
        )
        == 0
    )


def test_places_available_cannot_be_more_than_places_in_total(post):
    response = post(capacity_available="30", capacity_maximum="20")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Places available must be the same as or fewer than places in total" in body


def test_places_available_equal_to_the_total_is_fine_and_commas_are_accepted(post):
    assert post(capacity_available="1,000", capacity_maximum="1,000").status_code == 302
    service = db.session.scalar(sa.select(Service).where(Service.name == "Young people's IDVA"))
    assert (service.capacity_available, service.capacity_maximum) == (1000, 1000)


def test_optional_fields_say_so_and_may_be_left_empty(client, post):
    page = client.get("/admin/services/new").get_data(as_text=True)
    for label in (
        "Description (optional)",
        "Who is eligible (optional)",
        "Languages (optional)",
        "Minimum age (optional)",
        "Maximum age (optional)",
        "Places available now (optional)",
        "Places in total (optional)",
    ):
        assert label in page, label
    assert post(description="", languages="", eligibility_description="").status_code == 302


def test_the_services_table_names_agencies_and_scrolls_on_its_own(client, post):
    page = client.get("/admin/services/").get_data(as_text=True)
    assert "Victim Support" in page
    assert '<td class="govuk-table__cell">VS</td>' not in page
    assert 'class="app-table-wrapper" tabindex="0" role="region"' in page
