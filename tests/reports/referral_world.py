"""A small partnership's referrals with known dates, agencies, risk, routes and contact times,
made through the real intake: the fixture every referral figure is checked against by hand.

The quarter is 2026-Q3 (1 July to 30 September 2026, all in BST). Names are canaries: no report,
page or file may ever contain one.

In 2026-Q3 (21 referrals):

  MPS (the police)                         LBR (the council)
  H1-H6  high risk (15 yes), Marac, given  M1-M5  medium (10 yes), given
  S1-S5  standard, given                   S6     standard, given, 2 children
                                           S7     standard, refused, shared on DPA Sch.1 para 18
                                           S8     standard, refused (held for consent)
                                           S9     standard, given
                                           S10    standard, refused, consent given 14 Sep

  Months: July 9 (S1 at 00:30 BST on 1 July, H1-H5, M1, S6, S7), August 7 (M2-M5, S2, S3, S8),
  September 5 (H6, S4, S5, S9, S10).

  Same victims: H1's had an earlier referral (P1, LBR, 10 April 2026); M2's is M1's; H6's is
  H5's (so H6 meets the Marac repeat criterion); S9's was referred on 1 May 2025 (OLD, more than
  12 months before). M3 and M4 name the same perpetrator (serial).

  Also X0 (MPS, standard) at 23:30 BST on 30 June 2026: in Q2, not Q3.

Routes released in Q3: Marac 6, IDVA 6 (H1-H6), Community outreach 14 (S1-S7, S9, S10, M1-M5),
Children's safeguarding 1 (S6); S8's outreach route is held. First contact (10:00 UK time, so many
working days after release; none otherwise): IDVA H1 0, H2 1, H3 1, H4 2, H5 3; outreach M1 1,
M2 3, M3 4, S1 0, S2 2, S3 5, S4 6, S5 7, S6 1.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa

from daservice.accounts.models import Agency, Role
from daservice.directory.models import ServiceKind
from daservice.extensions import db
from daservice.referrals import intake, sla
from daservice.referrals import services as referral_services
from daservice.referrals.models import Referral, Route
from daservice.referrals.validation import parse
from daservice.uk_time import LONDON
from tests import factories

CANARY = "Canarywren"  # in every victim's and perpetrator's name


def uk(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


@dataclass
class Spec:
    name: str
    agency: str
    at: datetime
    yes: int = 0
    consent: str = "given"
    victim: str = ""  # the same victim as another referral's (its name)
    gender: str | None = None
    born: str | None = "1988-05-05"
    disability: str | None = None
    children: int = 0
    perpetrator: dict[str, Any] | None = None
    override: str | None = None
    contact: dict[ServiceKind, int] = field(default_factory=dict)  # working days to first contact


IDVA, OUTREACH = ServiceKind.IDVA, ServiceKind.OUTREACH
SERIAL = {"first_name": CANARY + "perp", "last_name": "Serial", "relationship": "ex-partner",
          "date_of_birth": "1980-02-02"}  # fmt: skip

SPECS = [
    Spec("OLD", "LBR", uk(2025, 5, 1, 10)),
    Spec("P1", "LBR", uk(2026, 4, 10, 10)),
    Spec("X0", "MPS", uk(2026, 6, 30, 23, 30)),
    # July
    Spec("S1", "MPS", uk(2026, 7, 1, 0, 30), contact={OUTREACH: 0}),
    Spec(
        "H1",
        "MPS",
        uk(2026, 7, 6),
        15,
        victim="P1",
        gender="Female",
        born="1990-01-01",
        contact={IDVA: 0},
    ),
    Spec("H2", "MPS", uk(2026, 7, 7), 15, gender="male", born="2009-03-01", contact={IDVA: 1}),
    Spec(
        "H3",
        "MPS",
        uk(2026, 7, 8),
        15,
        gender=None,
        born=None,
        disability="Uses a wheelchair",
        contact={IDVA: 1},
    ),
    Spec(
        "H4",
        "MPS",
        uk(2026, 7, 9),
        15,
        gender="Woman",
        born="1985-01-01",
        disability="None",
        children=2,
        contact={IDVA: 2},
        perpetrator={
            "first_name": CANARY + "young",
            "last_name": "Perp",
            "relationship": "partner",
            "date_of_birth": "2010-01-01",
        },
    ),
    Spec(
        "H5",
        "MPS",
        uk(2026, 7, 13),
        15,
        gender="female",
        born="1992-02-02",
        children=1,
        contact={IDVA: 3},
    ),
    Spec("M1", "LBR", uk(2026, 7, 14), 10, contact={OUTREACH: 1}),
    Spec("S6", "LBR", uk(2026, 7, 15), children=2, contact={OUTREACH: 1}),
    Spec("S7", "LBR", uk(2026, 7, 16), consent="refused", override="dpa2018_sch1_para18"),
    # August
    Spec("M2", "LBR", uk(2026, 8, 3), 10, victim="M1", contact={OUTREACH: 3}),
    Spec("M3", "LBR", uk(2026, 8, 4), 10, perpetrator=SERIAL, contact={OUTREACH: 4}),
    Spec("M4", "LBR", uk(2026, 8, 5), 10, perpetrator=SERIAL),
    Spec("M5", "LBR", uk(2026, 8, 6), 10),
    Spec("S2", "MPS", uk(2026, 8, 10), contact={OUTREACH: 2}),
    Spec("S3", "MPS", uk(2026, 8, 11), contact={OUTREACH: 5}),
    Spec("S8", "LBR", uk(2026, 8, 12), consent="refused"),
    # September
    Spec("H6", "MPS", uk(2026, 9, 7), 15, victim="H5", gender="female", born="1992-02-02"),
    Spec("S4", "MPS", uk(2026, 9, 8), contact={OUTREACH: 6}),
    Spec("S5", "MPS", uk(2026, 9, 9), contact={OUTREACH: 7}),
    Spec("S9", "LBR", uk(2026, 9, 10), victim="OLD"),
    Spec("S10", "LBR", uk(2026, 9, 11), consent="refused"),
]
S10_CONSENT = uk(2026, 9, 14, 10)


@dataclass
class World:
    """The ids of what was made (the rows themselves are not kept: nothing decrypted stays)."""

    referrals: dict[str, uuid.UUID]
    agencies: dict[str, uuid.UUID]
    services: dict[ServiceKind, uuid.UUID]

    def agency(self, code: str) -> Agency:
        found: Agency = db.session.get(Agency, self.agencies[code])
        return found


def _payload(spec: Spec, victim_of: dict[str, Spec]) -> dict[str, Any]:
    same = victim_of.get(spec.victim)
    who = same.name if same else spec.name
    born = same.born if same else spec.born
    victim: dict[str, Any] = {
        "first_name": f"{CANARY}{who}",
        "last_name": _surname(who),
        "postcode": "IG1 1DD",
        "phone": f"07700 900{100 + _number(who)}",
    }
    if born:
        victim["date_of_birth"] = born
    if spec.gender:
        victim["gender"] = spec.gender
    if spec.disability:
        victim["disability"] = spec.disability
    body = factories.referral_payload(
        victim=victim,
        risk__answers=factories.high_risk_answers(spec.yes),
        consent={"status": spec.consent},
    )
    if spec.override:
        body["consent"]["override"] = {"legal_basis": spec.override, "reason": "Synthetic reason"}
    if spec.children:
        body["children"] = [{"name": f"{CANARY} child {n}"} for n in range(spec.children)]
    if spec.perpetrator:
        body["perpetrator"] = dict(spec.perpetrator)
    return body


def _number(name: str) -> int:
    return [spec.name for spec in SPECS].index(name)


def _surname(name: str) -> str:
    """A surname of its own for each victim (matching links a shared surname and birth date)."""
    return "Test" + "abcdefghijklmnopqrstuvwxyz"[_number(name)] + "person"


def contact_time(released: datetime, working_days: int) -> datetime:
    """10:00 UK time on the day ``working_days`` working days after ``released``'s UK day."""
    day = sla.add_working_days(released.astimezone(LONDON).date(), working_days)
    return datetime.combine(day, time(10), tzinfo=LONDON).astimezone(UTC)


def build() -> World:
    services = factories.directory()
    agencies = {
        code: db.session.scalar(sa.select(Agency).where(Agency.code == code))
        for code in ("MPS", "LBR")
    }
    referrers = {
        code: factories.user(Role.REFERRER, agency_row=agency) for code, agency in agencies.items()
    }
    victim_of = {spec.name: spec for spec in SPECS}
    made: dict[str, Referral] = {}
    for spec in SPECS:
        user = referrers[spec.agency]
        referral = intake.build_referral(
            intake.Submitter(user.agency_id, user=user),
            parse(_payload(spec, victim_of)),
            now=spec.at,
        )
        db.session.commit()
        made[spec.name] = referral
    s10 = db.session.get(Referral, made["S10"].id)
    referral_services.consent_given(referrers["LBR"], s10, now=S10_CONSENT)
    for spec in SPECS:
        for kind, days in spec.contact.items():
            route = db.session.scalar(
                sa.select(Route).where(
                    Route.referral_id == made[spec.name].id,
                    Route.service_id == services[kind].id,
                )
            )
            released = route.released_at.replace(tzinfo=UTC)
            route.first_contact_at = contact_time(released, days)
            # as logging the attempt counts them (tests/referrals/test_route_actions.py)
            route.first_contact_working_days = sla.working_days_between(
                released, route.first_contact_at
            )
    db.session.commit()
    world = World(
        {name: referral.id for name, referral in made.items()},
        {code: agency.id for code, agency in agencies.items()},
        {kind: service.id for kind, service in services.items()},
    )
    db.session.expunge_all()  # nothing decrypted stays in the session for the reports to find
    return world
