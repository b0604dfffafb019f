from __future__ import annotations

import click
import sqlalchemy as sa

from ..accounts.models import Agency
from ..extensions import db
from . import auth


@click.group("api-clients", help="Partner systems that send referrals through the API.")
def api_clients() -> None:
    pass


@api_clients.command("create", help="Create a client for an agency; prints its token once.")
@click.option("--agency", "agency_code", required=True, help="Agency code, e.g. MPS")
@click.option("--name", required=True, help="What the partner system is, e.g. 'MPS Niche bridge'")
def create(agency_code: str, name: str) -> None:
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == agency_code.upper()))
    if agency is None:
        raise click.BadParameter(f"no agency with code {agency_code}", param_hint="--agency")
    client, token = auth.issue(agency.id, name.strip())
    click.echo(f"Created API client {client.id} for {agency.code}.")
    click.echo(f"Token (shown once; store it in the partner system's secret store): {token}")
