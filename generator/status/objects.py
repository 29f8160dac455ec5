"""What the status stage fetches: Backstage's default object types (`DEFAULT_OBJECTS`).

Each type is listed per namespace and label selector, GET only, with the kubernetes
client's typed API (`CoreV1Api.list_namespaced_pod`, or `list_pod_for_all_namespaces`
when the entity names no namespace). `deploy/kubernetes/clusterrole.yaml` grants `list`
on exactly these; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectType:
    """One kind of object: its API group, version and plural, and the client's methods."""

    name: str
    group: str  # "" for the core group
    version: str
    plural: str
    api: str  # the kubernetes.client class, e.g. "CoreV1Api"
    method: str  # e.g. "pod": list_namespaced_pod / list_pod_for_all_namespaces

    def path(self, namespace: str | None) -> str:
        """The list URL Backstage requests (without the query), for messages."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        return f"{base}{f'/namespaces/{namespace}' if namespace else ''}/{self.plural}"


OBJECT_TYPES: tuple[ObjectType, ...] = (
    ObjectType("pods", "", "v1", "pods", "CoreV1Api", "pod"),
    ObjectType("services", "", "v1", "services", "CoreV1Api", "service"),
    ObjectType("configmaps", "", "v1", "configmaps", "CoreV1Api", "config_map"),
    ObjectType("limitranges", "", "v1", "limitranges", "CoreV1Api", "limit_range"),
    ObjectType("deployments", "apps", "v1", "deployments", "AppsV1Api", "deployment"),
    ObjectType("replicasets", "apps", "v1", "replicasets", "AppsV1Api", "replica_set"),
    ObjectType("horizontalpodautoscalers", "autoscaling", "v1", "horizontalpodautoscalers",
               "AutoscalingV1Api", "horizontal_pod_autoscaler"),
    ObjectType("jobs", "batch", "v1", "jobs", "BatchV1Api", "job"),
    ObjectType("cronjobs", "batch", "v1", "cronjobs", "BatchV1Api", "cron_job"),
    ObjectType("ingresses", "networking.k8s.io", "v1", "ingresses", "NetworkingV1Api",
               "ingress"),
    ObjectType("statefulsets", "apps", "v1", "statefulsets", "AppsV1Api", "stateful_set"),
    ObjectType("daemonsets", "apps", "v1", "daemonsets", "AppsV1Api", "daemon_set"),
)

#: A recording's items carry `kind`; this maps it back to the type that lists it.
BY_KIND: dict[str, ObjectType] = {
    "Pod": OBJECT_TYPES[0], "Service": OBJECT_TYPES[1], "ConfigMap": OBJECT_TYPES[2],
    "LimitRange": OBJECT_TYPES[3], "Deployment": OBJECT_TYPES[4],
    "ReplicaSet": OBJECT_TYPES[5], "HorizontalPodAutoscaler": OBJECT_TYPES[6],
    "Job": OBJECT_TYPES[7], "CronJob": OBJECT_TYPES[8], "Ingress": OBJECT_TYPES[9],
    "StatefulSet": OBJECT_TYPES[10], "DaemonSet": OBJECT_TYPES[11],
}
