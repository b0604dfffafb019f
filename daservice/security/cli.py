from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from . import keyring


@click.group(help="Encryption, blind-index and audit keys.")
def keys() -> None:
    pass


@keys.command(
    "init", help="Create instance/keys.json (mode 0600) with new random keys. Never overwrites."
)
def init() -> None:
    path = Path(current_app.config["KEYS_FILE"])
    if path.exists():
        click.echo(f"Keys already exist at {path}; left unchanged.")
        return
    if current_app.config.get("KEYS_JSON"):
        raise click.ClickException("keys are supplied through KEYS_JSON; not creating a file")
    document = keyring.generate_document()
    keyring.Keyring(document, other_secrets=(str(current_app.config["SECRET_KEY"]).encode(),))
    keyring.write_document(path, document)
    click.echo(f"Created {path} (mode 0600). Back it up somewhere safe: losing it loses the data.")
