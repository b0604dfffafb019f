"""A perpetrator programme on the demo partnership's programme service, and one of its workers."""

from __future__ import annotations

import pytest

from daservice.accounts.models import Agency, Role
from daservice.directory.models import ServiceKind
from daservice.extensions import db
from daservice.perpetrators.models import Programme, ProgrammeKind
from tests import factories


def a_programme_and_its_worker() -> dict:
    """The demo directory, a group programme of two places on its programme service, and a
    programme worker of the provider agency."""
    directory = factories.directory()
    service = directory[ServiceKind.PERPETRATOR_PROGRAMME]
    programme = Programme(
        name="Changing Ways group programme",
        agency_id=service.agency_id,
        service_id=service.id,
        kind=ProgrammeKind.GROUP,
        accredited=True,
        capacity=2,
        eligibility="Men over 18 who have used abuse against a partner.",
    )
    db.session.add(programme)
    db.session.commit()
    provider = db.session.get(Agency, service.agency_id)
    worker = factories.user(Role.PROGRAMME_WORKER, agency_row=provider)
    return {"directory": directory, "programme": programme, "worker": worker}


@pytest.fixture()
def partnership(app):
    return a_programme_and_its_worker()
