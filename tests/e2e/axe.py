"""Accessibility checks with axe-core in the browser tests.

axe-core comes from npm (``node_modules/axe-core/axe.min.js`` at the repository
root, installed by ``npm ci``; ``$DASERVICE_AXE_JS`` overrides the path).  It is
injected with ``page.evaluate(source)``, which runs through the DevTools
protocol and so works despite the pages' strict Content-Security-Policy (a
``<script>`` tag added with ``add_script_tag`` would be blocked by it).

Usage::

    from tests.e2e.axe import assert_accessible   # or the assert_accessible fixture

    page.goto("/referrals/new")
    assert_accessible(page, "new referral form")
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["AXE_JS", "WCAG_TAGS", "assert_accessible", "format_violations", "run_axe"]

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"

#: WCAG 2.0/2.1 A and AA, WCAG 2.2 AA, and axe's best practices.
WCAG_TAGS: tuple[str, ...] = (
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
)

_RUN_AXE_JS = """
async (options) => {
  const results = await window.axe.run(document, options);
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target,
      html: n.html,
      failureSummary: n.failureSummary,
    })),
  }));
}
"""


def axe_path() -> Path:
    """Where axe.min.js is read from: ``$DASERVICE_AXE_JS`` or ``node_modules/axe-core``."""
    override = os.environ.get("DASERVICE_AXE_JS")
    return Path(override) if override else AXE_JS


@functools.cache
def _axe_source(path: Path) -> str:
    if not path.is_file():
        raise AssertionError(
            f"axe-core is missing: {path} does not exist. Run `npm ci` at the repository root "
            "(package.json lists axe-core)."
        )
    return path.read_text(encoding="utf-8")


def _inject(page: Page) -> None:
    if page.evaluate(
        "() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"
    ):
        return
    # A script, not a function: evaluated as is in the page's main world, where
    # axe's UMD wrapper sets window.axe.  The trailing expression keeps the
    # value returned to Python small and serialisable.
    page.evaluate(_axe_source(axe_path()) + "\n;void 0;")


def run_axe(
    page: Page,
    *,
    tags: Sequence[str] = WCAG_TAGS,
    disable_rules: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Run axe on the page's current document; return its violations.

    Each violation is a dict with ``id``, ``impact``, ``help``, ``helpUrl`` and
    ``nodes`` (each with ``target``, a list of CSS selectors, ``html`` and
    ``failureSummary``).
    """
    _inject(page)
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
    }
    if disable_rules:
        options["rules"] = {rule: {"enabled": False} for rule in disable_rules}
    violations: list[dict[str, Any]] = page.evaluate(_RUN_AXE_JS, options)
    return violations


def _selector(target: object) -> str:
    # Frames and shadow roots give nested lists of selectors.
    if isinstance(target, list):
        return " >>> ".join(_selector(part) for part in target)
    return str(target)


def format_violations(violations: Sequence[dict[str, Any]], max_nodes: int = 10) -> str:
    """A readable list: one entry per violation, with the selectors of its nodes."""
    lines: list[str] = []
    for violation in violations:
        nodes = violation.get("nodes") or []
        lines.append(
            f"- {violation.get('id')} [{violation.get('impact') or 'unknown impact'}]: "
            f"{violation.get('help')} ({len(nodes)} node{'s' if len(nodes) != 1 else ''}) "
            f"{violation.get('helpUrl', '')}".rstrip()
        )
        for node in nodes[:max_nodes]:
            targets = ", ".join(_selector(t) for t in node.get("target") or [])
            html = " ".join(str(node.get("html", "")).split())
            if len(html) > 160:
                html = html[:157] + "..."
            lines.append(f"    target: {targets}")
            lines.append(f"      html: {html}")
        if len(nodes) > max_nodes:
            lines.append(f"    ... and {len(nodes) - max_nodes} more")
    return "\n".join(lines)


def assert_accessible(
    page: Page,
    context: str = "",
    *,
    disable_rules: Sequence[str] = (),
) -> None:
    """Fail (AssertionError) if axe finds WCAG 2.2 A/AA or best-practice violations.

    *context* names the state being checked (e.g. ``"login form with errors"``)
    and appears in the message, with the page's URL, each violation's id,
    impact and help, and the target selectors of its nodes.  *disable_rules*
    switches off rules by id; say why next to the call.
    """
    violations = run_axe(page, disable_rules=disable_rules)
    if violations:
        where = f"{page.url}" + (f" ({context})" if context else "")
        count = len(violations)
        raise AssertionError(
            f"{count} accessibility violation{'s' if count != 1 else ''} on {where}:\n"
            + format_violations(violations)
        )
