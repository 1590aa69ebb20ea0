"""Running axe-core in a page and explaining what it finds, so a failing test says exactly
which rule broke, where, and how to fix it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

#: The WCAG 2.2 AA rules and axe's best practices (GOV.UK services build to WCAG 2.2 AA).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

#: The repository root: browser/ → tests/ → web/ → opensend/ → the root.
REPO_ROOT = Path(__file__).resolve().parents[4]
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"

_RUN = """
async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary, html: n.html})),
  }));
}
"""


def violations(page: Page, source: str) -> list[dict[str, Any]]:
    """Inject axe-core (if the page does not have it yet) and return its violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    found: list[dict[str, Any]] = page.evaluate(_RUN, TAGS)
    return found


def describe(found: list[dict[str, Any]], where: str) -> str:
    """A failure message: one paragraph per rule, with each offending element."""
    lines = [f"axe-core found {len(found)} accessibility violation(s) on {where}:"]
    for violation in found:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" — {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(str(node["summary"] or "").split())
            lines.append(f"    at {target}: {summary}")
            lines.append(f"      {str(node['html'])[:200]}")
    return "\n".join(lines)
