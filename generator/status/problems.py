"""The status stage's findings and fetch errors as `Problem`s, for reports and the CLI.

A cluster that cannot be read is one problem per kind of failure (not one per list), with
what to do about it and how old the data shown instead is. Workload findings become
problems only for `playbill status`: they describe the cluster, not the catalog, so they
stay out of the catalog's own health report and `validate`.
"""

from __future__ import annotations

from generator.model.catalog import Catalog
from generator.model.problem import Problem, Severity
from generator.status.snapshot import ClusterState, Snapshot

_HINTS = {
    "k8s-unreachable": "Check the API server address in the kubeconfig and that this "
    "machine can reach it (VPN, firewall, proxy).",
    "k8s-timeout": "The API server did not answer in time: check that it is up, or raise "
    "`kubernetes.timeout` in the config.",
    "k8s-unauthorized": "The credentials were refused (expired or wrong token): renew the "
    "token in the variable `token_env` names, or the kubeconfig user's credentials.",
    "k8s-forbidden": "RBAC refused these lists: bind Playbill's account to the ClusterRole "
    "in deploy/kubernetes/clusterrole.yaml (list on every object type Playbill reads).",
    "k8s-not-found": "The API server does not serve this API version; the cluster may be "
    "too old for it.",
    "k8s-config": "Fix the cluster's entry under `kubernetes.clusters` (context, kubeconfig, "
    "token_env) so that `kubectl --context NAME get pods` works with the same settings.",
    "k8s-fetch-error": "The API server answered with an error; try again, and read its logs "
    "if it persists.",
}


def cluster_problems(read: ClusterState, snapshot: Snapshot, config_file: str | None,
                     line: int | None = None) -> list[Problem]:
    """One warning per failure code of a cluster read, saying which snapshot is shown."""
    by_code: dict[str, list[dict]] = {}
    for error in read.errors:
        by_code.setdefault(error["code"], []).append(error)
    shown = snapshot.cluster(read.name)
    if shown is not None and not shown.fresh:
        kept = (f" Showing the last good snapshot, taken at {shown.taken_at}."
                if shown.taken_at else " No earlier snapshot of it to show.")
    else:
        kept = ""
    problems = []
    for code, errors in sorted(by_code.items()):
        more = f" (and {len(errors) - 1} more like it)" if len(errors) > 1 else ""
        problems.append(Problem(
            Severity.WARNING, code,
            f"Kubernetes cluster {read.name}: {errors[0]['message']}{more}.{kept}",
            hint=_HINTS.get(code, _HINTS["k8s-fetch-error"]), file=config_file, line=line))
    return problems


def finding_problems(snapshot: Snapshot, catalog: Catalog) -> list[Problem]:
    """Every finding of every entity: errors from severity 6 up, warnings below."""
    problems = []
    for ref, by_cluster in snapshot.entities.items():
        entity = catalog.entity(ref)
        for cluster, namespaces in sorted(by_cluster.items()):
            for namespace in namespaces:
                for finding in namespace["findings"]:
                    severity = Severity.ERROR if finding["severity"] >= 6 else Severity.WARNING
                    where = f"{cluster}/{namespace['namespace']} {finding['kind']} {finding['name']}"
                    problems.append(Problem(
                        severity, finding["type"], f"{where}: {finding['message']}",
                        hint=f"{finding['explanation']} {finding['next_step']}",
                        file=entity.file if entity else None,
                        line=entity.line if entity else None, entity=ref))
    return problems
