"""deploy/kubernetes/clusterrole.yaml grants exactly what the status stage does: `list` on
each object type it requests, in its API group, and nothing more."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import kubernetes.client
import yaml

from generator import sources
from generator.read import read_catalog
from generator.status import take_snapshot
from generator.status.config import KubernetesConfig
from generator.status.objects import OBJECT_TYPES
from kubeserver import KubeServer, load_items

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / "deploy" / "kubernetes" / "clusterrole.yaml"
DEMO = REPO / "example" / "kubernetes" / "demo-cluster.json"
LIST_PATH = re.compile(r"^/(?:api/v1|apis/(?P<group>[^/]+)/[^/]+)(?:/namespaces/[^/]+)?/(?P<plural>[^/]+)$")


def granted() -> dict[tuple[str, str], list[str]]:
    """(apiGroup, resource) → verbs, from the manifest's ClusterRole (schema-checked)."""
    documents = list(yaml.safe_load_all(MANIFEST.read_text(encoding="utf-8")))
    [role] = [d for d in documents if d["kind"] == "ClusterRole"]
    kubernetes.client.V1ClusterRole.from_dict(role)
    grants: dict[tuple[str, str], list[str]] = {}
    for rule in role["rules"]:
        assert set(rule) == {"apiGroups", "resources", "verbs"}  # no resourceNames, no URLs
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                assert (group, resource) not in grants, f"{group}/{resource} granted twice"
                grants[(group, resource)] = rule["verbs"]
    return grants


def requested(tmp_path: Path) -> set[tuple[str, str]]:
    """(apiGroup, resource) of every request the stage makes for the example."""
    found = sources.trees_for_paths([REPO / "example"])
    catalog = read_catalog(found.trees, found.problems)
    with KubeServer(load_items(DEMO), token="t") as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", context="c", token="t")
        config = KubernetesConfig.model_validate({"clusters": [
            {"name": "c", "context": "c", "kubeconfig": str(kubeconfig)}]})
        result = take_snapshot(catalog, config, now=datetime(2026, 12, 4, tzinfo=timezone.utc))
        assert result.problems == []
        paths = [request["path"] for request in api.requests]
    pairs = set()
    for path in paths:
        match = LIST_PATH.match(path)
        assert match, f"not a list request: {path}"
        pairs.add((match["group"] or "", match["plural"]))
    return pairs


def test_the_clusterrole_grants_list_only_and_never_secrets():
    grants = granted()
    assert all(verbs == ["list"] for verbs in grants.values())
    assert not any("*" in group or "*" in resource for group, resource in grants)
    assert ("", "secrets") not in grants


def test_the_clusterrole_covers_exactly_the_object_types_fetched(tmp_path):
    asked = requested(tmp_path)
    assert asked == {(kind.group, kind.plural) for kind in OBJECT_TYPES}
    assert set(granted()) == asked
