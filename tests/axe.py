"""Accessibility checks with axe-core, run inside the page under test.

axe is evaluated as page script rather than added as a <script> element, so a
Content Security Policy on our pages cannot block it.
"""

from functools import cache
from pathlib import Path

import pytest

AXE_PATH = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

RUN_AXE = """
async (tags) => {
    const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return results.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        helpUrl: violation.helpUrl,
        nodes: violation.nodes.map((node) => ({
            target: node.target.map(String).join(" "),
            html: node.html,
        })),
    }));
}
"""


@cache
def axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.fail(f"axe-core is missing ({AXE_PATH}): run npm ci", pytrace=False)
    return AXE_PATH.read_text(encoding="utf-8")


def inject_axe(page) -> None:
    if page.evaluate("typeof window.axe === 'undefined'"):
        # Wrapped in a function so axe's UMD wrapper sees no AMD/CommonJS loader and
        # attaches itself to window, as a script element would.
        page.evaluate(f"() => {{ {axe_source()}\n}}")
    if page.evaluate("typeof window.axe === 'undefined'"):
        pytest.fail("axe-core did not load in the page", pytrace=False)


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" [{len(violation['nodes'])} element(s)] {violation['helpUrl']}"
        )
        for node in violation["nodes"][:3]:
            lines.append(f"    at {node['target']}")
            lines.append(f"       {node['html'][:300]}")
    return "\n".join(lines)


def assert_no_axe_violations(page) -> None:
    """Fail with a readable list if axe finds any WCAG 2.2 AA or best-practice problem."""
    page.wait_for_load_state("load")  # a click may have started a navigation
    inject_axe(page)
    violations = page.evaluate(RUN_AXE, AXE_TAGS)
    if violations:
        pytest.fail(format_violations(page.url, violations), pytrace=False)
