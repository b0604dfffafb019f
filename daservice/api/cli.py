from __future__ import annotations

import uuid

import click
import sqlalchemy as sa

from ..accounts.models import Agency
from ..extensions import db
from . import auth
from .models import ApiClient


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


@api_clients.command(
    "new-token", help="Replace a client's token (the old one stops working); prints it once."
)
@click.option("--client", "client_id", required=True, help="The client's id, from create")
def new_token(client_id: str) -> None:
    client = _active_client(client_id)
    token = auth.replace_token(client)
    click.echo(
        f"New token for API client {client.id} ({client.name}); the old one stopped working."
    )
    click.echo(f"Token (shown once; store it in the partner system's secret store): {token}")


@api_clients.command(
    "revoke", help="Stop a client's token working at once (its referrals stay as they are)."
)
@click.option("--client", "client_id", required=True, help="The client's id, from create")
def revoke(client_id: str) -> None:
    client = _active_client(client_id)
    auth.revoke(client)
    click.echo(f"Revoked API client {client.id} ({client.name}): its token no longer works.")


def _active_client(client_id: str) -> ApiClient:
    try:
        wanted = uuid.UUID(client_id)
    except ValueError:
        raise click.BadParameter("not a client id", param_hint="--client") from None
    client = db.session.get(ApiClient, wanted)
    if client is None or client.revoked_at is not None:
        raise click.BadParameter("no such active client", param_hint="--client")
    return client
