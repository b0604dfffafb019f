"""Administration of the service directory."""

from __future__ import annotations

import sqlalchemy as sa

from daservice.accounts.models import Agency, Role
from daservice.directory.models import Service, ServiceMember
from daservice.extensions import db

from .. import factories
from ..conftest import csrf_token


def test_admin_adds_a_service_and_a_worker(client, login_as):
    factories.directory()
    login_as(factories.user(Role.ADMIN))
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == "VS"))
    token = csrf_token(client, "/admin/services/new")
    response = client.post(
        "/admin/services/new",
        data={
            "name": "Young people's IDVA",
            "kind": "idva",
            "agency": str(agency.id),
            "status": "active",
            "receives_without_consent": "yes",
            "minimum_age": "13",
            "maximum_age": "17",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    service = db.session.scalar(sa.select(Service).where(Service.name == "Young people's IDVA"))
    assert service.minimum_age == 13 and service.receives_without_consent
    worker = factories.user(Role.SERVICE_WORKER, agency_row=agency)
    outsider = factories.user(Role.SERVICE_WORKER)  # another agency: may not work this inbox
    client.post(
        f"/admin/services/{service.id}/members",
        data={"user": str(outsider.id), "csrf_token": token},
    )
    assert db.session.get(ServiceMember, (service.id, outsider.id)) is None
    client.post(
        f"/admin/services/{service.id}/members", data={"user": str(worker.id), "csrf_token": token}
    )
    assert db.session.get(ServiceMember, (service.id, worker.id)) is not None
    client.post(
        f"/admin/services/{service.id}/members/{worker.id}/remove", data={"csrf_token": token}
    )
    db.session.expire_all()
    assert db.session.get(ServiceMember, (service.id, worker.id)) is None


def test_service_form_explains_errors(client, login_as):
    login_as(factories.user(Role.ADMIN))
    token = csrf_token(client, "/admin/services/new")
    response = client.post(
        "/admin/services/new",
        data={
            "name": "",
            "kind": "idva",
            "agency": "",
            "minimum_age": "20",
            "maximum_age": "10",
            "csrf_token": token,
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (
        "Enter the service name",
        "Select the agency that runs it",
        "Maximum age must be the same as or more than the minimum age",
        "Select whether it may receive referrals without consent",
    ):
        assert message in body


def test_only_admins_manage_services(client, login_as):
    factories.directory()
    login_as(factories.user(Role.SERVICE_WORKER))
    assert client.get("/admin/services/").status_code == 403
