"""A partnership's worth of data for the manager reports' benchmarks (issue 12, DESIGN §7).

``fill()`` writes, in bulk (SQLAlchemy Core ``executemany`` in chunks), into the current app's
database (migrated, empty):

- the 13 demo agencies and the demo directory of services;
- 100,000 referrals over the last two years, spread across agencies (the police refer most), UK
  hours of the day, risk scores (and so levels and Marac's visible-high-risk criterion), the other
  Marac criteria, repeat victims (one in ten victims referred before), perpetrators (a few of them
  serial), consent (a few refusals overridden on a legal basis) and the Marac return's plain flags;
- their routes as the default rules give them (Marac and IDVA, or outreach; children's
  safeguarding; housing), with statuses that age with the referral, SLA due times, first contacts
  (and one contact attempt each) and breaches;
- a five-year training plan with targets for every agency, 20,000 enrolments on runs of six
  courses, their certificates (some revoked, some refreshed), 150 sites with trained staff and
  their history of becoming and ceasing to be safe spaces;
- three perpetrator programmes of the probation service with 5,000 placements of the referrals'
  perpetrators over the two years, at every stage of the pipeline, with risk reviews at start and
  exit and the 6- and 12-month follow-ups of those that ended.

**Feedback.** The issue asks for 5,000 feedback responses too; the feedback feature does not exist
yet, so none can be generated (``FEEDBACK_NOTE``). Its section reports "not yet recorded".

**Protected columns** (victims' details, narratives, people's names) are left NULL: every one is
nullable, and the reports never read them, which is the point of computing in SQL over plain
columns. Each certificate's encrypted code is NULL likewise. The figures are therefore the cost of
the reports' queries, not of decryption.

Run on its own to fill a file and print what went in:
``python -m bench.report_data [REFERRALS] [ENROLMENTS]``.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

REFERRALS = 100_000
ENROLMENTS = 20_000
PLACEMENTS = 5_000
FEEDBACK = 5_000
FEEDBACK_NOTE = (
    f"{FEEDBACK:,} feedback responses: not generated; the feedback feature does not exist yet "
    "(its section says 'not yet recorded'). Re-run once it does."
)
YEARS_OF_REFERRALS = 2
CHUNK = 5_000
RUN_SIZE = 16
SITES = 150

# How many referrals each demo agency makes, relatively (the police most, as in most boroughs).
AGENCY_WEIGHTS = {"MPS": 40, "VS": 12, "NHS": 10, "GP": 6, "CSC": 10, "HSG": 8, "EDU": 5}


@dataclass
class Filled:
    """What ``fill`` wrote, for the benchmark's heading."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    plan_starts_on: date | None = None

    def summary(self) -> str:
        return ", ".join(f"{n:,} {name}" for name, n in self.rows.items())


def _insert(table: str, rows: list[dict[str, Any]]) -> int:
    from daservice.extensions import db

    target = db.metadata.tables[table]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(target.insert(), rows[start : start + CHUNK])
    return len(rows)


def _level(score: int) -> str:
    """The default bands (standard 0 to 9, medium 10 to 13, high 14 and over)."""
    return "high" if score >= 14 else "medium" if score >= 10 else "standard"


def _working_days_later(start: datetime, days: int) -> datetime:
    """Near enough for generated data: working days, weekends skipped (no bank holidays)."""
    moment = start
    while days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def _route_status(age_days: int, rng: random.Random) -> str:
    """Older referrals have moved further along."""
    if age_days < 3:
        return rng.choice(["pending", "pending", "accepted", "contact_attempted"])
    if age_days < 60:
        return rng.choices(
            ["accepted", "declined", "contact_attempted", "in_support", "closed"], [1, 1, 3, 4, 2]
        )[0]
    return rng.choices(["declined", "in_support", "closed"], [1, 2, 9])[0]


def referrals(count: int, rng: random.Random, worker_id: uuid.UUID) -> dict[str, int]:
    """``count`` referrals with their people, routes and first contacts (see the module)."""
    import sqlalchemy as sa

    from daservice.accounts.models import Agency
    from daservice.directory import demo as directory_demo
    from daservice.directory.models import ServiceKind
    from daservice.extensions import db
    from daservice.referrals.sla import working_days_between

    services = directory_demo.load()
    without_consent = {kind for kind, s in services.items() if s.receives_without_consent}
    agencies = list(db.session.execute(sa.select(Agency.id, Agency.code)))
    weights = [AGENCY_WEIGHTS.get(code, 2) for _, code in agencies]
    now = datetime.now(UTC)
    first = now - timedelta(days=365 * YEARS_OF_REFERRALS)
    span = int((now - first).total_seconds())
    moments = sorted(first + timedelta(seconds=rng.randrange(span)) for _ in range(count))
    people: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    victims: list[uuid.UUID] = []
    perpetrators: list[uuid.UUID] = []
    serial: list[uuid.UUID] = []
    last_referred: dict[uuid.UUID, datetime] = {}
    sla = {"high": 1, "medium": 3, "standard": 5}
    for n, created in enumerate(moments):
        known = bool(victims) and rng.random() < 0.10  # referred before: a repeat victim
        if known:
            victim = rng.choice(victims)
        else:
            victim = uuid.uuid4()
            victims.append(victim)
            people.append({"id": victim, "kind": "victim", "created_at": created})
        perpetrator: uuid.UUID | None = None
        if rng.random() < 0.7:
            if serial and rng.random() < 0.05:
                perpetrator = rng.choice(serial)
            else:
                perpetrator = uuid.uuid4()
                perpetrators.append(perpetrator)
                people.append({"id": perpetrator, "kind": "perpetrator", "created_at": created})
                if rng.random() < 0.01:
                    serial.append(perpetrator)
        # Scores: most referrals standard risk, about one in six high.
        score = min(24, max(0, int(rng.gauss(8, 4.5))))
        level = _level(score)
        judgement = level != "high" and rng.random() < 0.03
        incidents = rng.choices([0, 1, 2, 3, 4, 6], [30, 25, 20, 12, 8, 5])[0]
        escalation = incidents >= 3 and rng.random() < 0.5
        repeat = known and rng.random() < 0.6  # near enough: a Marac referral in 12 months
        marac = level == "high" or judgement or escalation or repeat
        consent = rng.choices(["given", "refused", "not_sought"], [85, 6, 9])[0]
        overridden = consent != "given" and marac and rng.random() < 0.5
        children = rng.choices([0, 1, 2, 3], [45, 25, 20, 10])[0]
        housing = rng.random() < 0.15
        referral_id = uuid.uuid4()
        agency_id = rng.choices(agencies, weights)[0][0]
        before = last_referred.get(victim)
        last_referred[victim] = created
        rows.append(
            {
                "id": referral_id,
                "reference": f"DA-{created.year}-{n + 1:06d}",
                "agency_id": agency_id,
                "victim_id": victim,
                "perpetrator_id": perpetrator,
                "created_at": created,
                "risk_tool": "dash",
                "risk_score": score,
                "risk_level": level,
                "marac": marac,
                "visible_high_risk": level == "high",
                "professional_judgement": judgement,
                "potential_escalation": escalation,
                "repeat": repeat,
                "incidents_past_12_months": incidents,
                "serial_perpetrator": perpetrator in serial,
                "repeat_victim": before is not None
                and before >= created - relativedelta(months=12),
                "refer_perpetrator_to_programme": perpetrator is not None and rng.random() < 0.05,
                "victim_male": rng.random() < 0.06,
                "victim_aged_16_17": rng.random() < 0.03,
                "victim_disabled": rng.choice([True, False, False, False, None]),
                "perpetrator_under_18": perpetrator is not None and rng.random() < 0.02,
                "children_count": children,
                "needs": "housing" if housing else "",
                "consent_status": consent,
                "consent_recorded_at": created,
                "override_legal_basis": "dpa2018_sch1_para18" if overridden else None,
                "override_by_id": worker_id if overridden else None,
                "override_at": created if overridden else None,
            }
        )
        kinds = [ServiceKind.MARAC, ServiceKind.IDVA] if marac else [ServiceKind.OUTREACH]
        if children:
            kinds.append(ServiceKind.CHILDRENS_SAFEGUARDING)
        if housing:
            kinds.append(ServiceKind.HOUSING)
        age = (now - created).days
        for kind in kinds:
            shareable = consent == "given" or overridden or kind in without_consent
            status = _route_status(age, rng) if shareable else "held_for_consent"
            due = _working_days_later(created, sla[level])
            contacted = None
            if status in ("contact_attempted", "in_support", "closed"):
                # Most first contacts well within the SLA, a tail beyond it.
                contacted = created + timedelta(hours=rng.lognormvariate(2.8, 1.0))
                contacted = min(contacted, now)
            breached = due if (contacted or now) > due and status != "held_for_consent" else None
            route_id = uuid.uuid4()
            routes.append(
                {
                    "id": route_id,
                    "referral_id": referral_id,
                    "service_id": services[kind].id,
                    "status": status,
                    "created_at": created,
                    "updated_at": contacted or created,
                    "released_at": None if status == "held_for_consent" else created,
                    "due_at": None if status == "held_for_consent" else due,
                    "first_contact_at": contacted,
                    "first_contact_working_days": (
                        None if contacted is None else working_days_between(created, contacted)
                    ),
                    "referral_agency_id": agency_id,
                    "referral_risk_level": level,
                    "sla_breached_at": breached,
                    "outcome_code": "support_completed" if status == "closed" else None,
                }
            )
            if contacted is not None:
                attempts.append(
                    {
                        "id": uuid.uuid4(),
                        "route_id": route_id,
                        "actor_id": worker_id,
                        "at": contacted,
                        "channel": "phone",
                        "outcome": "spoke",
                    }
                )
    return {
        "people": _insert("people", people),
        "referrals": _insert("referrals", rows),
        "routes": _insert("routes", routes),
        "contact attempts": _insert("contact_attempts", attempts),
    }


def training(
    count: int, rng: random.Random, coordinator_id: uuid.UUID, today: date
) -> dict[str, int]:
    """A plan mid-way through its five years, its targets, ``count`` enrolments with their
    certificates, and sites with their safe-space history."""
    import sqlalchemy as sa

    from daservice.accounts.models import Agency, User
    from daservice.extensions import db, utcnow
    from daservice.training import planning
    from daservice.training.models import Level

    coordinator = db.session.get(User, coordinator_id)
    plan = planning.save_plan(
        coordinator, None, name="Bench plan", starts_on=date(today.year - 2, 4, 1)
    )
    for year in plan.years:
        year.safe_space_target = 40 + 10 * year.number
    agencies = list(db.session.scalars(sa.select(Agency.id)))
    stamp = utcnow()
    courses = [
        {
            "id": uuid.uuid4(),
            "title": f"Bench course {n + 1} ({level})",
            "level": level.value,
            "audience": "",
            "description": "",
            "duration_minutes": 180,
            "validity_months": 24 if level is Level.AWARENESS else 36,
            "refresher_window_days": 90,
            "attendance_threshold_percent": 100,
            "requires_evaluation": True,
            "active": True,
            "created_at": stamp,
        }
        for n, level in enumerate([*Level] * 2)
    ]
    targets = []
    for year in plan.years:
        for agency in agencies:
            targets += [
                {
                    "id": uuid.uuid4(),
                    "plan_year_id": year.id,
                    "agency_id": agency,
                    "level": level.value,
                    "course_id": None,
                    "target_count": rng.randrange(20, 300),
                }
                for level in Level
            ]
            targets += [
                {
                    "id": uuid.uuid4(),
                    "plan_year_id": year.id,
                    "agency_id": agency,
                    "level": None,
                    "course_id": course["id"],
                    "target_count": rng.randrange(10, 150),
                }
                for course in courses[:3]
            ]
    sites = [
        {
            "id": uuid.uuid4(),
            "name": f"Bench site {n + 1}",
            "kind": rng.choice(["agency_premises", "gp_surgery", "pharmacy", "library"]),
            "agency_id": rng.choice(agencies),
            "area": f"Ward {n % 20 + 1}",
            "address": "",
            "opening_times": "",
            "listed": rng.random() < 0.9,
            "safe_space_since": None,
            "created_at": stamp,
        }
        for n in range(SITES)
    ]
    trainees = [
        {
            "id": uuid.uuid4(),
            "agency_id": rng.choice(agencies),
            "name": f"Trainee {n}",
            "work_email": f"t{n}@bench.invalid",
            "team": "",
            "job_role": "",
            "site_id": rng.choice(sites)["id"] if rng.random() < 0.5 else None,
            "active": rng.random() < 0.95,
            "created_at": stamp,
        }
        for n in range(max(RUN_SIZE, count // 3))
    ]
    first_day, last_day = plan.starts_on, today + timedelta(days=120)
    span = (last_day - first_day).days
    runs: list[dict[str, Any]] = []
    enrolments: list[dict[str, Any]] = []
    certificates: list[dict[str, Any]] = []
    while len(enrolments) < count:
        course = rng.choice(courses)
        starts = first_day + timedelta(days=rng.randrange(span))
        run_id, taken = uuid.uuid4(), 0
        for person in rng.sample(trainees, RUN_SIZE):
            if len(enrolments) >= count:
                break
            if starts > today:
                status = rng.choice(["booked", "waitlisted", "requested"])
            else:
                status = rng.choices(["completed", "no_show", "cancelled"], [8, 1, 1])[0]
            taken += status in ("booked", "completed", "no_show")
            enrolment_id = uuid.uuid4()
            enrolments.append(
                {
                    "id": enrolment_id,
                    "run_id": run_id,
                    "trainee_id": person["id"],
                    "agency_id": person["agency_id"],
                    "status": status,
                    "status_changed_at": stamp,
                    "created_at": stamp,
                    "completed_on": starts if status == "completed" else None,
                }
            )
            if status == "completed":
                issued = starts + timedelta(days=rng.randrange(3))
                months = course["validity_months"]
                certificates.append(
                    {
                        "id": uuid.uuid4(),
                        "enrolment_id": enrolment_id,
                        "trainee_id": person["id"],
                        "course_id": course["id"],
                        "agency_id": person["agency_id"],
                        "code_hash": uuid.uuid4().hex,
                        "code_ciphertext": None,
                        "holder_name": person["name"],
                        "course_title": course["title"],
                        "level": course["level"],
                        "completed_on": starts,
                        "issued_on": issued,
                        "expires_on": issued + timedelta(days=round(months * 30.44)),
                        "revoked_at": stamp if rng.random() < 0.02 else None,
                    }
                )
        runs.append(
            {
                "id": run_id,
                "course_id": course["id"],
                "trainer": "Bench Trainer",
                "capacity": RUN_SIZE,
                "places_taken": min(taken, RUN_SIZE),
                "status": "scheduled" if starts >= today else "finished",
                "starts_on": starts,
                "joining_instructions": "",
                "created_at": stamp,
            }
        )
    # Safe-space history: about two thirds of the sites became one at some point, some of those
    # lost it again, and the ones that hold it now carry ``safe_space_since``.
    changes: list[dict[str, Any]] = []
    plan_start = datetime.combine(plan.starts_on, datetime.min.time(), tzinfo=UTC)
    history = int((datetime.now(UTC) - plan_start).total_seconds())
    for site in sites:
        if rng.random() < 0.35:
            continue
        at = plan_start + timedelta(seconds=rng.randrange(history))
        changes.append({"site_id": site["id"], "gained": True, "at": at})
        if rng.random() < 0.25:
            lost = at + timedelta(days=rng.randrange(30, 300))
            if lost < datetime.now(UTC):
                changes.append({"site_id": site["id"], "gained": False, "at": lost})
                continue
        site["safe_space_since"] = at
    certificate_columns = {c.name for c in db.metadata.tables["training_certificates"].columns}
    certificates = [{k: v for k, v in c.items() if k in certificate_columns} for c in certificates]
    db.session.commit()  # the plan
    return {
        "courses": _insert("training_courses", courses),
        "targets": _insert("training_targets", targets),
        "sites": _insert("training_sites", sites),
        "trainees": _insert("trainees", trainees),
        "runs": _insert("training_runs", runs),
        "enrolments": _insert("training_enrolments", enrolments),
        "certificates": _insert("training_certificates", certificates),
        "safe-space changes": _insert("training_safe_space_changes", changes),
    }


def programmes(count: int, rng: random.Random, today: date) -> dict[str, int]:
    """Three programmes and ``count`` placements of the referrals' perpetrators, each taken as
    far along the pipeline as a random draw says, with its dates, coded reason, risk reviews and
    follow-ups (plain columns only, as the measures read them)."""
    from daservice.accounts.models import Agency
    from daservice.extensions import db
    from daservice.people.models import Person, PersonKind
    from daservice.perpetrators.models import Reason, Source, Stage

    provider = db.session.scalar(db.select(Agency.id).where(Agency.code == "PROB"))
    men = list(
        db.session.scalars(db.select(Person.id).where(Person.kind == PersonKind.PERPETRATOR))
    )
    now = datetime.combine(today, datetime.min.time(), UTC)
    kinds = ["group", "one_to_one", "case_management"]
    progs = [
        {
            "id": uuid.uuid4(),
            "name": f"Bench programme {n + 1}",
            "agency_id": provider,
            "kind": kinds[n],
            "accredited": True,
            "capacity": 40,
            "eligibility": "",
            "status": "open",
            "created_at": now - timedelta(days=800),
        }
        for n in range(3)
    ]
    sources = [s.value for s in Source]
    placements, reviews, follow_ups = [], [], []
    for _ in range(count):
        made = now - timedelta(days=rng.uniform(0, 730))
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "programme_id": rng.choice(progs)["id"],
            "person_id": rng.choice(men),
            "source": rng.choice(sources),
            "stage": Stage.REFERRED.value,
            "reason": None,
            "created_at": made,
            "stage_changed_at": made,
            "started_at": None,
            "ended_at": None,
            "version": 1,
        }
        draw = rng.random()
        if draw < 0.15:
            row["stage"] = rng.choice([Stage.REFERRED, Stage.CONTACTED, Stage.WAITING_LIST]).value
        elif draw < 0.25:
            row |= {"stage": Stage.NOT_SUITABLE.value, "reason": Reason.DENIES_ABUSE.value}
            row["ended_at"] = made + timedelta(days=20)
        else:
            started = made + timedelta(days=rng.uniform(10, 90))
            row["started_at"] = started
            ended = started + timedelta(days=rng.uniform(60, 200))
            if ended > now:
                row["stage"] = Stage.ATTENDING.value
            else:
                stage = rng.choices(
                    [Stage.COMPLETED, Stage.DROPPED_OUT, Stage.EXCLUDED], weights=[6, 3, 1]
                )[0]
                reason = {
                    Stage.COMPLETED: None,
                    Stage.DROPPED_OUT: Reason.DISENGAGED.value,
                    Stage.EXCLUDED: Reason.FURTHER_ABUSE.value,
                }[stage]
                row |= {"stage": stage.value, "reason": reason, "ended_at": ended}
                for months in (0, 6, 12):
                    due = ended.date() + relativedelta(months=months)
                    done = due <= today and rng.random() < 0.8
                    follow_ups.append(
                        {
                            "id": uuid.uuid4(),
                            "placement_id": row["id"],
                            "months": months,
                            "due_on": due,
                            "recorded_at": datetime.combine(due, datetime.min.time(), UTC)
                            if done
                            else None,
                            "further_incidents": rng.choice([0, 0, 0, 1, 2])
                            if done and months
                            else None,
                            "new_referrals": rng.choice([0, 0, 0, 1]) if done and months else None,
                            "new_marac_referrals": 0 if done and months else None,
                        }
                    )
            for on in {started.date(), min(ended, now).date()}:
                reviews.append(
                    {
                        "id": uuid.uuid4(),
                        "placement_id": row["id"],
                        "tool": "sara",
                        "level": rng.choice(["standard", "medium", "high"]),
                        "reviewed_on": on,
                        "rose": False,
                        "created_at": datetime.combine(on, datetime.min.time(), UTC),
                    }
                )
        placements.append(row)
    return {
        "programmes": _insert("programmes", progs),
        "placements": _insert("placements", placements),
        "risk reviews": _insert("placement_risk_reviews", reviews),
        "follow-ups": _insert("placement_follow_ups", follow_ups),
    }


def users(roles: Iterable[tuple[str, Any]]) -> dict[str, uuid.UUID]:
    """Bench users signing in with ``bench password 123`` and a TOTP secret, by email prefix."""
    from daservice.accounts import mfa, passwords
    from daservice.accounts.models import Agency, User, UserRole
    from daservice.extensions import db

    agency = db.session.scalars(db.select(Agency).order_by(Agency.code)).first()
    found = {}
    for name, role in roles:
        row = User(
            email=f"{name}@bench.invalid",
            display_name=f"Bench {name}",
            agency_id=agency.id,
            password_hash=passwords.hash_password("bench password 123"),
        )
        row.role_rows = [UserRole(role=role)]
        row.totp_secret = mfa.new_secret()
        row.totp_confirmed = True
        db.session.add(row)
        db.session.flush()
        found[name] = row.id
    db.session.commit()
    return found


def fill(
    referral_count: int = REFERRALS,
    enrolment_count: int = ENROLMENTS,
    seed: int = 12,
    today: date | None = None,
) -> tuple[Filled, dict[str, uuid.UUID]]:
    """Fill the current app's (migrated, empty) database; returns what went in and the bench
    users' ids (``manager``, ``coordinator``, ``worker``)."""
    from daservice.accounts.models import Agency
    from daservice.demo import AGENCIES
    from daservice.extensions import db
    from daservice.security.permissions import Role
    from daservice.uk_time import uk_today

    started = time.perf_counter()
    rng = random.Random(seed)
    for code, name in AGENCIES:
        db.session.add(Agency(code=code, name=name))
    db.session.commit()
    ids = users(
        [
            ("manager", Role.MANAGER),
            ("coordinator", Role.TRAINING_COORDINATOR),
            ("worker", Role.SERVICE_WORKER),
        ]
    )
    filled = Filled()
    filled.rows.update(referrals(referral_count, rng, ids["worker"]))
    filled.rows.update(training(enrolment_count, rng, ids["coordinator"], today or uk_today()))
    filled.rows.update(programmes(PLACEMENTS, rng, today or uk_today()))
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))  # as a live database's statistics would be
    db.session.commit()
    filled.seconds = time.perf_counter() - started
    return filled, ids


def main(argv: list[str]) -> None:
    from flask_migrate import upgrade

    from ._app import bench_app, report

    referral_count = int(argv[0]) if argv else REFERRALS
    enrolment_count = int(argv[1]) if len(argv) > 1 else ENROLMENTS
    app = bench_app(ARGON2_TIME_COST=1, ARGON2_MEMORY_COST_KIB=8, ARGON2_PARALLELISM=1)
    with app.app_context():
        upgrade()
        filled, _ = fill(referral_count, enrolment_count)
        report(
            f"Report data in {filled.seconds:.0f} s: {app.config['SQLALCHEMY_DATABASE_URI']}",
            [*((name, f"{n:,}") for name, n in filled.rows.items()), ("feedback", FEEDBACK_NOTE)],
        )


if __name__ == "__main__":
    main(sys.argv[1:])
