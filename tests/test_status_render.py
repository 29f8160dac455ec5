"""The snapshot in the site: status.json, the Kubernetes tab of entity pages and the
Kubernetes health page, built from the recorded demo cluster and from a live one."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from generator import sources
from generator.build import build_site
from generator.read import read_catalog
from generator.render import RenderOptions
from generator.render.reuse import MANIFEST
from generator.site_paths import entity_url
from generator.status import take_snapshot
from generator.status.config import KubernetesConfig
from kubeserver import KubeServer, load_items

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "example" / "kubernetes" / "demo-cluster.json"
NOW = datetime(2026, 12, 4, 9, 30, tzinfo=timezone.utc)
LATER = datetime(2026, 12, 5, 9, 30, tzinfo=timezone.utc)
GATEWAY = "component:default/payment-gateway"


def kube(*clusters: dict) -> KubernetesConfig:
    return KubernetesConfig.model_validate({"clusters": list(clusters)})


RECORDED = kube({"name": "demo", "recorded": str(DEMO)})


@pytest.fixture(scope="module")
def example():
    found = sources.trees_for_paths([REPO / "example"])
    return read_catalog(found.trees, found.problems)


def build(catalog, out: Path, config: KubernetesConfig | None, now: datetime = NOW) -> Path:
    snapshot = take_snapshot(catalog, config, now=now).snapshot if config else None
    build_site(catalog, out, RenderOptions(strict=True), snapshot)
    return out


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def text(site: Path, ref: str) -> str:
    return (site / entity_url(ref)).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(example, tmp_path_factory) -> Path:
    return build(example, tmp_path_factory.mktemp("k8s") / "site", RECORDED)


def test_status_json_is_the_snapshot_with_the_builds_time(site, example):
    data = json.loads((site / "status.json").read_text(encoding="utf-8"))
    assert data["generated_at"] == "2026-12-04T09:30:00Z"
    assert data["clusters"] == [{"name": "demo", "taken_at": "2026-12-04T09:00:00Z",
                                 "fresh": True, "errors": []}]
    annotated = {ref for ref, e in example.entities.items()
                 if "backstage.io/kubernetes-id" in e.annotations}
    assert set(data["entities"]) == annotated


def test_the_tab_shows_workloads_problems_explanations_and_the_snapshot_time(site):
    page = text(site, GATEWAY)
    assert '<a href="#kubernetes">Kubernetes: 3 problems</a>' in page
    tab = page[page.index('<section id="kubernetes"'):]
    tab = tab[:tab.index("</section>")]
    assert 'Snapshot taken at <time datetime="2026-12-04T09:00:00Z">' in tab
    assert 'data-namespace="payments"' in tab
    assert "<td>1/2</td>" in tab  # ready/desired replicas
    assert "Deployment does not have minimum availability." in tab
    assert "container=payment-gateway restarted 7 times" in tab
    assert "Raise the container&#39;s memory limit" in tab
    assert "waiting: CrashLoopBackOff (last ended: OOMKilled)" in tab
    assert "not-for-the-portal" not in page


@pytest.mark.parametrize("ref, words", [
    ("component:default/storefront-bff", ["rollout-stuck", "has timed out progressing",
                                          "ImagePullBackOff"]),
    ("component:default/web-shop", ["equal to the configured max number of replicas (4)",
                                    "2/4", "96% / 60%"]),
    ("component:default/search-indexer", ["BackoffLimitExceeded", "failed (0 succeeded, 4 failed)"]),
    ("component:default/fulfilment-worker", ["2/3 ready", "Insufficient memory",
                                             "not started"]),
    ("component:default/stock-sync", ["No problems found.", "<code>*/15 * * * *</code>",
                                      "from CronJob <code>stock-sync</code>"]),
])
def test_each_demo_service_shows_its_situation(site, ref, words):
    page = text(site, ref)
    for word in words:
        assert word in page, word


def test_pages_without_kubernetes_annotations_have_no_tab(site):
    page = text(site, "api:default/checkout-api")
    assert 'id="kubernetes"' not in page and "#kubernetes" not in page


def test_the_health_page_lists_entities_with_problems_worst_first(site):
    page = (site / "kubernetes.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-ref="component:default/([^"]+)">', page)
    # the HPA at its maximum (severity 8) first, then the severity-6 ones by ref
    assert rows == ["web-shop", "fulfilment-worker", "payment-gateway", "search-indexer",
                    "storefront-bff"]
    assert "Entities with problems (5)" in page
    assert '<tr data-cluster="demo"><th scope="row">demo</th><td><time datetime="2026-12-04T09:00:00Z">' in page
    assert 'href="../' not in page and 'href="entity/default/component/web-shop.html#kubernetes"' in page
    assert '<a href="kubernetes.html" aria-current="page">Kubernetes</a>' in page


def test_without_clusters_the_site_has_no_kubernetes_parts(example, tmp_path):
    out = build(example, tmp_path / "plain", None)
    assert not (out / "status.json").exists() and not (out / "kubernetes.html").exists()
    assert "kubernetes.html" not in (out / "index.html").read_text(encoding="utf-8")
    assert 'id="kubernetes"' not in text(out, GATEWAY)


def test_only_status_json_changes_when_a_recording_is_read_again_later(example, site, tmp_path):
    again = build(example, tmp_path / "again", RECORDED, now=LATER)
    before, after = files(site), files(again)
    assert set(before) == set(after)
    assert [name for name in before if before[name] != after[name]] == ["status.json"]


def test_a_live_clusters_time_changes_only_the_pages_that_show_it(example, tmp_path):
    with KubeServer(load_items(DEMO), token="t") as api:
        config = api.write_kubeconfig(tmp_path / "kubeconfig", context="live", token="t")
        live = kube({"name": "live", "context": "live", "kubeconfig": str(config)})
        first = files(build(example, tmp_path / "one", live, now=NOW))
        second = files(build(example, tmp_path / "two", live, now=LATER))
    changed = {name for name in first if first[name] != second[name]}
    tabs = {entity_url(ref) for ref, e in example.entities.items()
            if "backstage.io/kubernetes-id" in e.annotations}
    # the manifest holds each page's fingerprint, so it changes with those pages
    assert changed == {"status.json", "kubernetes.html", MANIFEST, *tabs}


def test_text_from_a_cluster_is_escaped(example, tmp_path):
    items = load_items(DEMO)
    pod = next(i for i in items if i["metadata"]["name"].startswith("payment-gateway-")
               and i["kind"] == "Pod" and i["status"]["containerStatuses"][0]["restartCount"])
    pod["status"]["containerStatuses"][0]["state"]["waiting"]["message"] = "<script>x()</script>"
    recording = tmp_path / "evil.json"
    recording.write_text(json.dumps({"kind": "List", "apiVersion": "v1", "items": items}))
    out = build(example, tmp_path / "site", kube({"name": "evil", "recorded": str(recording)}))
    page = text(out, GATEWAY)
    assert "<script>x()" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page


def test_a_refused_resource_is_said_once_per_cluster_on_a_page(example, tmp_path):
    with KubeServer(load_items(DEMO), token="t") as api:
        api.forbidden = {"daemonsets"}
        config = api.write_kubeconfig(tmp_path / "kubeconfig", context="live", token="t")
        out = build(example, tmp_path / "site", kube(
            {"name": "live", "context": "live", "kubeconfig": str(config)}))
    page = text(out, GATEWAY)
    assert page.count("cannot list resource") == 1 and "(and 7 more like it)" in page
    assert "stale</span>" not in page and "3 problems found" in page


def test_a_cluster_without_an_entitys_workloads_is_left_out_of_its_tab(example, tmp_path):
    items = [i for i in load_items(DEMO) if i["metadata"]["labels"]["app"] == "web-shop"]
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"kind": "List", "apiVersion": "v1", "items": items}))
    out = build(example, tmp_path / "site", kube({"name": "demo", "recorded": str(DEMO)},
                                                 {"name": "small", "recorded": str(small)}))
    assert 'data-cluster="small"' in text(out, "component:default/web-shop")
    gateway = text(out, GATEWAY)
    assert 'data-cluster="demo"' in gateway and 'data-cluster="small"' not in gateway
    empty = tmp_path / "empty.json"
    empty.write_text('{"kind": "List", "apiVersion": "v1", "items": []}')
    out = build(example, tmp_path / "none", kube({"name": "empty", "recorded": str(empty)}))
    assert "No workloads of Payment gateway on any configured cluster" in text(out, GATEWAY)
