"""The status stage against a Kubernetes API server of ours (tests/kubeserver.py) through
the real `kubernetes` client and real kubeconfig files: what is requested, what is kept,
and what happens when a cluster refuses, fails or is slow."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from generator import sources
from generator.read import read_catalog
from generator.status import LISTS_PER_CLUSTER, read_snapshot, take_snapshot
from generator.status.config import KubernetesConfig
from generator.status.objects import OBJECT_TYPES
from kubeserver import KubeServer, load_items

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "example" / "kubernetes" / "demo-cluster.json"
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)
LATER = datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)
TOKEN = "s3cret-k8s-token-value"


@pytest.fixture(scope="module")
def example():
    found = sources.trees_for_paths([REPO / "example"])
    return read_catalog(found.trees, found.problems)


@pytest.fixture
def api():
    with KubeServer(load_items(DEMO), token=TOKEN) as server:
        yield server


def kube(tmp_path: Path, *clusters: dict, timeout: float = 5) -> KubernetesConfig:
    return KubernetesConfig.model_validate({"timeout": timeout, "clusters": list(clusters)},
                                           context={"base_dir": tmp_path})


def live(api: KubeServer, tmp_path: Path, name: str = "live", token: str | None = TOKEN,
         **extra) -> dict:
    config = api.write_kubeconfig(tmp_path / f"{name}.kubeconfig", context=name, token=token)
    return {"name": name, "context": name, "kubeconfig": str(config), **extra}


def test_a_live_cluster_gives_the_same_snapshot_as_its_recording(example, api, tmp_path):
    result = take_snapshot(example, kube(tmp_path, live(api, tmp_path),
                                         {"name": "recorded", "recorded": str(DEMO)}), now=NOW)
    assert result.problems == []
    served = {ref: by["live"] for ref, by in result.snapshot.entities.items()}
    recorded = {ref: by["recorded"] for ref, by in result.snapshot.entities.items()}
    assert served == recorded
    assert len(served) == 8  # every example service with a kubernetes-id has workloads
    web = served["component:default/web-shop"][0]
    assert web["namespace"] == "shop"
    assert [(d["name"], d["ready"], d["desired"], d["hpa"]) for d in web["deployments"]] == [
        ("web-shop", 3, 4, "web-shop")]
    assert {f["type"] for f in web["findings"]} == {
        "hpa-max-current-replicas", "readiness-probe-taking-too-long"}
    state = result.snapshot.cluster("live")
    assert (state.taken_at, state.fresh, state.errors) == ("2026-12-04T09:00:00Z", True, ())


def test_each_object_type_is_listed_once_per_entity_with_its_label_selector(
        example, api, tmp_path):
    take_snapshot(example, kube(tmp_path, live(api, tmp_path)), now=NOW)
    ids = sorted(e.annotations["backstage.io/kubernetes-id"] for e in example.entities.values()
                 if "backstage.io/kubernetes-id" in e.annotations)
    asked = sorted((r["path"], r["labelSelector"]) for r in api.requests)
    assert asked == sorted((kind.path(None), f"backstage.io/kubernetes-id={name}")
                           for name in ids for kind in OBJECT_TYPES)
    assert {r["authorization"] for r in api.requests} == {f"Bearer {TOKEN}"}


def test_a_namespace_annotation_and_a_custom_selector_are_used_as_given(api, tmp_path):
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "catalog-info.yaml").write_text("""\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: gateway
  annotations:
    backstage.io/kubernetes-label-selector: "app in (payment-gateway,nothing-else)"
    backstage.io/kubernetes-namespace: payments
spec: {type: service, lifecycle: production, owner: team-a}
""", encoding="utf-8")
    found = sources.trees_for_paths([tmp_path / "cat"])
    catalog = read_catalog(found.trees, found.problems)
    result = take_snapshot(catalog, kube(tmp_path, live(api, tmp_path)), now=NOW)
    assert {r["path"] for r in api.requests} == {kind.path("payments") for kind in OBJECT_TYPES}
    assert "/api/v1/namespaces/payments/pods" in {r["path"] for r in api.requests}
    assert {r["labelSelector"] for r in api.requests} == {"app in (payment-gateway,nothing-else)"}
    [payments] = result.snapshot.entities["component:default/gateway"]["live"]
    assert [p["name"] for p in payments["pods"]] == [
        "payment-gateway-6b8d7f9c5-k2x9p", "payment-gateway-6b8d7f9c5-q7m4z"]
    assert payments["pods"][1]["status"] == ["CrashLoopBackOff"]


def test_the_snapshot_keeps_names_and_states_but_no_config_data_or_env_values(
        example, api, tmp_path):
    text = take_snapshot(example, kube(tmp_path, live(api, tmp_path)), now=NOW).snapshot.to_json()
    assert "not-for-the-portal" not in text and "LOG_LEVEL" not in text
    assert '"catalog-service-config"' in text  # the ConfigMap's name is kept


def test_401_keeps_the_last_good_snapshot_and_says_when_it_was_taken(example, api, tmp_path):
    good = take_snapshot(example, kube(tmp_path, live(api, tmp_path)), now=NOW).snapshot
    (tmp_path / "status.json").write_text(good.to_json(), encoding="utf-8")
    api.token = "rotated"
    result = take_snapshot(example, kube(tmp_path, live(api, tmp_path)),
                           previous=read_snapshot(tmp_path / "status.json"), now=LATER)
    [problem] = result.problems
    assert problem.code == "k8s-unauthorized" and problem.severity.value == "warning"
    assert "HTTP 401" in problem.message and "taken at 2026-12-04T09:00:00Z" in problem.message
    assert "renew the token" in problem.hint
    state = result.snapshot.cluster("live")
    assert (state.taken_at, state.fresh) == ("2026-12-04T09:00:00Z", False)
    assert state.errors[0]["type"] == "UNAUTHORIZED_ERROR"
    assert result.snapshot.entities == good.entities
    assert result.snapshot.generated_at == "2026-12-04T10:00:00Z"
    # the first refusal stops the cluster's reads: only the lists already in flight go on
    assert len(api.requests) <= 96 + LISTS_PER_CLUSTER
    assert TOKEN not in repr(result)


def test_without_an_earlier_snapshot_a_failed_cluster_shows_nothing(example, api, tmp_path):
    result = take_snapshot(example, kube(tmp_path, live(api, tmp_path, token="wrong")), now=NOW)
    assert "No earlier snapshot" in result.problems[0].message
    assert result.snapshot.entities == {}
    assert result.snapshot.cluster("live").taken_at is None


def test_403_on_one_resource_is_reported_and_the_rest_is_fresh(example, api, tmp_path):
    api.forbidden = {"daemonsets", "limitranges"}
    result = take_snapshot(example, kube(tmp_path, live(api, tmp_path)), now=NOW)
    [problem] = result.problems
    assert problem.code == "k8s-forbidden"
    assert "cannot list resource" in problem.message and "(and 15 more like it)" in problem.message
    assert "deploy/kubernetes/clusterrole.yaml" in problem.hint
    assert result.snapshot.cluster("live").fresh
    assert len(result.snapshot.entities) == 8


def test_a_timeout_is_a_problem_for_that_cluster(example, api, tmp_path):
    api.slow = {"replicasets": 30}
    result = take_snapshot(example, kube(tmp_path, live(api, tmp_path), timeout=0.3), now=NOW)
    [problem] = result.problems
    assert problem.code == "k8s-timeout"
    assert "/apis/apps/v1/replicasets did not answer in time" in problem.message
    assert "kubernetes.timeout" in problem.hint
    assert result.snapshot.entities == {}


def test_an_unreachable_cluster(example, api, tmp_path):
    config = api.write_kubeconfig(tmp_path / "gone", context="gone", token=TOKEN,
                                  server="http://127.0.0.1:9")  # discard port: refused
    result = take_snapshot(example, kube(tmp_path, {"name": "gone", "context": "gone",
                                                    "kubeconfig": str(config)}), now=NOW)
    [problem] = result.problems
    assert problem.code == "k8s-unreachable" and "Connection refused" in problem.message


def test_clusters_are_read_in_parallel(example, tmp_path):
    """The first cluster's first answer waits until the second cluster has been asked
    something: read one after the other, the first would time out."""
    second_asked = threading.Event()
    with KubeServer(load_items(DEMO), token=TOKEN) as first, \
            KubeServer(load_items(DEMO), token=TOKEN) as second:
        first.on_request = lambda path: second_asked.wait(20)
        second.on_request = lambda path: second_asked.set()
        result = take_snapshot(example, kube(tmp_path, live(first, tmp_path, "one"),
                                             live(second, tmp_path, "two"), timeout=10),
                               now=NOW)
    assert result.problems == []
    assert all(set(by) == {"one", "two"} for by in result.snapshot.entities.values())


def test_a_token_from_the_environment_replaces_the_kubeconfig_user(
        example, api, tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_K8S_TOKEN", TOKEN)
    cluster = live(api, tmp_path, token=None, token_env="DEMO_K8S_TOKEN")
    assert take_snapshot(example, kube(tmp_path, cluster), now=NOW).problems == []
    assert {r["authorization"] for r in api.requests} == {f"Bearer {TOKEN}"}


def test_a_missing_token_variable_context_or_service_account_is_a_config_problem(
        example, api, tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    config = kube(tmp_path, live(api, tmp_path, "a", token=None, token_env="NO_SUCH_TOKEN"),
                  {"name": "b", "context": "nope", "kubeconfig": str(
                      api.write_kubeconfig(tmp_path / "b", context="b"))},
                  {"name": "c", "in_cluster": True})
    result = take_snapshot(example, config, now=NOW)
    messages = {p.message.split(":")[0]: p for p in result.problems}
    assert {p.code for p in result.problems} == {"k8s-config"}
    assert "NO_SUCH_TOKEN is not set" in messages["Kubernetes cluster a"].message
    assert "kubeconfig context `nope`" in messages["Kubernetes cluster b"].message
    assert "in-cluster service account" in messages["Kubernetes cluster c"].message
    assert api.requests == []


def test_the_entities_of_one_cluster_are_read_a_few_at_a_time(example, api, tmp_path):
    """Each answer waits until two requests have arrived: one request at a time would
    time out on the first."""
    arrived, two = [], threading.Event()

    def hold(path: str) -> None:
        arrived.append(path)
        if len(arrived) >= 2:
            two.set()
        two.wait(20)

    api.on_request = hold
    result = take_snapshot(example, kube(tmp_path, live(api, tmp_path), timeout=10), now=NOW)
    assert result.problems == [] and len(result.snapshot.entities) == 8
