"""The status stage: a snapshot of each entity's workloads in the configured clusters.

    result = take_snapshot(catalog, cfg.kubernetes, previous=read_snapshot(old), now=now)

sits between graph and render. Clusters are read in parallel, one thread each, and a few
entities at a time within a cluster (the work is waiting on sockets); each list call has
a timeout. A cluster that cannot be read at
all (unreachable, timed out, 401, broken kubeconfig) is a Problem and keeps its entry
from `previous`, the last snapshot that read it; a list refused by RBAC (403) is a
Problem too, while the rest of that cluster is shown fresh. `now` is injectable so tests
and reproducible builds get the same bytes.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from generator.model.catalog import Catalog
from generator.model.problem import Problem
from generator.status import problems as status_problems
from generator.status.config import ClusterConfig, KubernetesConfig
from generator.status.fetch import Cluster, FetchError, open_cluster, taken_at
from generator.status.objects import OBJECT_TYPES
from generator.status.selection import Target, targets
from generator.status.snapshot import ClusterState, Snapshot, iso, read_snapshot
from generator.status.summary import summarise

__all__ = ["StatusResult", "take_snapshot", "read_snapshot", "Snapshot"]
MAX_THREADS = 8
#: Lists in flight per cluster: each waits on the network, and an API server takes a few
#: at once without strain.
LISTS_PER_CLUSTER = 4


@dataclass(frozen=True)
class ClusterRead:
    """What reading one cluster gave: its state, entity summaries, and whether it failed
    as a whole (then its summaries are empty and the last good ones are kept)."""

    state: ClusterState
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failed: bool = False


@dataclass(frozen=True)
class StatusResult:
    snapshot: Snapshot
    problems: list[Problem]


def take_snapshot(catalog: Catalog, config: KubernetesConfig | None,
                  previous: Snapshot | None = None, now: datetime | None = None,
                  config_file: str | None = None) -> StatusResult:
    """Read every configured cluster for every annotated entity; never raises."""
    now = now or datetime.now(timezone.utc)
    if config is None:
        return StatusResult(Snapshot(iso(now)), [])
    found, problems = targets(catalog, config)
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(config.clusters))) as pool:
        reads = list(pool.map(lambda c: read_cluster(c, found, config.timeout, now),
                              config.clusters))
    snapshot = _merge(reads, found, previous, now)
    for read, cluster in zip(reads, config.clusters):
        problems += status_problems.cluster_problems(read.state, snapshot, config_file,
                                                     cluster.line)
    return StatusResult(snapshot, problems)


def read_cluster(config: ClusterConfig, found: list[Target], timeout: float,
                 now: datetime) -> ClusterRead:
    """Every object type for every target of this cluster, a few targets at a time; the
    first error that means the whole cluster cannot be read stops the rest."""
    try:
        cluster = open_cluster(config, timeout)
    except FetchError as exc:
        return ClusterRead(ClusterState(config.name, None, False, (exc.to_dict(),)),
                           failed=True)
    when = taken_at(cluster, now)
    stop = threading.Event()
    mine = [target for target in found if config.name in target.clusters]
    with ThreadPoolExecutor(max_workers=LISTS_PER_CLUSTER) as pool:
        results = list(pool.map(lambda t: _read_target(cluster, t, when, stop), mine))
    errors = [error for _, _, found_errors in results for error in found_errors]
    fatal = next((error for error in errors if error.whole_cluster), None)
    if fatal is not None:
        return ClusterRead(ClusterState(config.name, None, False, (fatal.to_dict(),)),
                           failed=True)
    entities = {target.entity: summary for target, summary, _ in results if summary}
    state = ClusterState(config.name, iso(when), True, tuple(e.to_dict() for e in errors))
    return ClusterRead(state, entities)


def _read_target(cluster: Cluster, target: Target, when: datetime, stop: threading.Event
                 ) -> tuple[Target, list[dict[str, Any]] | None, list[FetchError]]:
    """One entity's lists in one cluster, summarised; None when the cluster failed."""
    lists: dict[str, list[dict[str, Any]]] = {}
    errors: list[FetchError] = []
    for kind in OBJECT_TYPES:
        if stop.is_set():
            return target, None, errors
        try:
            lists[kind.name] = cluster.list(kind, target.namespace, target.selector)
        except FetchError as exc:
            errors.append(exc)
            if exc.whole_cluster:
                stop.set()
                return target, None, errors
    return target, summarise(lists, when), errors


def _merge(reads: list[ClusterRead], found: list[Target], previous: Snapshot | None,
           now: datetime) -> Snapshot:
    """The new snapshot: fresh clusters as read, failed ones from `previous` if it had
    them (entities no longer in the catalog are dropped)."""
    wanted = {target.entity: target.clusters for target in found}
    entities: dict[str, dict[str, list[dict[str, Any]]]] = {}
    clusters = []
    for read in reads:
        name, state, data = read.state.name, read.state, read.entities
        old = previous.cluster(name) if previous else None
        if read.failed and old is not None and old.taken_at:
            state = ClusterState(name, old.taken_at, False, read.state.errors)
            data = {ref: by_cluster[name] for ref, by_cluster in previous.entities.items()
                    if name in by_cluster and name in wanted.get(ref, ())}
        clusters.append(state)
        for ref, summary in data.items():
            entities.setdefault(ref, {})[name] = summary
    return Snapshot(iso(now), tuple(clusters), dict(sorted(entities.items())))


def build_time() -> datetime:
    """Now, or `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention), so a
    build can be repeated byte for byte, status.json included."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    return datetime.now(timezone.utc)
