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


def _install(ring: keyring.Keyring) -> None:
    from . import install_keys

    install_keys(current_app, ring)


@keys.command("status", help="Rows per key id, for every protected column and keyed table.")
def status() -> None:
    from . import rotation

    ring: keyring.Keyring = current_app.extensions["daservice.keyring"]
    for purpose in keyring.PURPOSES:
        roots = ", ".join(f"{r.key_id} ({r.status})" for r in ring.roots(purpose))
        click.echo(f"{purpose} keys: {roots}")
    click.echo("\nProtected columns (rows per encryption key):")
    for (table, column), counts in rotation.encryption_status().items():
        shown = ", ".join(f"{k}: {n}" for k, n in sorted(counts.items())) or "no rows"
        click.echo(f"  {table}.{column:<20} {shown}")
    keyed = rotation.keyed_rows_status(rotation.INDEX_TABLES + rotation.AUDIT_TABLES)
    click.echo("\nBlind-index and audit rows (rows per key):")
    for table, counts in keyed.items():
        shown = ", ".join(f"{k}: {n}" for k, n in sorted(counts.items())) or "no rows"
        click.echo(f"  {table:<27} {shown}")
    pending = rotation.count_to_reencrypt()
    click.echo(f"\n{pending} protected values are not on the primary key.")


@keys.command("rotate", help="Add a new active key; the old one stays usable for reading.")
@click.option(
    "--purpose", type=click.Choice(keyring.PURPOSES), default="encryption", show_default=True
)
def rotate(purpose: str) -> None:
    from . import rotation

    new_id, ring = rotation.rotate(purpose)
    _install(ring)
    click.echo(f"New active {purpose} key {new_id}. Restart the app servers to use it.")
    if purpose == "encryption":
        click.echo("Next: `flask --app daservice keys reencrypt`.")
    elif purpose == "blind_index":
        click.echo("Next: `flask --app daservice keys reindex`.")


@keys.command("reencrypt", help="Re-encrypt every protected value under the primary key.")
@click.option("--batch", default=2000, show_default=True, help="Rows per transaction")
def reencrypt(batch: int) -> None:
    from . import rotation

    total = rotation.count_to_reencrypt()
    with click.progressbar(length=total, label="Re-encrypting", show_pos=True) as bar:
        moved = rotation.reencrypt(batch=batch, progress=bar.update)
    click.echo(
        f"Re-encrypted and verified {moved} values. Left on old keys: "
        f"{rotation.count_to_reencrypt()}."
    )


@keys.command("reindex", help="Rebuild blind indexes under the active blind-index key.")
def reindex() -> None:
    from .blind_index import REINDEXERS

    for reindexer in REINDEXERS:
        with click.progressbar(length=0, label="Re-indexing", show_pos=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            count = reindexer(progress)
        click.echo(f"Re-indexed {count} records.")


@keys.command("retire", help="Retire a key no row uses any more.")
@click.argument("key_id")
def retire(key_id: str) -> None:
    from . import rotation

    try:
        ring = rotation.retire(key_id)
    except keyring.KeyringError as exc:
        raise click.ClickException(str(exc)) from None
    _install(ring)
    click.echo(f"Retired {key_id}.")
