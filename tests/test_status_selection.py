"""Which workloads and clusters belong to an entity (generator/status/selection.py) and
kubectl label selectors (generator/status/selector.py), as Backstage decides them."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import sources
from generator.read import read_catalog
from generator.status import selector
from generator.status.config import KubernetesConfig
from generator.status.selection import targets

LABELS = {"app": "shop", "tier": "web", "backstage.io/kubernetes-id": "shop"}


@pytest.mark.parametrize("text, expected", [
    ("app=shop", True), ("app==shop", True), ("app=other", False),
    ("app!=other", True), ("app!=shop", False), ("missing!=x", True),
    ("tier in (web,api)", True), ("tier in (api)", False),
    ("tier notin (api, batch)", True), ("tier notin (web)", False), ("gone notin (x)", True),
    ("app", True), ("gone", False), ("!gone", True), ("!app", False),
    ("app=shop,tier in (web,api)", True), ("app=shop,tier=api", False),
    ("backstage.io/kubernetes-id=shop", True), ("", True),
])
def test_selector_matching(text, expected):
    assert selector.matches(text, LABELS) is expected


@pytest.mark.parametrize("text", ["app=shop,=x", "tier in web", "!tier in (web)", "a b"])
def test_bad_selectors_are_refused_with_the_bad_part(text):
    with pytest.raises(selector.SelectorError) as caught:
        selector.parse(text)
    assert "`" in str(caught.value)


def catalog_of(tmp_path: Path, yaml_text: str):
    (tmp_path / "catalog-info.yaml").write_text(yaml_text, encoding="utf-8")
    found = sources.trees_for_paths([tmp_path])
    return read_catalog(found.trees, found.problems)


CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: plain
  annotations: {backstage.io/kubernetes-id: plain-id}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: custom
  annotations:
    backstage.io/kubernetes-id: ignored-when-a-selector-is-given
    backstage.io/kubernetes-label-selector: "app in (custom),tier=web"
    backstage.io/kubernetes-namespace: payments
    backstage.io/kubernetes-cluster: eu
spec:
  type: service
  lifecycle: production
  owner: team-a
  dependsOn: [resource:eu]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: no-tab
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: broken
  annotations: {backstage.io/kubernetes-label-selector: "app in oops"}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: eu}
spec: {type: kubernetes-cluster, owner: team-a}
"""


def config(locator: str) -> KubernetesConfig:
    return KubernetesConfig.model_validate({"service_locator": locator, "clusters": [
        {"name": "eu", "context": "eu"}, {"name": "us", "context": "us"}]})


def test_selector_namespace_and_which_entities_get_a_tab(tmp_path):
    found, problems = targets(catalog_of(tmp_path, CATALOG), config("multiTenant"))
    by_ref = {t.entity: t for t in found}
    assert sorted(by_ref) == ["component:default/custom", "component:default/plain"]
    plain, custom = by_ref["component:default/plain"], by_ref["component:default/custom"]
    assert (plain.selector, plain.namespace) == ("backstage.io/kubernetes-id=plain-id", None)
    assert (custom.selector, custom.namespace) == ("app in (custom),tier=web", "payments")
    assert plain.clusters == custom.clusters == ("eu", "us")
    [problem] = problems
    assert (problem.code, problem.entity) == ("k8s-label-selector", "component:default/broken")
    assert problem.file and problem.line and "app in oops" in problem.message


@pytest.mark.parametrize("locator, plain, custom", [
    ("multiTenant", ("eu", "us"), ("eu", "us")),
    ("singleTenant", ("eu", "us"), ("eu",)),        # only the annotated cluster
    ("catalogRelation", (), ("eu",)),                # only clusters it dependsOn
])
def test_service_locators(tmp_path, locator, plain, custom):
    found, _ = targets(catalog_of(tmp_path, CATALOG), config(locator))
    by_ref = {t.entity: t.clusters for t in found}
    assert by_ref["component:default/plain"] == plain
    assert by_ref["component:default/custom"] == custom
