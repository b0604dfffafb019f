"""A service inbox with 10,000 referrals: p95 page time.

Target (issue #4, DESIGN §7): p95 <= 50 ms per inbox page. Measured in-process through the whole
Flask stack (session check, guard, scoped SQL, template), side by side with the same inbox SQL run
bare, so the overhead of everything around the query is visible.
"""

from __future__ import annotations

import contextvars
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa

from ._app import bench_app, report

REFERRALS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
REQUESTS = 300


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> dict[str, float]:
    from flask_migrate import upgrade

    from daservice.accounts import mfa, passwords
    from daservice.accounts.models import Agency, Role, User, UserRole
    from daservice.directory import demo as directory_demo
    from daservice.directory.models import ServiceKind, ServiceMember
    from daservice.extensions import db, utcnow
    from daservice.referrals import queries

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
        services = directory_demo.load()
        idva = services[ServiceKind.IDVA]
        agency = db.session.scalar(sa.select(Agency).where(Agency.code == "VS"))
        worker = User(
            email="worker@bench.invalid",
            display_name="Bench Worker",
            agency_id=agency.id,
            password_hash=passwords.hash_password("bench password 123"),
        )
        worker.role_rows = [UserRole(role=Role.SERVICE_WORKER)]
        worker.totp_secret = mfa.new_secret()
        worker.totp_confirmed = True
        db.session.add(worker)
        db.session.flush()
        db.session.add(ServiceMember(service_id=idva.id, user_id=worker.id))
        db.session.commit()

        print(f"Loading {REFERRALS:,} referrals routed to one IDVA inbox...", flush=True)
        rng = random.Random(1)
        now = utcnow()
        people, referrals, routes = [], [], []
        for n in range(REFERRALS):
            person_id, referral_id = uuid.uuid4(), uuid.uuid4()
            created = now - timedelta(minutes=rng.randrange(60 * 24 * 365))
            people.append({"id": person_id, "kind": "victim", "created_at": created})
            level = rng.choice(["standard", "medium", "high"])
            referrals.append(
                {
                    "id": referral_id,
                    "reference": f"DA-2026-{n + 1:06d}",
                    "agency_id": agency.id,
                    "victim_id": person_id,
                    "created_at": created,
                    "risk_tool": "dash",
                    "risk_score": rng.randrange(25),
                    "risk_level": level,
                    "marac": False,
                    "visible_high_risk": False,
                    "professional_judgement": False,
                    "potential_escalation": False,
                    "repeat": False,
                    "serial_perpetrator": False,
                    "refer_perpetrator_to_programme": False,
                    "needs": "",
                    "consent_status": "given",
                }
            )
            status = rng.choice(
                ["pending", "accepted", "contact_attempted", "in_support", "closed"]
            )
            routes.append(
                {
                    "id": uuid.uuid4(),
                    "referral_id": referral_id,
                    "service_id": idva.id,
                    "referral_agency_id": agency.id,
                    "referral_risk_level": level,
                    "status": status,
                    "created_at": created,
                    "updated_at": created,
                    "due_at": created + timedelta(days=rng.randrange(1, 8)),
                }
            )
        tables = db.metadata.tables
        for table, rows in (("people", people), ("referrals", referrals), ("routes", routes)):
            for start in range(0, len(rows), 5000):
                db.session.execute(sa.insert(tables[table]), rows[start : start + 5000])
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        worker_id = worker.id
        total_open = queries.inbox(db.session.get(User, worker_id))[1]

        # Sign in through the real forms once. Each request runs in a fresh context, as in a server
        # (this script holds an app context open for its own queries).
        plain = app.test_client()

        class Client:
            def get(self, *a: object, **k: object) -> object:
                return contextvars.Context().run(plain.get, *a, **k)

            def post(self, *a: object, **k: object) -> object:
                return contextvars.Context().run(plain.post, *a, **k)

        client = Client()
        page = client.get("/sign-in").get_data(as_text=True)
        import re

        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        signed = client.post(
            "/sign-in",
            data={
                "email": "worker@bench.invalid",
                "password": "bench password 123",
                "csrf_token": token,
            },
        )
        assert signed.status_code == 302, signed.get_data(as_text=True)[-3000:]
        page = client.get("/sign-in/security-code").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        secret = db.session.get(User, worker_id).totp_secret
        assert (
            client.post(
                "/sign-in/security-code", data={"code": mfa.code_at(secret), "csrf_token": token}
            ).status_code
            == 302
        )
        pages = max(1, (total_open + 49) // 50)

        full, bare = [], []
        for _ in range(20):  # warm-up
            client.get("/inbox/")
        for i in range(REQUESTS):
            page_no = 1 if i % 2 == 0 else rng.randrange(1, pages + 1)
            start = time.perf_counter()
            response = client.get(f"/inbox/?page={page_no}")
            full.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
            user = db.session.get(User, worker_id)
            start = time.perf_counter()
            queries.inbox(user, page=page_no)
            bare.append((time.perf_counter() - start) * 1000)
            db.session.expire_all()
    p95_full, p95_bare = _percentile(full, 95), _percentile(bare, 95)
    report(
        f"Service inbox, {REFERRALS:,} referrals in one inbox ({total_open:,} open), "
        f"{REQUESTS} page loads",
        [
            ("inbox SQL alone: p50 / p95 (ms)", f"{statistics.median(bare):.1f} / {p95_bare:.1f}"),
            ("whole page: p50 / p95 (ms)", f"{statistics.median(full):.1f} / {p95_full:.1f}"),
            ("target p95 <= 50 ms", "PASS" if p95_full <= 50 else "FAIL"),
        ],
    )
    return {"p95_ms": p95_full, "p95_sql_ms": p95_bare}


if __name__ == "__main__":
    main()
