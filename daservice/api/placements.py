"""``POST /api/v1/placements`` and ``GET /api/v1/placements/{id}``: a partner system (probation's
case system, children's services) places a man on a perpetrator programme, and reads back where
his placement has got to (its stage only: never the programme's notes).

The body is read here, every problem collected and named by its field, in the GOV.UK style of
the referral API; the placement is made by ``perpetrators.placements.receive``, the same as a
programme worker's direct placement, once per Idempotency-Key.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..extensions import db
from ..perpetrators import placements
from ..perpetrators.models import Placement, Programme, ProgrammeStatus, Source
from ..perpetrators.refusals import Refused
from ..referrals.validation import SPACES
from . import idempotency
from .models import PartnerSystem

NAME_LIMIT = 100
# What a partner system may say a placement came from (a referral's comes from its route).
SOURCES = [s for s in Source if s is not Source.REFERRAL_ROUTE]


class InvalidPlacement(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid placement")
        self.errors = errors


def placement_location(placement_id: object) -> str:
    return f"/api/v1/placements/{placement_id}"


def _name(person: dict[str, Any], key: str, label: str, errors: dict[str, list[str]]) -> str:
    value = person.get(key)
    path = f"person.{key}"
    if isinstance(value, str) and len(value) > NAME_LIMIT:
        errors[path] = [f"{label} must be {NAME_LIMIT} characters or fewer"]
    elif value is None or (isinstance(value, str) and not value.strip(SPACES)):
        errors[path] = [f"Enter his {label.lower()}"]
    elif not isinstance(value, str):
        errors[path] = [f"{label} must be text"]
    else:
        return value.strip(SPACES)
    return ""


def _born(person: dict[str, Any], errors: dict[str, list[str]]) -> date | None:
    value = person.get("date_of_birth")
    if value is None or value == "":
        return None
    path = "person.date_of_birth"
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        errors[path] = ["Date of birth must be a real date, like 1985-03-27"]
        return None
    try:
        born = date.fromisoformat(value)
    except ValueError:
        errors[path] = ["Date of birth must be a real date"]
        return None
    if born > date.today():
        errors[path] = ["Date of birth must be in the past"]
    elif born.year < date.today().year - 120:
        errors[path] = [f"Date of birth must be in {date.today().year - 120} or later"]
    else:
        return born
    return None


def parse(body: Any) -> tuple[uuid.UUID | None, placements.DirectPlacement]:
    """The programme and the placement a body asks for, or ``InvalidPlacement`` naming each
    field that is wrong."""
    if not isinstance(body, dict):
        raise InvalidPlacement({"": ["The placement must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    for unknown in sorted(set(body) - {"programme_id", "source", "person"}):
        errors[unknown] = ["Unknown field"]
    programme_id = None
    raw_id = body.get("programme_id")
    if not isinstance(raw_id, str) or not raw_id:
        errors["programme_id"] = ["Give the id of an open programme"]
    else:
        try:
            programme_id = uuid.UUID(raw_id)
        except ValueError:
            errors["programme_id"] = ["Give the id of an open programme"]
    source = next((s for s in SOURCES if s.value == body.get("source")), None)
    if source is None:
        errors["source"] = ["Say who referred him: " + ", ".join(s.value for s in SOURCES)]
    person = body.get("person")
    first_name = last_name = ""
    born = None
    if isinstance(person, dict):
        for unknown in sorted(set(person) - {"first_name", "last_name", "date_of_birth"}):
            errors[f"person.{unknown}"] = ["Unknown field"]
        first_name = _name(person, "first_name", "First name", errors)
        last_name = _name(person, "last_name", "Last name", errors)
        born = _born(person, errors)
    else:
        errors["person"] = ["Enter his details: first_name, last_name and date_of_birth"]
    if errors or source is None:
        raise InvalidPlacement(errors)
    return programme_id, placements.DirectPlacement(
        source=source, first_name=first_name, last_name=last_name, date_of_birth=born
    )


def _id_of(body: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(body["programme_id"])
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


def summary(placement: Placement) -> dict[str, Any]:
    """What the partner system is told: where the placement has got to. Nothing of him beyond
    what it sent, nothing the programme wrote."""
    return {
        "id": str(placement.id),
        "programme_id": str(placement.programme_id),
        "source": placement.source.value,
        "stage": placement.stage.value,
        "created_at": placement.created_at.isoformat(),
        "stage_changed_at": placement.stage_changed_at.isoformat(),
    }


def receive_placement(client: PartnerSystem, body: Any, key: str | None) -> idempotency.Answer:
    def work() -> idempotency.Answer:
        try:
            programme_id, data = parse(body)
        except InvalidPlacement as invalid:
            # Every field is named at once: the programme too, when its id was well formed.
            sent = _id_of(body)
            if "programme_id" not in invalid.errors and sent is not None:
                if problem := placements.programme_problem(sent):
                    invalid.errors["programme_id"] = [problem]
            raise
        try:
            made = placements.receive(client, programme_id, data)
        except Refused as refused:
            raise InvalidPlacement(
                {_API_FIELDS.get(k, k): [m] for k, m in refused.errors.items()}
            ) from None
        answer = current_app.json.dumps(summary(made)) + "\n"
        return idempotency.Answer(201, answer, placement_location(made.id))

    return idempotency.once(
        client.id,
        "POST /api/v1/placements",
        key,
        body,
        work,
        lambda sent: placement_location(sent["id"]),
    )


# The use case's field names, as the API names them.
_API_FIELDS = {"first_name": "person.first_name", "last_name": "person.last_name"}


def read_placement(client: PartnerSystem, placement_id: str) -> dict[str, Any] | None:
    """A placement this client sent (None otherwise: a 404), its read audited. Commits."""
    try:
        wanted = uuid.UUID(placement_id)
    except ValueError:
        return None
    if str(wanted) != placement_id.lower():
        return None
    placement = db.session.scalar(
        sa.select(Placement).where(Placement.id == wanted, Placement.api_client_id == client.id)
    )
    if placement is None:
        return None
    audit.record(
        "placement.viewed",
        actor=client,
        target_type="placement",
        target_id=placement.id,
        purpose="partner system read",
    )
    db.session.commit()
    return summary(placement)


def open_programmes() -> list[dict[str, Any]]:
    """The programmes taking placements now, as published (no one's personal data)."""
    rows = db.session.scalars(
        sa.select(Programme)
        .where(Programme.status == ProgrammeStatus.OPEN)
        .order_by(Programme.name)
    )
    return [
        {
            "id": str(p.id),
            "name": p.name,
            "provider": p.agency.name,
            "kind": p.kind.value,
            "accredited": p.accredited,
            "eligibility": p.eligibility,
        }
        for p in rows
    ]
