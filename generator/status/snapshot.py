"""The status snapshot: what each cluster showed for each entity, and when.

`status.json` in the site is this, serialised (keys sorted, so equal snapshots are equal
bytes). It is also read back on the next build: a cluster that cannot be read then keeps
its last good entry, with that entry's own `taken_at`, so pages say how old it is.

    {"generated_at": "...",
     "clusters": [{"name": "prod", "taken_at": "...", "fresh": true, "errors": [...]}],
     "entities": {"component:default/shop": {"prod": [<namespace summary>, ...]}}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

STATUS_FILE = "status.json"
FORMAT_VERSION = 1


def iso(moment: datetime) -> str:
    """`2026-12-04T09:00:00Z`: UTC, whole seconds, as Kubernetes writes times."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ClusterState:
    """One cluster's part of a snapshot. `fresh` is False when this build could not read
    the cluster: its data, if any, is carried over from the earlier snapshot taken at
    `taken_at` (None when no build ever read it)."""

    name: str
    taken_at: str | None
    fresh: bool = True
    errors: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "taken_at": self.taken_at, "fresh": self.fresh,
                "errors": list(self.errors)}


@dataclass(frozen=True)
class Snapshot:
    """Every cluster's state and, per entity ref and cluster, its namespace summaries."""

    generated_at: str
    clusters: tuple[ClusterState, ...] = ()
    entities: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)

    def cluster(self, name: str) -> ClusterState | None:
        return next((c for c in self.clusters if c.name == name), None)

    def for_entity(self, ref: str) -> dict[str, list[dict[str, Any]]]:
        return self.entities.get(ref, {})

    def to_dict(self) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, "generated_at": self.generated_at,
                "clusters": [c.to_dict() for c in self.clusters],
                "entities": self.entities}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Snapshot":
        clusters = tuple(ClusterState(c["name"], c.get("taken_at"), bool(c.get("fresh", True)),
                                      tuple(c.get("errors") or ()))
                         for c in data.get("clusters") or [])
        return cls(str(data["generated_at"]), clusters, dict(data.get("entities") or {}))


def read_snapshot(path: Path) -> Snapshot | None:
    """A snapshot written by an earlier build, or None when there is none usable (a
    missing, unreadable or foreign file just means there is nothing to fall back on)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != FORMAT_VERSION:
            return None
        return Snapshot.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
