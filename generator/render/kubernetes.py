"""What the Kubernetes tab of an entity page and the Kubernetes health page show.

Both read the status stage's `Snapshot` only; nothing here talks to a cluster. Times are
the snapshot's own (`taken_at` per cluster), so a page changes only when a cluster's
state or the time it was read changes. Entities Backstage would give a Kubernetes tab
(a kubernetes-id or label-selector annotation) get one even when no cluster has their
workloads, to say so; a cluster with neither workloads nor errors for an entity is left
out of its tab, as Backstage leaves it out of its response.
"""

from __future__ import annotations

from typing import Any

from generator.model.catalog import Catalog
from generator.model.entity import Entity
from generator.render.links import link
from generator.status.selection import KUBERNETES_ID, LABEL_SELECTOR
from generator.status.snapshot import Snapshot

#: Backstage's severities run 0-10; from this one up a finding is shown as an error.
ERROR_FROM = 6


def has_tab(entity: Entity) -> bool:
    return KUBERNETES_ID in entity.annotations or LABEL_SELECTOR in entity.annotations


def entity_view(snapshot: Snapshot | None, entity: Entity) -> dict[str, Any] | None:
    """The tab of one entity: per cluster its state and namespaces; None for no tab."""
    if snapshot is None or not snapshot.clusters or not has_tab(entity):
        return None
    data = snapshot.for_entity(str(entity.ref))
    clusters = []
    for state in snapshot.clusters:
        namespaces = [_namespace(ns) for ns in data.get(state.name, [])]
        if not namespaces and not state.errors:
            continue  # as in Backstage: a cluster with nothing to say is left out
        clusters.append({"name": state.name, "taken_at": state.taken_at, "fresh": state.fresh,
                         "errors": _by_code(state.errors), "namespaces": namespaces})
    findings = [f for c in clusters for ns in c["namespaces"] for f in ns["findings"]]
    return {
        "clusters": clusters,
        "found": any(c["namespaces"] for c in clusters),
        "findings": len(findings),
        "errors": sum(1 for f in findings if f["level"] == "error"),
    }


def health_context(catalog: Catalog, snapshot: Snapshot) -> dict[str, Any]:
    """Every cluster's state, and every entity with findings, the worst first."""
    rows = []
    for ref, by_cluster in snapshot.entities.items():
        findings = [{**_finding(f), "cluster": cluster, "namespace": ns["namespace"]}
                    for cluster, namespaces in sorted(by_cluster.items())
                    for ns in namespaces for f in ns["findings"]]
        if not findings:
            continue
        findings.sort(key=lambda f: (-f["severity"], f["cluster"], f["namespace"], f["kind"],
                                     f["name"], f["type"]))
        owner = catalog.owner_of(ref)
        rows.append({"entity": link(catalog, ref), "owner": link(catalog, owner) if owner else None,
                     "worst": findings[0]["severity"], "findings": findings,
                     "errors": sum(1 for f in findings if f["level"] == "error")})
    rows.sort(key=lambda row: (-row["worst"], row["entity"].ref))
    return {"clusters": [c.to_dict() for c in snapshot.clusters], "rows": rows,
            "generated_at": snapshot.generated_at}


def _by_code(errors) -> list[dict[str, Any]]:
    """A cluster's failed lists, once per kind of failure: the first message and how many
    more there were (a 403 on one resource fails it for every entity)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for error in errors:
        grouped.setdefault(error["code"], []).append(error)
    return [{"code": code, "message": found[0]["message"], "more": len(found) - 1}
            for code, found in sorted(grouped.items())]


def _namespace(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "findings": [_finding(f) for f in entry.get("findings", [])]}


def _finding(finding: dict[str, Any]) -> dict[str, Any]:
    return {**finding, "level": "error" if finding["severity"] >= ERROR_FROM else "warning"}
