"""Create ``instance/config.py`` for a local install when it is absent. Never overwrites.

Run as ``python -m daservice.bootstrap`` (``make run`` does). Production deployments set
``DASERVICE_*`` variables instead.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from . import instance_path

TEMPLATE = '''"""Local development settings, made by `make run`. Not for production."""

ENV = "development"
SECRET_KEY = "{secret}"
# Local development serves plain HTTP on 127.0.0.1, where Secure cookies would not be sent.
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "daservice_session"
PREFERRED_URL_SCHEME = "http"
# Password for the synthetic demo users that `flask demo load` creates.
DEMO_PASSWORD = "{demo_password}"
'''


def main() -> int:
    folder = Path(instance_path())
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _private_database_file(folder)
    path = folder / "config.py"
    if path.exists():
        print(f"{path} exists; left unchanged.")
        return 0
    demo_password = "-".join(secrets.token_hex(3) for _ in range(3))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(TEMPLATE.format(secret=secrets.token_urlsafe(48), demo_password=demo_password))
    print(f"Created {path} for local development.")
    return 0


def _private_database_file(folder: Path) -> None:
    """Create the embedded SQLite file readable by its owner only (SQLite gives its journal files
    the same mode), before the first migration would create it with the default umask."""
    if os.environ.get("DATABASE_URL"):
        return
    database = folder / "daservice.sqlite3"
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


if __name__ == "__main__":
    sys.exit(main())
