"""What a snapshot keeps of an entity's objects in one cluster: a summary per namespace.

Only names, counts and states are kept: no ConfigMap data, Secret, environment value or
log, because anyone who can read the static site reads the snapshot (spec §4.7). Pods
are tied to their Deployment as Backstage's UI does it: Pod → ownerReferences → a
ReplicaSet with `status.replicas > 0` → Deployment, so old, scaled-down ReplicaSets do
not count. An HPA belongs to the workload its `scaleTargetRef` names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from generator.status import detect

Obj = dict[str, Any]


def summarise(lists: dict[str, list[Obj]], now: datetime) -> list[dict[str, Any]]:
    """The objects of one entity in one cluster (by object type), as one entry per
    namespace, sorted by namespace; namespaces without any object are left out."""
    namespaces = sorted({_meta(item, "namespace") for items in lists.values() for item in items})
    return [_namespace(ns, {t: [i for i in items if _meta(i, "namespace") == ns]
                            for t, items in lists.items()}, now)
            for ns in namespaces]


def _namespace(namespace: str, lists: dict[str, list[Obj]], now: datetime) -> dict[str, Any]:
    get = lambda name: sorted(lists.get(name, []), key=lambda o: _meta(o, "name"))  # noqa: E731
    pods, deployments, hpas = get("pods"), get("deployments"), get("horizontalpodautoscalers")
    owner_of_pod = _pod_deployments(pods, get("replicasets"), deployments)
    findings = [
        *(f for pod in pods for f in detect.pod_findings(pod, now)),
        *(f for d in deployments for f in detect.deployment_findings(d)),
        *(f for hpa in hpas for f in detect.hpa_findings(hpa)),
        *(f for job in get("jobs") for f in detect.job_findings(job)),
        *(f for s in get("statefulsets") for f in detect.statefulset_findings(s)),
        *(f for d in get("daemonsets") for f in detect.daemonset_findings(d)),
    ]
    findings.sort(key=lambda f: (-f.severity, f.kind, f.name, f.type, f.message))
    return {
        "namespace": namespace,
        "deployments": [_deployment(d, pods, owner_of_pod, hpas) for d in deployments],
        "pods": [_pod(pod, owner_of_pod.get(_meta(pod, "uid"))) for pod in pods],
        "hpas": [_hpa(hpa) for hpa in hpas],
        "jobs": [_job(job) for job in get("jobs")],
        "cronjobs": [_cronjob(job) for job in get("cronjobs")],
        "statefulsets": [_set(s, "readyReplicas", s.get("spec", {}).get("replicas", 1))
                         for s in get("statefulsets")],
        "daemonsets": [_set(d, "numberReady", d.get("status", {}).get("desiredNumberScheduled", 0))
                       for d in get("daemonsets")],
        "services": [{"name": _meta(s, "name"), "type": s.get("spec", {}).get("type", "ClusterIP")}
                     for s in get("services")],
        "ingresses": [{"name": _meta(i, "name"), "hosts": _hosts(i)} for i in get("ingresses")],
        "configmaps": [_meta(c, "name") for c in get("configmaps")],
        "limitranges": [_meta(r, "name") for r in get("limitranges")],
        "findings": [finding.to_dict() for finding in findings],
    }


def _pod_deployments(pods: list[Obj], replicasets: list[Obj], deployments: list[Obj]
                     ) -> dict[str, str]:
    """Pod uid → the name of the Deployment it belongs to (through a live ReplicaSet)."""
    deployment_names = {_meta(d, "uid"): _meta(d, "name") for d in deployments}
    live = {_meta(rs, "uid"): deployment_names[owner]
            for rs in replicasets if rs.get("status", {}).get("replicas", 0) > 0
            for owner in _owners(rs) if owner in deployment_names}
    return {_meta(pod, "uid"): live[owner] for pod in pods for owner in _owners(pod)
            if owner in live}


def _deployment(deployment: Obj, pods: list[Obj], owner_of_pod: dict[str, str],
                hpas: list[Obj]) -> dict[str, Any]:
    name = _meta(deployment, "name")
    spec, status = deployment.get("spec", {}), deployment.get("status", {})
    own = [pod for pod in pods if owner_of_pod.get(_meta(pod, "uid")) == name]
    hpa = next((h for h in hpas if _scales(h, "Deployment", name)), None)
    return {
        "name": name,
        "desired": spec.get("replicas", 1),
        "ready": status.get("readyReplicas", 0),
        "updated": status.get("updatedReplicas", 0),
        "available": status.get("availableReplicas", 0),
        "rollout": _rollout(deployment),
        "pods": len(own),
        "pods_with_errors": sum(1 for pod in own if _pod_errors(pod)),
        "hpa": _meta(hpa, "name") if hpa else None,
    }


def _rollout(deployment: Obj) -> str:
    """stuck (Progressing is False), paused, rolling out (pods of the new template still
    missing, or old ones still running) or complete. Readiness is shown beside it."""
    spec, status = deployment.get("spec", {}), deployment.get("status", {})
    if spec.get("paused"):
        return "paused"
    progressing = next((c for c in status.get("conditions") or []
                        if c.get("type") == "Progressing"), {})
    if progressing.get("status") == "False":
        return "stuck"
    desired = spec.get("replicas", 1)
    done = status.get("updatedReplicas", 0) == desired and status.get("replicas", 0) == desired
    return "complete" if done else "rolling out"


def _pod(pod: Obj, deployment: str | None) -> dict[str, Any]:
    statuses = pod.get("status", {}).get("containerStatuses") or []
    containers = [{"name": s.get("name", ""), "image": s.get("image", ""),
                   "ready": bool(s.get("ready")), "restarts": s.get("restartCount", 0),
                   "state": _state(s),
                   "last": (s.get("lastState", {}).get("terminated") or {}).get("reason")}
                  for s in statuses]
    return {
        "name": _meta(pod, "name"),
        "phase": pod.get("status", {}).get("phase", "Unknown"),
        "ready": f"{sum(c['ready'] for c in containers)}/{len(pod.get('spec', {}).get('containers') or [])}",
        "restarts": sum(c["restarts"] for c in containers),
        "status": _pod_errors(pod) or ["OK"],
        "containers": containers,
        "deployment": deployment,
    }


def _pod_errors(pod: Obj) -> list[str]:
    """Backstage's pod status column: each waiting or terminated reason but Completed."""
    reasons = []
    for status in pod.get("status", {}).get("containerStatuses") or []:
        state = status.get("state", {})
        for key in ("waiting", "terminated"):
            reason = (state.get(key) or {}).get("reason")
            if reason and reason != "Completed":
                reasons.append(reason)
    return reasons


def _state(status: Obj) -> str:
    state = status.get("state", {})
    if state.get("waiting") is not None:
        return f"waiting: {state['waiting'].get('reason', 'unknown')}"
    if state.get("terminated") is not None:
        return f"terminated: {state['terminated'].get('reason', 'unknown')}"
    return "running" if state.get("running") is not None else "unknown"


def _hpa(hpa: Obj) -> dict[str, Any]:
    spec, status = hpa.get("spec", {}), hpa.get("status", {})
    target = spec.get("scaleTargetRef", {})
    return {
        "name": _meta(hpa, "name"),
        "target": f"{target.get('kind', '')}/{target.get('name', '')}",
        "min": spec.get("minReplicas", 1), "max": spec.get("maxReplicas"),
        "current": status.get("currentReplicas", 0), "desired": status.get("desiredReplicas", 0),
        "cpu_target": spec.get("targetCPUUtilizationPercentage"),
        "cpu_current": status.get("currentCPUUtilizationPercentage"),
    }


def _job(job: Obj) -> dict[str, Any]:
    status = job.get("status", {})
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    state = ("failed" if conditions.get("Failed") == "True"
             else "complete" if conditions.get("Complete") == "True" else "running")
    owner = next((o.get("name") for o in job.get("metadata", {}).get("ownerReferences") or []
                  if o.get("kind") == "CronJob"), None)
    return {"name": _meta(job, "name"), "state": state, "succeeded": status.get("succeeded", 0),
            "failed": status.get("failed", 0), "cronjob": owner}


def _cronjob(cronjob: Obj) -> dict[str, Any]:
    spec, status = cronjob.get("spec", {}), cronjob.get("status", {})
    return {"name": _meta(cronjob, "name"), "schedule": spec.get("schedule", ""),
            "suspended": bool(spec.get("suspend")),
            "last_schedule": status.get("lastScheduleTime"),
            "last_success": status.get("lastSuccessfulTime")}


def _set(obj: Obj, ready_field: str, desired: int) -> dict[str, Any]:
    return {"name": _meta(obj, "name"), "ready": obj.get("status", {}).get(ready_field, 0),
            "desired": desired}


def _hosts(ingress: Obj) -> list[str]:
    return sorted({rule.get("host", "*") for rule in ingress.get("spec", {}).get("rules") or []})


def _scales(hpa: Obj, kind: str, name: str) -> bool:
    target = hpa.get("spec", {}).get("scaleTargetRef", {})
    return str(target.get("kind", "")).lower() == kind.lower() and target.get("name") == name


def _owners(obj: Obj) -> Iterable[str]:
    return [o.get("uid") for o in obj.get("metadata", {}).get("ownerReferences") or []]


def _meta(obj: Obj | None, key: str) -> str:
    return str(((obj or {}).get("metadata") or {}).get(key, ""))
