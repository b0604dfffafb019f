"""The coordinator's training dashboard: 5 plan years × 13 agencies of targets, 20,000 enrolments
with their certificates: p95 page time.

Target (issue 11): p95 <= 150 ms. Measured in-process through the whole Flask stack (session
check, guard, the dashboard's grouped queries, template), side by side with the same queries run
bare, in one run, so the share of everything around the SQL is visible.
"""

from __future__ import annotations

import contextvars
import random
import re
import statistics
import sys
import time
import uuid
from datetime import date, timedelta

import sqlalchemy as sa

from ._app import bench_app, report

ENROLMENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
REQUESTS = 200
RUN_SIZE = 16


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> dict[str, float]:
    from flask_migrate import upgrade

    from daservice.accounts import mfa, passwords
    from daservice.accounts.models import Agency, Role, User, UserRole
    from daservice.extensions import db, utcnow
    from daservice.training import dashboard, planning
    from daservice.training.models import Level
    from daservice.uk_time import uk_today

    app = bench_app(
        ARGON2_TIME_COST=1,
        ARGON2_MEMORY_COST_KIB=8,
        ARGON2_PARALLELISM=1,
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_NAME="bench_session",
    )
    with app.app_context():
        upgrade()
        from daservice.demo import AGENCIES

        for code, name in AGENCIES:
            db.session.add(Agency(code=code, name=name))
        db.session.commit()
        agencies = list(db.session.scalars(sa.select(Agency)))
        assert len(agencies) == 13, len(agencies)
        coordinator = User(
            email="coordinator@bench.invalid",
            display_name="Bench Coordinator",
            agency_id=agencies[0].id,
            password_hash=passwords.hash_password("bench password 123"),
        )
        coordinator.role_rows = [UserRole(role=Role.TRAINING_COORDINATOR)]
        coordinator.totp_secret = mfa.new_secret()
        coordinator.totp_confirmed = True
        db.session.add(coordinator)
        db.session.commit()
        today = uk_today()
        # A plan mid-way through its five years, as in the demo.
        plan = planning.save_plan(
            coordinator, None, name="Bench plan", starts_on=date(today.year - 2, 4, 1)
        )
        tables = db.metadata.tables
        rng = random.Random(11)
        courses = []
        for n, level in enumerate([*Level] * 2):
            courses.append(
                {
                    "id": uuid.uuid4(),
                    "title": f"Course {n + 1}",
                    "level": level.value,
                    "audience": "",
                    "description": "",
                    "duration_minutes": 180,
                    "validity_months": 36,
                    "refresher_window_days": 90,
                    "attendance_threshold_percent": 100,
                    "requires_evaluation": True,
                    "active": True,
                    "created_at": utcnow(),
                }
            )
        db.session.execute(sa.insert(tables["training_courses"]), courses)
        targets = []
        for year in plan.years:
            for agency in agencies:
                for level in Level:
                    targets.append(
                        {
                            "id": uuid.uuid4(),
                            "plan_year_id": year.id,
                            "agency_id": agency.id,
                            "level": level.value,
                            "course_id": None,
                            "target_count": rng.randrange(20, 400),
                        }
                    )
                for course in courses[:3]:
                    targets.append(
                        {
                            "id": uuid.uuid4(),
                            "plan_year_id": year.id,
                            "agency_id": agency.id,
                            "level": None,
                            "course_id": course["id"],
                            "target_count": rng.randrange(10, 200),
                        }
                    )
        db.session.execute(sa.insert(tables["training_targets"]), targets)

        print(f"Loading {ENROLMENTS:,} enrolments with their certificates...", flush=True)
        trainees = [
            {
                "id": uuid.uuid4(),
                "agency_id": rng.choice(agencies).id,
                "name": f"Trainee {n}",
                "work_email": f"t{n}@bench.invalid",
                "team": "",
                "job_role": "",
                "active": True,
                "created_at": utcnow(),
            }
            for n in range(ENROLMENTS // 3)
        ]
        first_day, last_day = plan.starts_on, today + timedelta(days=120)
        span = (last_day - first_day).days
        runs, enrolments, certificates = [], [], []
        for _ in range(ENROLMENTS // RUN_SIZE + 1):
            course = rng.choice(courses)
            starts = first_day + timedelta(days=rng.randrange(span))
            taken = 0
            run_id = uuid.uuid4()
            for person in rng.sample(trainees, RUN_SIZE):
                if len(enrolments) >= ENROLMENTS:
                    break
                future = starts > today
                status = (
                    rng.choice(["booked", "waitlisted", "requested"])
                    if future
                    else rng.choices(["completed", "no_show", "cancelled"], [8, 1, 1])[0]
                )
                taken += status in ("booked", "completed", "no_show")
                enrolment_id = uuid.uuid4()
                enrolments.append(
                    {
                        "id": enrolment_id,
                        "run_id": run_id,
                        "trainee_id": person["id"],
                        "agency_id": person["agency_id"],
                        "status": status,
                        "status_changed_at": utcnow(),
                        "created_at": utcnow(),
                        "completed_on": starts if status == "completed" else None,
                    }
                )
                if status == "completed":
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
                            "issued_on": starts + timedelta(days=rng.randrange(3)),
                            "expires_on": starts + timedelta(days=365 * 3),
                            # About one in fifty revoked.
                            "revoked_at": utcnow() if rng.random() < 0.02 else None,
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
                    "created_at": utcnow(),
                }
            )
        cert_columns = {c.name for c in tables["training_certificates"].columns}
        certificates = [{k: v for k, v in c.items() if k in cert_columns} for c in certificates]
        for table, rows in (
            ("trainees", trainees),
            ("training_runs", runs),
            ("training_enrolments", enrolments),
            ("training_certificates", certificates),
        ):
            for start in range(0, len(rows), 2000):
                db.session.execute(sa.insert(tables[table]), rows[start : start + 2000])
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        coordinator_id = coordinator.id
        within = app.config["CERTIFICATES_EXPIRING_WITHIN"]

        parts: dict[str, list[float]] = {}

        def bare() -> None:
            """The dashboard's queries, as the page runs them, without the page."""

            def timed(name: str, call: object) -> object:
                start = time.perf_counter()
                result = call()  # type: ignore[operator]
                parts.setdefault(name, []).append((time.perf_counter() - start) * 1000)
                return result

            current = timed("plan and its years", planning.current_plan)
            year = planning.current_year(current)  # type: ignore[arg-type]
            assert year is not None
            timed("progress against targets", lambda: dashboard.progress(year, None))
            timed("upcoming runs and waiting lists", dashboard.upcoming_runs)
            timed("certificates expiring", lambda: dashboard.expiring_by_agency(None, within))
            timed("safe spaces", lambda: dashboard.safe_spaces(year, None))

        plain = app.test_client()

        class Client:
            def get(self, *a: object, **k: object) -> object:
                return contextvars.Context().run(plain.get, *a, **k)

            def post(self, *a: object, **k: object) -> object:
                return contextvars.Context().run(plain.post, *a, **k)

        client = Client()
        page = client.get("/sign-in").get_data(as_text=True)  # type: ignore[attr-defined]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        signed = client.post(
            "/sign-in",
            data={
                "email": "coordinator@bench.invalid",
                "password": "bench password 123",
                "csrf_token": token,
            },
        )
        assert signed.status_code == 302  # type: ignore[attr-defined]
        page = client.get("/sign-in/security-code").get_data(as_text=True)  # type: ignore[attr-defined]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        secret = db.session.get(User, coordinator_id).totp_secret
        assert (
            client.post(  # type: ignore[attr-defined]
                "/sign-in/security-code", data={"code": mfa.code_at(secret), "csrf_token": token}
            ).status_code
            == 302
        )
        response = client.get("/training/")
        body = response.get_data(as_text=True)  # type: ignore[attr-defined]
        assert response.status_code == 200 and ("Well behind" in body or "On track" in body)

        full, sql = [], []
        for _ in range(10):  # warm-up
            client.get("/training/")
            bare()
        parts.clear()
        for _ in range(REQUESTS):
            start = time.perf_counter()
            response = client.get("/training/")
            full.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200  # type: ignore[attr-defined]
            db.session.expire_all()
            start = time.perf_counter()
            bare()
            sql.append((time.perf_counter() - start) * 1000)
            db.session.expire_all()
    p95_full, p95_sql = _percentile(full, 95), _percentile(sql, 95)
    report(
        f"Training dashboard, {len(targets):,} targets (5 years x 13 agencies), "
        f"{len(enrolments):,} enrolments, {len(certificates):,} certificates, "
        f"{REQUESTS} page loads",
        [
            (
                "dashboard SQL alone: p50 / p95 (ms)",
                f"{statistics.median(sql):.1f} / {p95_sql:.1f}",
            ),
            ("whole page: p50 / p95 (ms)", f"{statistics.median(full):.1f} / {p95_full:.1f}"),
            ("page / SQL at p95", f"{p95_full / p95_sql:.2f}x"),
            *((f"  {name}: p50 (ms)", f"{statistics.median(t):.1f}") for name, t in parts.items()),
            ("target p95 <= 150 ms", "PASS" if p95_full <= 150 else "FAIL"),
        ],
    )
    return {"p95_ms": p95_full, "p95_sql_ms": p95_sql}


if __name__ == "__main__":
    main()
