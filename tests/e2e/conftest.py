"""Browser tests: Playwright (Python) driving Debian's Chromium against a live server.

Fixtures
--------
``live_server`` (function scope)
    Serves the ``app`` fixture (provided by ``tests/conftest.py``; its database
    must be usable from another thread: a SQLite file or PostgreSQL) with
    Werkzeug on ``127.0.0.1`` and a free port, in a daemon thread.  Yields a
    :class:`LiveServer` with ``.url`` (``http://127.0.0.1:PORT``) and
    ``.errors``, the exceptions the app raised while serving (Flask's
    ``got_request_exception``).
``browser`` (session scope)
    A headless Chromium launched from ``$DASERVICE_CHROMIUM`` or
    ``/usr/bin/chromium``.  Never ``playwright install``: the browser comes
    from Debian's ``chromium`` package.  If it is missing, every browser test
    FAILS with a message saying how to install it (a skip would hide a broken CI).
``page`` (function scope)
    A page in a fresh browser context (``base_url=live_server.url``, en-GB,
    Europe/London), so ``page.goto("/login")`` works.  It carries
    ``page.console_errors`` (console messages of type error, as text),
    ``page.csp_violations`` (``securitypolicyviolation`` events, as dicts with
    ``directive``, ``blockedURI``, ``sourceFile``, ``lineNumber``, ``sample``,
    ``documentURI``) and ``page.js_errors`` (uncaught JavaScript exceptions, as
    text; not ``page_errors``, which is a method of Playwright's Page).
    After the test, any CSP violation, uncaught JavaScript error or exception
    raised by the app fails the test, unless it is marked
    ``@pytest.mark.e2e_allow_errors``.  On failure a screenshot and the HTML
    are saved and their paths printed.
``assert_accessible`` (function scope)
    :func:`tests.e2e.axe.assert_accessible`, for tests that prefer a fixture
    to an import.

Every test under ``tests/e2e`` is marked ``e2e`` (``pytest -m e2e`` /
``-m "not e2e"``).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page

try:
    from .axe import assert_accessible as _assert_accessible
except ImportError:  # pragma: no cover - imported outside its package (unusual import modes)
    import importlib.util

    _spec = importlib.util.spec_from_file_location(
        "daservice_e2e_axe", Path(__file__).with_name("axe.py")
    )
    assert _spec is not None and _spec.loader is not None
    _axe_module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_axe_module)
    _assert_accessible = _axe_module.assert_accessible

E2E_DIR = Path(__file__).parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"

# Flags for Chromium as root in a sandbox-less container with no network but
# loopback: without the background-networking ones, Chromium keeps trying to
# reach Google's hosts at start and in the background.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

# Runs in every frame before the page's own scripts (through the DevTools
# protocol, so the page's CSP does not block it) and reports CSP violations
# to Python through a binding, which survives navigations.
_CSP_LISTENER_JS = """
document.addEventListener('securitypolicyviolation', (e) => {
  try {
    window.__daserviceCspViolation({
      directive: e.effectiveDirective || e.violatedDirective,
      blockedURI: e.blockedURI,
      sourceFile: e.sourceFile,
      lineNumber: e.lineNumber,
      sample: e.sample,
      documentURI: e.documentURI,
      disposition: e.disposition,
    });
  } catch (err) { /* binding not ready: nothing else to do */ }
}, true);
"""


# --------------------------------------------------------------------------- markers
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: browser tests in headless Chromium")
    config.addinivalue_line(
        "markers",
        "e2e_allow_errors: do not fail a browser test on CSP violations, uncaught "
        "JavaScript errors or exceptions raised by the app",
    )


def _is_under(path: Path, directory: Path) -> bool:
    for candidate, base in ((path, directory), (path.resolve(), directory.resolve())):
        if candidate == base or base in candidate.parents:
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test collected from this directory as ``e2e``."""
    for item in items:
        if _is_under(Path(item.path), E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so that fixtures can see a failure."""
    report = yield
    setattr(item, f"_e2e_report_{report.when}", report)
    return report


# --------------------------------------------------------------------------- live server
@dataclass
class LiveServer:
    """A running server: ``url`` is ``http://127.0.0.1:PORT`` (no trailing slash)."""

    host: str
    port: int
    errors: list[BaseException] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url_for(self, path: str = "/") -> str:
        """Absolute URL of *path* on this server."""
        return self.url + "/" + path.lstrip("/")


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """Serve ``app`` on 127.0.0.1 and a free port in a daemon thread for one test."""
    from flask import got_request_exception
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    live = LiveServer(host="127.0.0.1", port=int(server.server_port))

    def _record(sender: object, exception: BaseException, **extra: object) -> None:
        live.errors.append(exception)

    got_request_exception.connect(_record, app)
    thread = threading.Thread(target=server.serve_forever, name="live_server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        got_request_exception.disconnect(_record, app)


# --------------------------------------------------------------------------- browser
def chromium_executable() -> str:
    """The Chromium to drive: ``$DASERVICE_CHROMIUM`` or ``/usr/bin/chromium``."""
    return os.environ.get("DASERVICE_CHROMIUM") or DEFAULT_CHROMIUM


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A headless Chromium for the whole session; fails (never skips) if it is missing."""
    executable = chromium_executable()
    resolved = shutil.which(executable)
    if resolved is None:
        pytest.fail(
            f"Chromium not found at {executable!r}: the browser tests need Debian's "
            "chromium (`apt-get install chromium`, as .ci/run does) or DASERVICE_CHROMIUM "
            "pointing at a Chromium binary. Do not run `playwright install`.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "The Python package playwright is missing: pip install -e '.[dev]'.", pytrace=False
        )

    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=resolved,
                headless=True,
                args=list(CHROMIUM_ARGS),
                timeout=60_000,
            )
        except Exception as exc:  # playwright's Error, or a timeout
            pytest.fail(f"Could not start Chromium {resolved!r}: {exc}", pytrace=False)
        try:
            yield launched
        finally:
            launched.close()


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)[-150:]


def _save_failure_artifacts(page: Page, request: pytest.FixtureRequest, default_dir: Path) -> None:
    base = os.environ.get("DASERVICE_E2E_ARTIFACTS")
    directory = Path(base) if base else default_dir
    directory.mkdir(parents=True, exist_ok=True)
    name = _safe_name(request.node.nodeid)
    png, html = directory / f"{name}.png", directory / f"{name}.html"
    try:
        page.screenshot(path=str(png), full_page=True)
        html.write_text(page.content(), encoding="utf-8")
        print(f"\ne2e failure artifacts ({page.url}):\n  {png}\n  {html}")
    except Exception as exc:  # the page may be gone; the test failure matters more
        print(f"\ne2e: could not save failure artifacts: {exc}")


def _problems(page: Page, live_server: LiveServer) -> list[str]:
    problems: list[str] = []
    for v in page.csp_violations:  # type: ignore[attr-defined]
        problems.append(
            f"CSP violation: {v.get('directive')} blocked {v.get('blockedURI') or '?'}"
            f" at {v.get('sourceFile') or v.get('documentURI')}:{v.get('lineNumber')}"
            + (f" sample={v['sample']!r}" if v.get("sample") else "")
        )
    for error in page.js_errors:  # type: ignore[attr-defined]
        problems.append(f"uncaught JavaScript error: {error}")
    for exc in live_server.errors:
        problems.append(f"app raised {type(exc).__name__}: {exc} (traceback in the captured log)")
    return problems


@pytest.fixture
def page(
    browser: Browser,
    live_server: LiveServer,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Page]:
    """A page in a fresh context whose base_url is the live server; errors are collected."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 1280, "height": 900},
        service_workers="block",
    )
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(20_000)

    console_errors: list[str] = []
    csp_violations: list[dict[str, Any]] = []
    js_errors: list[str] = []

    context.expose_binding(
        "__daserviceCspViolation", lambda _source, violation: csp_violations.append(violation)
    )
    context.add_init_script(_CSP_LISTENER_JS)

    new_page = context.new_page()

    def _on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            where = f" ({location.get('url')}:{location.get('lineNumber')})" if location else ""
            console_errors.append(message.text + where)

    def _on_page_error(error: Error) -> None:
        js_errors.append(f"{error.name}: {error.message}" if error.name else error.message)

    new_page.on("console", _on_console)
    new_page.on("pageerror", _on_page_error)
    new_page.console_errors = console_errors  # type: ignore[attr-defined]
    new_page.csp_violations = csp_violations  # type: ignore[attr-defined]
    new_page.js_errors = js_errors  # type: ignore[attr-defined]

    try:
        yield new_page
        call_report = getattr(request.node, "_e2e_report_call", None)
        problems = _problems(new_page, live_server)
        if call_report is not None and call_report.failed:
            _save_failure_artifacts(
                new_page, request, tmp_path_factory.getbasetemp() / "e2e-artifacts"
            )
            if problems:
                print("\ne2e: also seen during the test:\n  " + "\n  ".join(problems))
        elif request.node.get_closest_marker("e2e_allow_errors") is None:
            if problems:
                pytest.fail(
                    "Browser test passed, but:\n  "
                    + "\n  ".join(problems)
                    + "\n(mark the test @pytest.mark.e2e_allow_errors if that is expected)",
                    pytrace=False,
                )
    finally:
        context.close()


@pytest.fixture
def assert_accessible() -> Callable[..., None]:
    """`tests.e2e.axe.assert_accessible` as a fixture: ``assert_accessible(page, "where")``."""
    return _assert_accessible
