"""The Kubernetes tab and health page in a real browser, on the example built with the
recorded demo cluster (example/kubernetes/demo-cluster.json): follow the tab's link,
open the pods, reach the health page from the header, and no serious axe violation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from conftest import EXAMPLE, catalog_of, serve
from e2e_support import entity_path
from test_e2e_a11y import ALL_RULES, BLOCKING, describe, run_axe

GATEWAY = "component:default/payment-gateway"
RECORDING = EXAMPLE / "kubernetes" / "demo-cluster.json"


@pytest.fixture(scope="module")
def k8s_site(tmp_path_factory) -> Iterator[str]:
    """The example with the recorded cluster's snapshot, built and served."""
    from generator.build import build_site
    from generator.status import take_snapshot
    from generator.status.config import KubernetesConfig

    folder = tmp_path_factory.mktemp("k8s") / "site"
    catalog = catalog_of(EXAMPLE)
    config = KubernetesConfig.model_validate(
        {"clusters": [{"name": "demo", "recorded": str(RECORDING)}]})
    snapshot = take_snapshot(catalog, config,
                             now=datetime(2026, 12, 4, 9, 30, tzinfo=timezone.utc)).snapshot
    build_site(catalog, folder, status=snapshot)
    with serve(folder) as base_url:
        yield base_url


def test_the_tab_link_opens_the_kubernetes_section_and_its_pods(k8s_site, page) -> None:
    page.goto(k8s_site + entity_path(GATEWAY))
    page.get_by_role("link", name="Kubernetes: 3 problems").click()
    page.wait_for_url("**#kubernetes")
    tab = page.locator("#kubernetes")
    assert tab.is_visible() and tab.evaluate("el => el.getBoundingClientRect().top < 200")
    assert "Snapshot taken at 2026-12-04T09:00:00Z" in tab.inner_text()
    finding = tab.locator('li[data-type="containers-restarting"]')
    assert "Raise the container's memory limit" in finding.inner_text()
    crashing = tab.locator('tr[data-pod="payment-gateway-6b8d7f9c5-q7m4z"]')
    assert not crashing.is_visible()  # the pods table starts folded
    tab.get_by_text("Pods (2)").click()
    assert crashing.is_visible()
    assert "CrashLoopBackOff" in crashing.inner_text()


def test_the_header_leads_to_the_health_page_and_back_to_a_tab(k8s_site, page) -> None:
    page.goto(k8s_site + "index.html")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Kubernetes").click()
    page.wait_for_url("**/kubernetes.html")
    rows = page.locator("table.k8s-entities tbody tr")
    assert rows.count() == 5
    assert rows.first.get_attribute("data-ref") == "component:default/web-shop"
    page.get_by_role("link", name="Kubernetes tab").first.click()
    page.wait_for_url(f"**/{entity_path('component:default/web-shop')}#kubernetes")
    assert page.locator("#kubernetes").is_visible()


@pytest.mark.parametrize("path", [entity_path(GATEWAY), "kubernetes.html"])
def test_no_serious_accessibility_violations(k8s_site, page, axe_source, path) -> None:
    page.goto(k8s_site + path)
    page.add_script_tag(content=axe_source)
    for details in page.locator("details").all():
        details.evaluate("el => el.open = true")  # check the folded tables too
    blocking = [v for v in run_axe(page, ALL_RULES) if v["impact"] in BLOCKING]
    assert blocking == [], describe(blocking)
