"""Accessibility: axe-core (from the npm registry, installed by scripts/test) runs inside
the main pages and finds no serious or critical violation: every rule in the light theme,
the colour rules again in the dark theme. Each violation is printed with the elements it
names."""

from __future__ import annotations

import pytest

from e2e_support import API, COMPONENT, GROUP, entity_path

PAGES = {
    "home": "index.html",
    "catalog": "catalog.html",
    "health": "health.html",
    "component": entity_path(COMPONENT),
    "api": entity_path(API),
    "group": entity_path(GROUP),
}
BLOCKING = {"serious", "critical"}


def describe(violations: list[dict]) -> str:
    """One paragraph per violation: rule, impact, help, and the first few elements."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}"
                     f" ({len(violation['nodes'])} elements) {violation['helpUrl']}")
        for node in violation["nodes"][:4]:
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary[:240]}")
    return "\n".join(lines)


ALL_RULES = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                       "best-practice"]}
#: The rules whose verdict depends on colours: all the dark theme can change.
COLOUR_RULES = {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}


def run_axe(page, run_only: dict) -> list[dict]:
    result = page.evaluate(
        "runOnly => axe.run(document, {runOnly, resultTypes: ['violations']})", run_only)
    return result["violations"]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_serious_accessibility_violations(site, page, axe_source, name: str) -> None:
    """One load per page: every rule in the light theme, then the toggle and the colour
    rules again in the dark theme (injecting axe once; it is 600 kB of script)."""
    page.goto(site.url(PAGES[name]))
    page.wait_for_load_state("load")
    page.add_script_tag(content=axe_source)
    found = {"light": run_axe(page, ALL_RULES)}
    page.click("#theme-toggle")
    assert page.get_attribute("html", "data-theme") == "dark"
    found["dark"] = run_axe(page, COLOUR_RULES)
    report = []
    for theme, violations in found.items():
        others = [v for v in violations if v["impact"] not in BLOCKING]
        if others:
            print(f"\n{name} ({theme}), minor or moderate:\n{describe(others)}")
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        if blocking:
            report.append(f"{name} ({theme}):\n{describe(blocking)}")
    assert not report, "\n" + "\n".join(report)
