from __future__ import annotations

import click
import sqlalchemy as sa

from ..extensions import db
from . import services
from .models import Agency, Role


@click.group(help="User accounts.")
def users() -> None:
    pass


@users.command(
    "create",
    help="Create an account from the server (to start an installation: the first administrator). "
    "Prints a temporary password, shown once, for you to give its holder; they must change it "
    "and set up their authenticator app at first sign-in. Administrators add everyone else on "
    "the web, where the holder is emailed a set-up link instead.",
)
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="Full name")
@click.option("--agency", "agency_code", required=True, help="Agency code, e.g. LBR")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles",
)
def create(email: str, display_name: str, agency_code: str, roles: tuple[str, ...]) -> None:
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == agency_code.upper()))
    if agency is None:
        raise click.BadParameter(f"no agency with code {agency_code}", param_hint="--agency")
    try:
        user, temporary = services.create_user(
            None,
            email=email,
            display_name=display_name,
            agency_id=agency.id,
            roles=[Role(r) for r in roles],
        )
    except services.AccountProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.email} ({agency.code}: {', '.join(sorted(roles))}).")
    click.echo(f"Temporary password (shown once; must be changed at first sign-in): {temporary}")
