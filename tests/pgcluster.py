"""A throwaway PostgreSQL cluster for the test suite.

The suite runs once on SQLite and once on a real PostgreSQL server that the
test command starts and stops itself, on loopback only.  This module starts a
private cluster in a temporary directory, listening on ``127.0.0.1`` and a
random free port, with trust authentication for ``127.0.0.1/32`` only and the
durability settings switched off for speed.  Nothing outside the temporary
directory is touched, and the directory is removed when the cluster stops.

Usage from Python::

    from tests.pgcluster import throwaway_cluster, create_database

    with throwaway_cluster() as url:          # postgresql+psycopg://postgres@127.0.0.1:PORT/daservice_test
        other = create_database(url, "migrations_test")

Usage from a shell (runs a command with the URL in an environment variable and
stops the cluster afterwards, whatever the command's exit status)::

    python tests/pgcluster.py --var TEST_DATABASE_URL -- python -m pytest -q

The server binaries (``initdb``, ``pg_ctl``, ``postgres``) are taken from
``$DASERVICE_PG_BINDIR`` if set, else from ``PATH``, else from the highest
version under ``/usr/lib/postgresql/<ver>/bin`` (Debian's layout).  ``initdb``
and ``postgres`` refuse to run as root, so when this process is root the
server runs as the ``postgres`` system user (created by Debian's
``postgresql`` package) and the temporary directory is owned by that user.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

__all__ = [
    "PgBinaries",
    "PgCluster",
    "create_database",
    "find_pg_binaries",
    "throwaway_cluster",
]

DEFAULT_DBNAME = "daservice_test"
SUPERUSER = "postgres"
SERVER_OS_USER_WHEN_ROOT = "postgres"
_BINARIES = ("initdb", "pg_ctl", "postgres")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_INSTALL_HINT = (
    "Install the server with `apt-get install postgresql` (Debian/Ubuntu), "
    "or set DASERVICE_PG_BINDIR to a directory holding initdb, pg_ctl and postgres."
)


@dataclass(frozen=True)
class PgBinaries:
    """Absolute paths of the PostgreSQL server programs, all from one directory."""

    bindir: Path
    initdb: Path
    pg_ctl: Path
    postgres: Path


def _bindir_if_complete(directory: Path) -> PgBinaries | None:
    paths = {name: directory / name for name in _BINARIES}
    if all(p.is_file() and os.access(p, os.X_OK) for p in paths.values()):
        return PgBinaries(bindir=directory, **paths)
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (-1,)


def find_pg_binaries() -> PgBinaries:
    """Locate ``initdb``, ``pg_ctl`` and ``postgres``.

    Order: ``$DASERVICE_PG_BINDIR``; then ``PATH`` (symlinks resolved, so that
    ``pg_ctl`` finds the ``postgres`` of the same version); then the highest
    version under ``/usr/lib/postgresql/<ver>/bin``.  Raises ``RuntimeError``
    with an install hint when none is found.
    """
    override = os.environ.get("DASERVICE_PG_BINDIR")
    if override:
        found = _bindir_if_complete(Path(override))
        if found is None:
            raise RuntimeError(
                f"DASERVICE_PG_BINDIR={override!r} does not hold all of {', '.join(_BINARIES)}."
            )
        return found

    on_path = shutil.which("initdb")
    if on_path:
        found = _bindir_if_complete(Path(on_path).resolve().parent)
        if found is not None:
            return found

    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        for version_dir in sorted(root.iterdir(), key=lambda p: _version_key(p.name), reverse=True):
            found = _bindir_if_complete(version_dir / "bin")
            if found is not None:
                return found

    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH "
        f"or under /usr/lib/postgresql/<version>/bin. {_INSTALL_HINT}"
    )


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_free_port() -> int:
    """A random free TCP port on 127.0.0.1, outside Linux's ephemeral range (32768-60999)."""
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randint(15000, 32000)
        if _port_is_free(port):
            return port
    # Fall back on whatever the kernel hands out.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(could not read {path}: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


def _all_parents_traversable(path: Path) -> bool:
    """True if *path* and every directory above it let "others" search them (o+x)."""
    resolved = path.resolve()
    for parent in (resolved, *resolved.parents):
        try:
            if not parent.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Delay SIGINT/SIGTERM (Ctrl-C) while cleaning up; re-raise afterwards.

    Only possible in the main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def _remember(signum: int, _frame: object) -> None:
        received.append(signum)

    old_int = signal.signal(signal.SIGINT, _remember)
    old_term = signal.signal(signal.SIGTERM, _remember)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
        if received:
            raise KeyboardInterrupt


@dataclass
class PgCluster:
    """A private PostgreSQL cluster living in a temporary directory.

    Prefer :func:`throwaway_cluster`; this class is its building block.
    ``start()`` runs initdb and starts the server; ``stop()`` stops it
    (fast, then immediate, then SIGKILL) and deletes the directory.
    """

    dbname: str = DEFAULT_DBNAME
    start_timeout: int = 60
    binaries: PgBinaries = field(default_factory=find_pg_binaries)
    root: Path | None = None
    port: int | None = None
    _run_as: str | None = None

    # -- paths ---------------------------------------------------------------
    @property
    def datadir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        assert self.root is not None
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the test database."""
        return self.url_for(self.dbname)

    def url_for(self, dbname: str) -> str:
        """SQLAlchemy URL of *dbname* in this cluster."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{quote(dbname)}"

    # -- process helpers -----------------------------------------------------
    def _run(self, args: Sequence[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a server program as the server's OS user, capturing its output."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("PG") and k not in {"LC_ALL", "LANG", "LANGUAGE"}
        }
        # English messages (parsed below); the cluster's locale is set by initdb's --locale.
        env.update(LANG="C", LC_ALL="C", TZ="UTC", HOME=str(self.root))
        uid: int | None = None
        gid: int | None = None
        extra_groups: list[int] | None = None
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            uid, gid, extra_groups = entry.pw_uid, entry.pw_gid, []
            env.update(USER=self._run_as, LOGNAME=self._run_as)
        return subprocess.run(
            list(args),
            cwd=str(self.root),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            # Own session: a Ctrl-C in the terminal reaches only the test
            # process, which then stops the server in an orderly way.
            start_new_session=True,
            check=False,
            user=uid,
            group=gid,
            extra_groups=extra_groups,
        )

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        """Create the cluster, start the server and create the test database."""
        base: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(SERVER_OS_USER_WHEN_ROOT)
            except KeyError:
                raise RuntimeError(
                    "Running as root, and PostgreSQL refuses to run as root, but there is no "
                    f"'{SERVER_OS_USER_WHEN_ROOT}' system user to run it as. {_INSTALL_HINT}"
                ) from None
            self._run_as = SERVER_OS_USER_WHEN_ROOT
            if not _all_parents_traversable(Path(tempfile.gettempdir())):
                # The postgres user must be able to reach its data dir; mkdtemp is safe here.
                base = "/tmp"  # noqa: S108
        self.root = Path(tempfile.mkdtemp(prefix="daservice-pg-", dir=base))
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        os.chmod(self.root, 0o700)

        self._initdb()
        self._configure()
        self._start_server()
        create_database(self.url_for("postgres"), self.dbname)

    def _initdb(self) -> None:
        last: subprocess.CompletedProcess[str] | None = None
        for locale in ("C.UTF-8", "C"):
            last = self._run(
                [
                    str(self.binaries.initdb),
                    "--pgdata",
                    str(self.datadir),
                    "--username",
                    SUPERUSER,
                    "--encoding",
                    "UTF8",
                    "--locale",
                    locale,
                    "--auth",
                    "trust",
                    "--no-sync",
                ]
            )
            if last.returncode == 0:
                return
            shutil.rmtree(self.datadir, ignore_errors=True)
            if "invalid locale" not in last.stdout.lower():
                break  # only a missing C.UTF-8 locale is worth a retry with "C"
        assert last is not None
        raise RuntimeError(f"initdb failed (exit {last.returncode}):\n{last.stdout}")

    def _configure(self) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "wal_level": "minimal",
            "max_wal_senders": "0",
            "max_connections": "100",
            "logging_collector": "off",
            "log_min_messages": "warning",
            "log_line_prefix": "'%m [%p] %q%u@%d '",
            "timezone": "'UTC'",
        }
        with open(self.datadir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# daservice throwaway test cluster\n")
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")
        # Trust, for TCP from 127.0.0.1 only: no unix-socket or other-host entries.
        (self.datadir / "pg_hba.conf").write_text(
            "# TYPE  DATABASE  USER  ADDRESS       METHOD\n"
            "host    all       all   127.0.0.1/32  trust\n",
            encoding="utf-8",
        )

    def _start_server(self) -> None:
        for attempt in range(3):
            self.port = _pick_free_port()
            result = self._run(
                [
                    str(self.binaries.pg_ctl),
                    "--pgdata",
                    str(self.datadir),
                    "--log",
                    str(self.logfile),
                    "--wait",
                    "--timeout",
                    str(self.start_timeout),
                    "--options",
                    f"-p {self.port}",
                    "start",
                ],
                timeout=self.start_timeout + 30,
            )
            if result.returncode == 0:
                return
            log_tail = _tail(self.logfile)
            port_clash = "could not bind" in log_tail or "already in use" in log_tail
            if port_clash and attempt < 2:
                self._stop_server()  # in case it half-started
                continue
            raise RuntimeError(
                f"PostgreSQL did not start (pg_ctl exit {result.returncode}) in {self.root}.\n"
                f"pg_ctl said:\n{result.stdout.strip()}\n"
                f"--- tail of {self.logfile} ---\n{log_tail}"
            )

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.datadir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _stop_server(self) -> None:
        if self.root is None or not (self.datadir / "postmaster.pid").exists():
            return
        for mode in ("fast", "immediate"):
            try:
                result = self._run(
                    [
                        str(self.binaries.pg_ctl),
                        "--pgdata",
                        str(self.datadir),
                        "--mode",
                        mode,
                        "--wait",
                        "--timeout",
                        "30",
                        "stop",
                    ],
                    timeout=60,
                )
            except subprocess.TimeoutExpired:
                continue
            if result.returncode == 0:
                return
        pid = self._postmaster_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # postmaster leads its own session
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except (ProcessLookupError, PermissionError):
                    break
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (if running) and delete the cluster's directory."""
        try:
            self._stop_server()
        finally:
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)
                self.root = None


@contextlib.contextmanager
def throwaway_cluster(dbname: str = DEFAULT_DBNAME, *, start_timeout: int = 60) -> Iterator[str]:
    """Start a private PostgreSQL cluster in a temp dir on 127.0.0.1 and yield a SQLAlchemy URL
    (postgresql+psycopg://USER@127.0.0.1:PORT/daservice_test) to an empty database;
    stop it and delete it on exit.

    USER is the cluster's superuser, ``postgres``; no password (trust auth for
    127.0.0.1/32 only).  The server is stopped and its directory deleted on
    any exit, including exceptions and KeyboardInterrupt.  Raises
    ``RuntimeError`` if the binaries are missing or the server does not start
    (with the tail of the server log in the message).
    """
    cluster = PgCluster(dbname=dbname, start_timeout=start_timeout)
    try:
        cluster.start()
        yield cluster.url
    finally:
        with _sigint_deferred():
            cluster.stop()


def _split_url(url: str) -> tuple[str, str]:
    """Turn a SQLAlchemy postgresql URL into (libpq URL without a database, driver scheme)."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if not scheme.startswith("postgresql") and not scheme.startswith("postgres"):
        raise ValueError(f"not a PostgreSQL URL: {url!r}")
    return urlunsplit(("postgresql", parts.netloc, "", parts.query, "")), scheme


def create_database(url: str, name: str) -> str:
    """Create an empty database *name* in the cluster that *url* points at; return its URL.

    *url* is any SQLAlchemy or libpq URL of a database in the cluster (its
    database part is ignored: the statement runs in the ``postgres``
    database).  The new database is copied from ``template0``, so it is empty
    and UTF8.  The returned URL keeps *url*'s scheme, user and query.
    Raises ``ValueError`` for a name that is not a plain lower-case
    identifier, and psycopg's errors if the database exists already.
    """
    if not _IDENTIFIER.match(name):
        raise ValueError(f"database name must match {_IDENTIFIER.pattern}: {name!r}")
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            'create_database needs psycopg 3: pip install "psycopg[binary]"'
        ) from exc

    base, scheme = _split_url(url)
    parts = urlsplit(base)
    maintenance = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    original = urlsplit(url)
    return urlunsplit((scheme, original.netloc, "/" + quote(name), original.query, ""))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run a command with a throwaway cluster's URL in an environment variable."""
    parser = argparse.ArgumentParser(
        description="Run COMMAND with a throwaway PostgreSQL cluster; its SQLAlchemy URL is "
        "put in the environment variable --var. The cluster is deleted afterwards.",
    )
    parser.add_argument(
        "--var", default="TEST_DATABASE_URL", help="environment variable (default: %(default)s)"
    )
    parser.add_argument(
        "--dbname", default=DEFAULT_DBNAME, help="database to create (default: %(default)s)"
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="command to run, after --")
    args = parser.parse_args(argv)
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        parser.error("no command given (put it after --)")

    # Turn SIGTERM into an exception so that the cluster is cleaned up.
    def _on_term(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _on_term)
    try:
        with throwaway_cluster(args.dbname) as url:
            print(f"pgcluster: {args.var}={url}", file=sys.stderr, flush=True)
            child = subprocess.Popen(command, env={**os.environ, args.var: url})
            try:
                return child.wait()
            except KeyboardInterrupt:
                with contextlib.suppress(ProcessLookupError):
                    child.send_signal(signal.SIGINT)
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
                return 130
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
