"""``flask jobs run|list|schedule``."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from types import FrameType

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..uk_time import uk_datetime
from . import registered, run_due
from .models import JobRun


@click.group("jobs")
def jobs() -> None:
    """Scheduled work: notifications, SLA breaches, retention."""


@jobs.command("run")
@click.option("--job", "names", multiple=True, help="Run only this job (repeatable).")
@click.option("--force", is_flag=True, help="Run even if not yet due (never while held elsewhere).")
@with_appcontext
def run_command(names: tuple[str, ...], force: bool) -> None:
    """Run every job that is due, once, and exit."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        outcomes = run_due(app, only=names or None, force=force)
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from None
    for outcome in outcomes:
        click.echo(str(outcome))
    if any(not o.ok for o in outcomes):
        raise SystemExit(1)


@jobs.command("list")
@with_appcontext
def list_command() -> None:
    """Each job, how often it runs, when it is next due and how it last went (UK time)."""
    runs = {run.name: run for run in db.session.scalars(sa.select(JobRun))}
    for job in registered():
        run = runs.get(job.name)
        due = uk_datetime(run.next_run_at) if run else "now"
        last = (
            f"{'FAILED' if run.last_failed else 'ok'} {run.last_outcome or ''}".rstrip()
            if run and run.last_finished_at
            else "never run"
        )
        click.echo(f"{job.name:32} every {job.every}  next {due}  last: {last}")


@jobs.command("schedule")
@click.option("--every", default=60, show_default=True, help="Seconds between runs.")
@with_appcontext
def schedule_command(every: int) -> None:
    """Run due jobs every EVERY seconds until stopped (what `make run` starts beside gunicorn)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def tick() -> None:
        for outcome in run_due(app):
            if outcome.ran:
                app.logger.info("%s", outcome)

    # One run at a time in this process (coalesced if one overruns); the leases keep servers
    # from running the same job at once.
    scheduler = BlockingScheduler(timezone=UTC)
    scheduler.add_job(
        tick,
        "interval",
        seconds=every,
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Running due jobs every {every} s (Ctrl-C to stop)")
    try:
        scheduler.start()
    except KeyboardInterrupt:
        pass
