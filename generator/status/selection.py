"""Which workloads belong to an entity, and in which clusters: Backstage's rules exactly.

* id: `backstage.io/kubernetes-id`, else the entity's name;
* selector: `backstage.io/kubernetes-label-selector` when set (it wins), else
  `backstage.io/kubernetes-id=<id>`;
* namespace: `backstage.io/kubernetes-namespace`, else every namespace;
* clusters, by `service_locator`: `multiTenant` all; `singleTenant` the one named by
  `backstage.io/kubernetes-cluster`, else all; `catalogRelation` those the entity has a
  `dependsOn` relation to as `resource:<namespace or default>/<cluster name>`.

Only entities with a kubernetes-id or label-selector annotation get a Kubernetes tab, as
Backstage's `isKubernetesAvailable` decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.catalog import Catalog
from generator.model.entity import Entity
from generator.model.problem import Problem, warning
from generator.model.relations import DEPENDS_ON
from generator.status import selector as selectors
from generator.status.config import KubernetesConfig

KUBERNETES_ID = "backstage.io/kubernetes-id"
LABEL_SELECTOR = "backstage.io/kubernetes-label-selector"
NAMESPACE = "backstage.io/kubernetes-namespace"
CLUSTER = "backstage.io/kubernetes-cluster"


@dataclass(frozen=True)
class Target:
    """One entity's query: the same selector and namespace in each of its clusters."""

    entity: str  # the entity's ref
    selector: str
    namespace: str | None
    clusters: tuple[str, ...]


def targets(catalog: Catalog, config: KubernetesConfig) -> tuple[list[Target], list[Problem]]:
    """A target per annotated entity (sorted by ref), and problems with the annotations."""
    found: list[Target] = []
    problems: list[Problem] = []
    names = [cluster.name for cluster in config.clusters]
    for ref, entity in catalog.entities.items():
        annotations = entity.annotations
        if KUBERNETES_ID not in annotations and LABEL_SELECTOR not in annotations:
            continue
        label_selector = _label_selector(entity)
        try:
            selectors.parse(label_selector)
        except selectors.SelectorError as exc:
            problems.append(_bad_selector(entity, str(exc)))
            continue
        clusters = _clusters(catalog, entity, config.service_locator, names)
        namespace = str(annotations.get(NAMESPACE) or "") or None
        found.append(Target(ref, label_selector, namespace, clusters))
    return found, problems


def _label_selector(entity: Entity) -> str:
    annotations = entity.annotations
    custom = str(annotations.get(LABEL_SELECTOR) or "").strip()
    if custom:
        return custom
    return f"{KUBERNETES_ID}={annotations.get(KUBERNETES_ID) or entity.name}"


def _clusters(catalog: Catalog, entity: Entity, locator: str, names: list[str]
              ) -> tuple[str, ...]:
    if locator == "singleTenant" and entity.annotations.get(CLUSTER):
        wanted = str(entity.annotations[CLUSTER])
        return tuple(name for name in names if name == wanted)
    if locator == "catalogRelation":
        namespaces = {entity.namespace.lower(), "default"}
        related = {(r.target.namespace, r.target.name) for r in catalog.relations_of(entity.ref)
                   if r.type == DEPENDS_ON and r.target.kind == "resource"}
        return tuple(name for name in names
                     if any((ns, name.lower()) in related for ns in namespaces))
    return tuple(names)


def _bad_selector(entity: Entity, reason: str) -> Problem:
    return warning(
        "k8s-label-selector", f"Annotation {LABEL_SELECTOR}: {reason}",
        hint="Write a kubectl-style selector, e.g. `app=shop,tier in (web,api)`",
        file=entity.file, line=entity.line, entity=str(entity.ref))
