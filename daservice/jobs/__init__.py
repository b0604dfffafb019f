"""Scheduled work: ``flask jobs run`` runs each registered job that is due.

Features register their jobs from their own ``init_app`` (``jobs.register(name, func, every=)``).
Each job runs in its own app context and transaction scope, and is claimed first with a
conditional update of its ``job_runs`` row (a lease), so when two servers run ``flask jobs run`` at
once each due job runs on exactly one of them. Jobs are written to be idempotent: running one
twice, or after a crash half-way, does no harm.

``flask jobs schedule`` (what ``make run`` starts beside gunicorn) calls the same runner on a fixed
interval with APScheduler; a cron entry calling ``flask jobs run`` every minute does the same job on
a server without it (docs/deployment.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from ..extensions import db, insert_if_absent, utcnow
from .models import JobRun

logger = logging.getLogger("daservice.jobs")

__all__ = ["Job", "Outcome", "init_app", "register", "registered", "run_due"]


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], Any]  # does the work in the current app context; commits its own changes
    every: timedelta
    lease: timedelta


@dataclass(frozen=True)
class Outcome:
    job: str
    ran: bool
    ok: bool = True
    summary: str = ""

    def __str__(self) -> str:
        if not self.ran:
            return f"{self.job}: not due, or running elsewhere"
        return f"{self.job}: {'ok' if self.ok else 'FAILED'} {self.summary}".rstrip()


_JOBS: dict[str, Job] = {}


def register(
    name: str,
    func: Callable[[], Any],
    *,
    every: timedelta,
    lease: timedelta = timedelta(minutes=10),
) -> None:
    """Run ``func`` every ``every`` (at most once at a time across all servers while within
    ``lease``). Registering the same name again replaces it (an app created twice)."""
    _JOBS[name] = Job(name, func, every, lease)


def registered() -> list[Job]:
    return [_JOBS[name] for name in sorted(_JOBS)]


_RUNS = JobRun.__table__
# A job due within this much of now counts as due: a schedule that ticks every minute claims jobs
# a few milliseconds apart, and without it a job claimed late in one tick would miss the next.
DUE_SLACK = timedelta(seconds=5)


def _claim(job: Job, now: datetime, force: bool) -> bool:
    connection = db.session.connection()
    insert_if_absent(connection, _RUNS, name=job.name, next_run_at=now)
    free = sa.or_(_RUNS.c.lease_until.is_(None), _RUNS.c.lease_until <= now)
    due = sa.true() if force else _RUNS.c.next_run_at <= now + DUE_SLACK
    claimed = connection.execute(
        sa.update(_RUNS)
        .where(_RUNS.c.name == job.name, free, due)
        .values(lease_until=now + job.lease, last_started_at=now)
    )
    db.session.commit()
    return bool(claimed.rowcount == 1)


def _finish(job: Job, started: datetime, ok: bool, summary: str) -> None:
    # Only the run that holds the lease finishes it: one that overran its lease must not clear
    # the lease of the server that took the job over.
    db.session.execute(
        sa.update(_RUNS)
        .where(_RUNS.c.name == job.name, _RUNS.c.last_started_at == started)
        .values(
            next_run_at=started + job.every,
            lease_until=None,
            last_finished_at=utcnow(),
            last_outcome=summary[:200],
            last_failed=not ok,
        )
    )
    db.session.commit()


def run_due(
    app: Flask,
    *,
    only: Iterable[str] | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> list[Outcome]:
    """Run every registered job that is due (or those named in ``only``; with ``force``, whether
    due or not, though never while another server holds it)."""
    wanted = set(only) if only is not None else None
    unknown = (wanted or set()) - set(_JOBS)
    if unknown:
        raise KeyError(f"no such job: {', '.join(sorted(unknown))}")
    outcomes = []
    for job in registered():
        if wanted is not None and job.name not in wanted:
            continue
        with app.app_context():  # its own: a fresh session, and a fresh set of values to redact
            started = now or utcnow()
            if not _claim(job, started, force):
                outcomes.append(Outcome(job.name, ran=False))
                continue
            try:
                result = job.func()
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the others
                db.session.rollback()
                logger.exception("job %s failed", job.name)
                outcome = Outcome(job.name, ran=True, ok=False, summary=type(exc).__name__)
            else:
                outcome = Outcome(job.name, ran=True, summary="" if result is None else str(result))
            _finish(job, started, outcome.ok, outcome.summary)
            outcomes.append(outcome)
    return outcomes


def init_app(app: Flask) -> None:
    from ..extensions import refresh_statistics
    from ..security import ratelimit
    from . import cli, models  # noqa: F401  (the job_runs table)

    app.cli.add_command(cli.jobs)
    # The kernel's own housekeeping; features register theirs from their init_app.
    register("security.prune_rate_limits", ratelimit.prune, every=timedelta(hours=1))
    register("database.refresh_statistics", refresh_statistics, every=timedelta(days=1))
