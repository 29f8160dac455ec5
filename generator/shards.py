"""Spread a large organisation over many runners: `build --shard K/N` fetches and checks
the sources of shard K into a folder, and `merge` joins those folders into one site.

Sources go to shards by their place in the sources file (the i-th, counting from 0, to
shard i mod N + 1), so runners agree without talking to each other. A shard folder
holds `shard.json` (which shard, and for each of its Git sources the commit fetched or
the problem met) and `cache/`, the clones as the sources stage keeps them. `merge`
copies the clones into one cache and reads it offline, so the site shows exactly the
commits the shards fetched and equals what one `playbill build` of those commits writes.
Local `path:` sources are read by the merging run, from its own checkout.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from generator.read import read_catalog
from generator.config import SourceConfig, SourcesConfig
from generator.model.catalog import Catalog
from generator.model.problem import Problem, Severity
from generator.partial import judge_unseen
from generator.progress import Progress
from generator.sources import SourcesResult, cache_key, fetch_sources

MANIFEST = "shard.json"
CACHE = "cache"


class ShardError(Exception):
    """Shard folders that cannot be merged; the message says which and why."""


@dataclass(frozen=True)
class Shard:
    """Shard `number` of `count`, both from 1."""

    number: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        found = re.fullmatch(r"(\d+)/(\d+)", text.strip())
        if not found or not 1 <= int(found.group(1)) <= int(found.group(2)):
            raise ShardError(f"--shard {text!r} is not K/N with 1 <= K <= N (e.g. 2/4)")
        return cls(int(found.group(1)), int(found.group(2)))

    def holds(self, position: int) -> bool:
        return position % self.count == self.number - 1


def fetch_shard(config: SourcesConfig, shard: Shard, folder: Path,
                on_progress: Progress = None) -> SourcesResult:
    """Fetch this shard's sources into `folder`/cache and describe them in shard.json."""
    mine = tuple(s for i, s in enumerate(config.sources) if shard.holds(i))
    subset = config.model_copy(update={"sources": mine})
    folder.mkdir(parents=True, exist_ok=True)
    fetched = fetch_sources(subset, cache_dir=folder / CACHE, on_progress=on_progress)
    commits = {tree.name: tree.commit for tree in fetched.trees}
    manifest = {
        "shard": shard.number, "of": shard.count,
        "sources": [{"name": s.display_name, "url": s.clean_url, "ref": s.ref,
                     "cache": _key(s), "commit": commits.get(s.display_name)}
                    for s in mine if s.is_git],
        "problems": [p.to_dict() for p in fetched.problems],
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return fetched


def merge_caches(config: SourcesConfig, folders: Sequence[Path], cache: Path
                 ) -> tuple[SourcesConfig, list[Problem]]:
    """Copy every shard's clones into `cache`; returns the sources to read offline (those
    a shard fetched, and the local folders) and the problems the shards met fetching."""
    manifests = [_manifest(folder) for folder in folders]
    _check_complete(manifests, folders)
    entries = {entry["cache"]: (folder, entry)
               for folder, manifest in zip(folders, manifests) for entry in manifest["sources"]}
    missing = [s.display_name for s in config.sources if s.is_git and _key(s) not in entries]
    if missing:
        raise ShardError(f"no shard fetched {', '.join(missing)}: were the shards built with "
                         f"another sources file?")
    for key, (folder, entry) in entries.items():
        if entry["commit"]:
            target = cache / key
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder / CACHE / key, target, symlinks=True)
    readable = tuple(s for s in config.sources if not s.is_git or entries[_key(s)][1]["commit"])
    problems = [_problem(p) for manifest in manifests for p in manifest["problems"]]
    return config.model_copy(update={"sources": readable}), problems


def check_shard(config: SourcesConfig, shard: Shard, folder: Path, on_progress: Progress = None
                ) -> tuple[int, int, list[Problem]]:
    """`build --shard`: fetch, then read and check what this shard holds. Refs into other
    shards are notes, since only the merge sees them all. Returns the number of sources
    read, of entities, and the problems."""
    fetched = fetch_shard(config, shard, folder, on_progress)
    catalog = read_catalog(fetched.trees, fetched.problems, on_progress=on_progress)
    return len(fetched.trees), len(catalog.entities), judge_unseen(catalog, partial=True)


def read_merged(config: SourcesConfig, folders: Sequence[Path], cache: Path,
                on_progress: Progress = None) -> Catalog:
    """`merge`: gather the shards' clones into `cache` and read the whole catalog from
    them offline, with the problems the shards met fetching. Parsed files are kept in
    `cache`/load, as `build` keeps them, so a merge whose sources did not move is warm."""
    readable, shard_problems = merge_caches(config, folders, cache)
    fetched = fetch_sources(readable, cache_dir=cache, on_progress=on_progress, offline=True)
    return read_catalog(fetched.trees, [*shard_problems, *fetched.problems], cache / "load",
                        on_progress)


def _key(source: SourceConfig) -> str:
    return cache_key(source.clean_url or "", source.ref)


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ShardError(f"{folder} is not a shard folder: it has no {MANIFEST}") from None
    except ValueError as exc:
        raise ShardError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not {"shard", "of", "sources", "problems"} <= data.keys():
        raise ShardError(f"{path} is not a shard manifest")
    return data


def _check_complete(manifests: list[dict], folders: Sequence[Path]) -> None:
    counts = sorted({m["of"] for m in manifests})
    if len(counts) != 1:
        raise ShardError(f"the shard folders come from builds with different N: {counts}")
    numbers = [m["shard"] for m in manifests]
    duplicate = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicate:
        raise ShardError(f"shard {duplicate[0]} is given twice")
    absent = sorted(set(range(1, counts[0] + 1)) - set(numbers))
    if absent:
        raise ShardError(f"shard{'s' if len(absent) > 1 else ''} "
                         f"{', '.join(map(str, absent))} of {counts[0]} missing "
                         f"(given: {', '.join(str(f) for f in folders)})")


def _problem(data: dict[str, Any]) -> Problem:
    return Problem(**{**data, "severity": Severity(data["severity"])})
