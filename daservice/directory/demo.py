"""The demo partnership's services (synthetic)."""

from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import Agency
from ..extensions import db
from .models import Service, ServiceKind

# (name, kind, agency code, receives without consent, description)
SERVICES = [
    (
        "Redbridge IDVA service",
        ServiceKind.IDVA,
        "VS",
        True,
        "Independent domestic violence advisers for victims at high risk.",
    ),
    (
        "Redbridge Marac",
        ServiceKind.MARAC,
        "LBR",
        True,
        "Multi-agency risk assessment conference for victims at high risk.",
    ),
    (
        "Community outreach",
        ServiceKind.OUTREACH,
        "REFUGE",
        False,
        "Outreach support for victims at standard and medium risk.",
    ),
    (
        "Children's safeguarding (MASH)",
        ServiceKind.CHILDRENS_SAFEGUARDING,
        "LBR",
        True,
        "Multi-agency safeguarding hub for children in the household.",
    ),
    (
        "Housing options",
        ServiceKind.HOUSING,
        "LBR",
        False,
        "Emergency and settled housing advice, including sanctuary schemes.",
    ),
    (
        "Drive perpetrator programme",
        ServiceKind.PERPETRATOR_PROGRAMME,
        "PROB",
        False,
        "Perpetrator programme for people causing harm.",
    ),
]


def load() -> dict[ServiceKind, Service]:
    found: dict[ServiceKind, Service] = {}
    for name, kind, code, without_consent, description in SERVICES:
        service = db.session.scalar(sa.select(Service).where(Service.name == name))
        if service is None:
            agency = db.session.scalar(sa.select(Agency).where(Agency.code == code))
            if agency is None:
                raise RuntimeError(f"agency {code} must exist before its services")
            service = Service(
                name=name,
                kind=kind,
                agency_id=agency.id,
                description=description,
                receives_without_consent=without_consent,
            )
            db.session.add(service)
        found[kind] = service
    db.session.commit()
    return found
