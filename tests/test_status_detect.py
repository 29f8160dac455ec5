"""Error detection (generator/status/detect.py): Backstage's rules and Playbill's own,
one small object per case, the conditions at and just past each rule's edge."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from generator.status import detect

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)


def pod(statuses=(), phase="Running", probe=None, conditions=None, created="2026-12-04T08:00:00Z"):
    container = {"name": "app", "image": "app:1"}
    if probe is not None:
        container["readinessProbe"] = probe
    return {"metadata": {"name": "app-1", "namespace": "shop", "creationTimestamp": created},
            "spec": {"containers": [container]},
            "status": {"phase": phase, "conditions": conditions or [],
                       "containerStatuses": list(statuses)}}


def running(ready=True, started="2026-12-04T08:59:00Z", restarts=0, last=None):
    status = {"name": "app", "ready": ready, "restartCount": restarts,
              "state": {"running": {"startedAt": started}}}
    if last:
        status["lastState"] = {"terminated": {"reason": last}}
    return status


def waiting(reason, message="it waits"):
    return {"name": "app", "ready": False, "restartCount": 0,
            "state": {"waiting": {"reason": reason, "message": message}}}


def types(findings):
    return [(f.type, f.severity) for f in findings]


PROBE = {"initialDelaySeconds": 10, "periodSeconds": 10, "failureThreshold": 3}  # 40 s


@pytest.mark.parametrize("started, flagged", [
    ("2026-12-04T08:59:19Z", True),    # 41 s ago: past 10 + 10 × 3
    ("2026-12-04T08:59:20Z", False),   # exactly 40 s: not yet
    ("2026-12-04T08:59:50Z", False),
])
def test_readiness_probe_taking_too_long_after_delay_plus_period_times_threshold(started, flagged):
    found = list(detect.pod_findings(pod([running(False, started)], probe=PROBE), NOW))
    assert (("readiness-probe-taking-too-long", 4) in types(found)) is flagged
    if flagged:
        assert found[0].message == "The container app failed to start properly, but is not crashing"


def test_no_readiness_finding_without_a_probe_or_when_ready():
    assert list(detect.pod_findings(pod([running(False, "2026-12-01T00:00:00Z")]), NOW)) == []
    ready = pod([running(True, "2026-12-01T00:00:00Z")], probe=PROBE)
    assert list(detect.pod_findings(ready, NOW)) == []


@pytest.mark.parametrize("reason, words", [
    ("CrashLoopBackOff", "crashed many times"),
    ("ImagePullBackOff", "cannot pull"),
    ("InvalidImageName", "not a valid image"),
    ("CreateContainerConfigError", "ConfigMap or Secret"),
    ("SomethingNew", "waiting to start"),
])
def test_container_waiting_keeps_the_message_and_explains_the_reason(reason, words):
    found = list(detect.pod_findings(pod([waiting(reason, "back-off 5m0s")], phase="Pending"),
                                     NOW))
    assert types(found) == [("container-waiting", 4)]
    assert found[0].message == "back-off 5m0s"
    assert words in found[0].explanation and found[0].next_step


def test_a_waiting_state_without_message_is_not_flagged():
    status = {"name": "app", "ready": False, "restartCount": 0,
              "state": {"waiting": {"reason": "ContainerCreating"}}}
    assert list(detect.pod_findings(pod([status], created="2026-12-04T08:58:00Z"), NOW)) == []


@pytest.mark.parametrize("last, words", [
    ("OOMKilled", "memory limit"), ("Error", "non-zero exit code"), ("Unknown", "unknown")])
def test_restarts_count_and_the_last_termination_decides_the_advice(last, words):
    found = list(detect.pod_findings(pod([running(restarts=3, last=last)]), NOW))
    assert types(found) == [("containers-restarting", 4)]
    assert found[0].message == "container=app restarted 3 times"
    assert found[0].occurrences == 3
    assert words in found[0].explanation + found[0].next_step


def test_unschedulable_pending_pod_is_flagged_with_the_schedulers_message():
    unschedulable = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                      "message": "0/3 nodes are available: 3 Insufficient memory."}]
    found = list(detect.pod_findings(pod(phase="Pending", conditions=unschedulable), NOW))
    assert types(found) == [("pod-pending", 6)]
    assert "Insufficient memory" in found[0].message and found[0].source == "playbill"


@pytest.mark.parametrize("created, flagged", [
    ("2026-12-04T08:50:00Z", True), ("2026-12-04T08:56:00Z", False)])
def test_a_scheduled_pod_is_stuck_pending_only_after_the_grace_period(created, flagged):
    scheduled = [{"type": "PodScheduled", "status": "True"}]
    found = list(detect.pod_findings(pod(phase="Pending", conditions=scheduled,
                                         created=created), NOW))
    assert (types(found) == [("pod-pending", 4)]) is flagged


def test_deployment_false_conditions_with_messages_are_flagged():
    deployment = {"metadata": {"name": "web", "namespace": "shop"}, "status": {"conditions": [
        {"type": "Available", "status": "True", "message": "fine"},
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
         "message": 'ReplicaSet "web-1" has timed out progressing.'},
        {"type": "ReplicaFailure", "status": "False"},  # no message: not flagged
    ]}}
    found = list(detect.deployment_findings(deployment))
    assert types(found) == [("condition-message-present", 6)]
    assert found[0].message == 'ReplicaSet "web-1" has timed out progressing.'
    assert "rollout is stuck" in found[0].explanation


@pytest.mark.parametrize("current, flagged", [(5, True), (4, False)])
def test_hpa_at_max_replicas(current, flagged):
    hpa = {"metadata": {"name": "web"}, "spec": {"maxReplicas": 5},
           "status": {"currentReplicas": current}}
    found = list(detect.hpa_findings(hpa))
    assert bool(found) is flagged
    if flagged:
        assert found[0].message == ("Current number of replicas (5) is equal to the "
                                    "configured max number of replicas (5)")
        assert found[0].severity == 8


def test_failed_job_but_not_a_running_or_complete_one():
    failed = {"metadata": {"name": "reindex"}, "status": {"conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit"}]}}
    done = {"metadata": {"name": "ok"}, "status": {"conditions": [
        {"type": "Complete", "status": "True"}]}}
    assert types(detect.job_findings(failed)) == [("job-failed", 6)]
    assert "BackoffLimitExceeded" in next(detect.job_findings(failed)).message
    assert list(detect.job_findings(done)) == []
    assert list(detect.job_findings({"metadata": {"name": "new"}, "status": {}})) == []


@pytest.mark.parametrize("spec, status, flagged", [
    ({"replicas": 3}, {"readyReplicas": 2}, True),
    ({"replicas": 3}, {"readyReplicas": 3}, False),
    ({}, {}, True),                    # replicas default to 1, none ready
    ({"replicas": 0}, {}, False),
])
def test_statefulset_not_fully_ready(spec, status, flagged):
    found = list(detect.statefulset_findings({"metadata": {"name": "db"}, "spec": spec,
                                              "status": status}))
    assert (types(found) == [("statefulset-not-ready", 5)]) is flagged


@pytest.mark.parametrize("status, flagged", [
    ({"desiredNumberScheduled": 4, "numberReady": 3}, True),
    ({"desiredNumberScheduled": 4, "numberReady": 4}, False),
])
def test_daemonset_not_ready_on_every_node(status, flagged):
    found = list(detect.daemonset_findings({"metadata": {"name": "agent"}, "status": status}))
    assert (types(found) == [("daemonset-not-ready", 5)]) is flagged
    if flagged:
        assert found[0].message == "DaemonSet agent is ready on 3 of 4 nodes"
