from __future__ import annotations

import click

from . import verify as verify_chain


@click.group(help="The audit trail.")
def audit() -> None:
    pass


@audit.command(
    "verify", help="Recompute the hash chain; exit 1 if any event was edited, deleted or moved."
)
def verify_command() -> None:
    result = verify_chain()
    for problem in result.problems:
        click.echo(f"FAIL: {problem}", err=True)
    if not result.ok:
        raise SystemExit(1)
    click.echo(f"OK: {result.checked} events, chain intact")
