"""Accessibility: axe-core (from the npm registry, installed by scripts/test) runs inside
the main pages and finds no serious or critical violation: every rule in the light theme,
the colour rules again in the dark theme. Each violation is printed with the elements it
names."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from conftest import REPO, build, serve
from e2e_support import API, COMPONENT, GROUP, entity_path

PAGES = {
    "home": "index.html",
    "catalog": "catalog.html",
    "health": "health.html",
    "component": entity_path(COMPONENT),
    "api": entity_path(API),
    "group": entity_path(GROUP),
}
#: Pages only a catalog with Software Templates has (the example has none): a template's
#: form, commands and "made from" table, and the page of a service made from it.
TEMPLATE_PAGES = {
    "template": entity_path("template:default/python-service"),
    "scaffolded": entity_path("component:default/made-from-template"),
}
SCAFFOLDED = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: made-from-template
  annotations:
    backstage.io/source-template: template:default/python-service
    playbill.dev/source-template-commit: 0123456789abcdef0123456789abcdef01234567
spec: {type: service, lifecycle: production, owner: team-platform}
"""
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


@pytest.fixture(scope="module")
def template_site(tmp_path_factory) -> Iterator[str]:
    """The bundled templates and one service made from a template, built and served."""
    root = tmp_path_factory.mktemp("templates")
    catalog = root / "catalog"
    shutil.copytree(REPO / "scaffold_templates", catalog / "templates")
    (catalog / "made-from-template.yaml").write_text(SCAFFOLDED, encoding="utf-8")
    build(catalog, root / "site")
    with serve(root / "site") as base_url:
        yield base_url


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_serious_accessibility_violations(site, page, axe_source, name: str) -> None:
    check_page(page, site.url(PAGES[name]), name, axe_source)


@pytest.mark.parametrize("name", sorted(TEMPLATE_PAGES))
def test_template_pages_have_no_serious_violations(template_site, page, axe_source,
                                                   name: str) -> None:
    check_page(page, template_site + TEMPLATE_PAGES[name], name, axe_source)


def check_page(page, url: str, name: str, axe_source: str) -> None:
    """One load per page: every rule in the light theme, then the toggle and the colour
    rules again in the dark theme (injecting axe once; it is 600 kB of script)."""
    page.goto(url)
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
