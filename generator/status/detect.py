"""Error detection: Backstage's rules (`kubernetes-common/src/error-detection`) and ours.

Each rule reads raw objects as the API returns them and yields `Finding`s with Backstage's
`type`, message and severity (0-10, 10 critical), plus a plain-language explanation and
a next step in place of Backstage's "proposed fix" dialog. Backstage has no rules for
Jobs, StatefulSets, DaemonSets or Pending pods; ours for those are marked `playbill`.
Times are compared with `now`, the moment the snapshot was taken, so results are the
same however often a recording is read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Iterator

Obj = dict[str, Any]
#: How long a scheduled pod may stay Pending before we call it stuck.
PENDING_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class Finding:
    """One problem with one object, as the Kubernetes tab and health page show it."""

    type: str
    severity: int
    kind: str
    name: str
    namespace: str
    message: str
    explanation: str
    next_step: str
    occurrences: int = 1
    source: str = "backstage"  # or "playbill" for the rules Backstage does not have

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_time(text: Any) -> datetime | None:
    """An RFC 3339 time from the API (`2026-12-04T08:00:00Z`), or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def pod_findings(pod: Obj, now: datetime) -> Iterator[Finding]:
    yield from _readiness_too_long(pod, now)
    yield from _containers_waiting(pod)
    yield from _containers_restarting(pod)
    yield from _pod_pending(pod, now)


def deployment_findings(deployment: Obj) -> Iterator[Finding]:
    """Backstage's `condition-message-present`: every False condition with a message."""
    for condition in deployment.get("status", {}).get("conditions") or []:
        if condition.get("status") == "False" and condition.get("message"):
            explanation, step = _CONDITION_HELP.get(
                (condition.get("type"), condition.get("reason")), _CONDITION_DEFAULT)
            yield _finding("condition-message-present", 6, "Deployment", deployment,
                           condition["message"], explanation, step)


def hpa_findings(hpa: Obj) -> Iterator[Finding]:
    """Backstage's `hpa-max-current-replicas`."""
    maximum = hpa.get("spec", {}).get("maxReplicas")
    current = hpa.get("status", {}).get("currentReplicas")
    if maximum is not None and maximum == current:
        yield _finding(
            "hpa-max-current-replicas", 8, "HorizontalPodAutoscaler", hpa,
            f"Current number of replicas ({current}) is equal to the configured max number "
            f"of replicas ({maximum})",
            "The autoscaler wants more pods but may not add any: the service runs at its "
            "ceiling and may be slow or dropping requests under load.",
            "Raise spec.maxReplicas, or find why each pod is so busy (CPU use per request).")


def job_findings(job: Obj) -> Iterator[Finding]:
    """Ours: a Job whose Failed condition is True (backoff limit or deadline reached)."""
    for condition in job.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Failed" and condition.get("status") == "True":
            reason = condition.get("reason") or "Failed"
            detail = condition.get("message") or "the job failed"
            yield _finding(
                "job-failed", 6, "Job", job, f"Job {_name(job)} failed ({reason}): {detail}",
                "The job's pods kept failing until Kubernetes gave up, so its work was "
                "not done.",
                "Read the logs of the job's last pod (kubectl logs job/NAME) and re-run "
                "it once fixed.", source="playbill")


def statefulset_findings(statefulset: Obj) -> Iterator[Finding]:
    """Ours: fewer ready replicas than asked for."""
    desired = statefulset.get("spec", {}).get("replicas", 1)
    ready = statefulset.get("status", {}).get("readyReplicas", 0)
    if ready < desired:
        yield _finding(
            "statefulset-not-ready", 5, "StatefulSet", statefulset,
            f"StatefulSet {_name(statefulset)} has {ready} of {desired} replicas ready",
            "Some of its pods are not ready; a StatefulSet starts them one by one, so one "
            "stuck pod holds back the ones after it.",
            "Look at the first pod that is not ready: its events and its logs.",
            source="playbill")


def daemonset_findings(daemonset: Obj) -> Iterator[Finding]:
    """Ours: pods missing or not ready on some of the nodes that should run one."""
    status = daemonset.get("status", {})
    desired = status.get("desiredNumberScheduled", 0)
    ready = status.get("numberReady", 0)
    if ready < desired:
        yield _finding(
            "daemonset-not-ready", 5, "DaemonSet", daemonset,
            f"DaemonSet {_name(daemonset)} is ready on {ready} of {desired} nodes",
            "Some nodes that should run this daemon do not have a ready pod of it.",
            "List its pods with their nodes (kubectl get pods -o wide) and check the ones "
            "that are not ready.", source="playbill")


def _readiness_too_long(pod: Obj, now: datetime) -> Iterator[Finding]:
    probes = {c.get("name"): c.get("readinessProbe") for c in _spec_containers(pod)}
    for status in _statuses(pod):
        probe = probes.get(status.get("name"))
        started = parse_time(status.get("state", {}).get("running", {}).get("startedAt"))
        if status.get("ready") is not False or not probe or started is None:
            continue
        allowed = (probe.get("initialDelaySeconds", 0)
                   + probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3))
        if started + timedelta(seconds=allowed) < now:
            yield _finding(
                "readiness-probe-taking-too-long", 4, "Pod", pod,
                f"The container {status.get('name')} failed to start properly, but is not "
                "crashing",
                "The container runs, but its readiness probe keeps failing, so the pod "
                "gets no traffic.",
                "Check the pod's events (kubectl describe pod) for the failing probe, then "
                "the probe's path and port and the app's start-up logs.")


def _containers_waiting(pod: Obj) -> Iterator[Finding]:
    for status in _statuses(pod):
        waiting = status.get("state", {}).get("waiting") or {}
        if waiting.get("message"):
            explanation, step = _WAITING_HELP.get(waiting.get("reason"), _WAITING_DEFAULT)
            yield _finding("container-waiting", 4, "Pod", pod, waiting["message"],
                           explanation, step)


def _containers_restarting(pod: Obj) -> Iterator[Finding]:
    for status in _statuses(pod):
        restarts = status.get("restartCount", 0)
        if restarts > 0:
            reason = status.get("lastState", {}).get("terminated", {}).get("reason")
            explanation, step = _RESTART_HELP.get(reason, _RESTART_HELP["Error"])
            yield _finding("containers-restarting", 4, "Pod", pod,
                           f"container={status.get('name')} restarted {restarts} times",
                           explanation, step, occurrences=restarts)


def _pod_pending(pod: Obj, now: datetime) -> Iterator[Finding]:
    """Ours: a pod no node will take, or one scheduled but not started for a while."""
    status = pod.get("status", {})
    if status.get("phase") != "Pending":
        return
    scheduled = next((c for c in status.get("conditions") or []
                      if c.get("type") == "PodScheduled"), {})
    if scheduled.get("status") == "False":
        yield _finding(
            "pod-pending", 6, "Pod", pod,
            f"Pod {_name(pod)} cannot be scheduled: "
            f"{scheduled.get('message') or scheduled.get('reason') or 'no node fits'}",
            "No node can run this pod: not enough free CPU or memory, or its node "
            "selector, affinity or tolerations match no node.",
            "Compare the pod's resource requests and node selector with the nodes' free "
            "capacity (kubectl describe nodes), or add nodes.", source="playbill")
        return
    created = parse_time(pod.get("metadata", {}).get("creationTimestamp"))
    waiting = any((s.get("state", {}).get("waiting") or {}).get("message")
                  for s in _statuses(pod))
    if created and now - created > PENDING_GRACE and not waiting:
        minutes = int((now - created).total_seconds() // 60)
        yield _finding(
            "pod-pending", 4, "Pod", pod, f"Pod {_name(pod)} has been Pending for {minutes} "
            "minutes",
            "The pod was accepted but its containers have not started.",
            "Read the pod's events (kubectl describe pod): volumes that do not mount and "
            "init containers that do not finish are the usual causes.", source="playbill")


def _finding(kind_type: str, severity: int, kind: str, obj: Obj, message: str,
             explanation: str, step: str, occurrences: int = 1,
             source: str = "backstage") -> Finding:
    meta = obj.get("metadata", {})
    return Finding(kind_type, severity, kind, meta.get("name", ""), meta.get("namespace", ""),
                   message, explanation, step, occurrences, source)


def _statuses(pod: Obj) -> list[Obj]:
    return list(pod.get("status", {}).get("containerStatuses") or [])


def _spec_containers(pod: Obj) -> list[Obj]:
    return list(pod.get("spec", {}).get("containers") or [])


def _name(obj: Obj) -> str:
    return obj.get("metadata", {}).get("name", "")


_WAITING_HELP = {
    "InvalidImageName": (
        "The image name is not a valid image reference, so it cannot be pulled.",
        "Fix the image name in the pod template (registry/repository:tag)."),
    "ImagePullBackOff": (
        "Kubernetes cannot pull the container image: the name or tag is wrong, or the "
        "cluster may not read the registry.",
        "Check the image and tag exist, and that the pod's imagePullSecrets can read the "
        "registry."),
    "ErrImagePull": (
        "Kubernetes cannot pull the container image: the name or tag is wrong, or the "
        "cluster may not read the registry.",
        "Check the image and tag exist, and that the pod's imagePullSecrets can read the "
        "registry."),
    "CrashLoopBackOff": (
        "The container crashed many times; Kubernetes restarts it with an exponentially "
        "growing delay.",
        "Read the logs of the last crash (kubectl logs POD --previous)."),
    "CreateContainerConfigError": (
        "The container cannot be created: a ConfigMap or Secret it reads, or a key in "
        "one, is missing.",
        "Check the ConfigMaps and Secrets the pod template names exist with those keys."),
}
_WAITING_DEFAULT = ("The container is waiting to start.",
                    "Read the pod's events (kubectl describe pod).")
_RESTART_HELP = {
    "Error": ("The container exited with a non-zero exit code and was restarted.",
              "Read the crash logs (kubectl logs POD --previous)."),
    "Unknown": ("The container ended for an unknown reason and was restarted.",
                "Read the crash logs (kubectl logs POD --previous) and the node's events."),
    "OOMKilled": ("The container used more memory than its limit and was killed.",
                  "Raise the container's memory limit, or find what uses the memory."),
}
_CONDITION_HELP = {
    ("Progressing", "ProgressDeadlineExceeded"): (
        "The rollout is stuck: new pods did not become ready within the progress deadline.",
        "Look at the new ReplicaSet's pods (their findings are listed here too); fix them "
        "or roll back (kubectl rollout undo)."),
    ("Available", "MinimumReplicasUnavailable"): (
        "Fewer pods are ready than the deployment needs to count as available.",
        "Check why pods are not ready: their findings, events and logs."),
    ("ReplicaFailure", "FailedCreate"): (
        "The deployment cannot create pods, often because of a quota or admission policy.",
        "Read the ReplicaSet's events (kubectl describe rs)."),
}
_CONDITION_DEFAULT = ("A condition of the deployment is False.",
                      "Read the deployment's conditions and events (kubectl describe "
                      "deployment).")
