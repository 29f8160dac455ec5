"""Shard-level incremental search (generator/search/reuse.py): a warm build links the
search shards whose documents did not change from the previous site, builds the others,
and the index is byte-identical to a cold build's. Real Git repositories in tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator import search, sources
from generator.build import build_site
from generator.read import read_catalog
from generator.render.output import MARKER, MARKER_TEXT
from generator.search.reuse import RECORD
from gitrepo import commit, make_repo

SHARD_SIZE = 4  # 10 entities: three shards, dealt round-robin


def component(name: str, description: str = "A service") -> str:
    return (f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"
            f"  description: {description}\nspec:\n  type: service\n"
            f"  lifecycle: production\n  owner: team-a\n")


FILES = {f"c{number}.yaml": component(f"c{number}") for number in range(10)}


def catalog_of(repo):
    return read_catalog(sources.trees_for_paths([Path(repo.workdir)]).trees)


def index(catalog, site: Path, previous: Path | None = None) -> search.SearchIndexResult:
    """The search stage alone, into a folder marked as a Playbill site (as build_site's)."""
    site.mkdir(parents=True, exist_ok=True)
    (site / MARKER).write_text(MARKER_TEXT)
    return search.write_index(catalog, site, workers=1, shard_size=SHARD_SIZE,
                              previous=previous)


def search_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted([*(site / "search").iterdir(), site / RECORD])}


def inodes(site: Path, shard: dict) -> list[int]:
    return [(site / file).stat().st_ino for file in shard["buckets"] + shard["docs"]]


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "catalog", FILES)


def test_a_warm_index_builds_only_the_shard_holding_the_changed_entity(repo, tmp_path):
    old = tmp_path / "old"
    cold = index(catalog_of(repo), old)
    assert (cold.shards, cold.reused) == (3, 0)
    commit(repo, {"c4.yaml": component("c4", "Sends invoices")})
    changed = catalog_of(repo)

    warm = index(changed, tmp_path / "new", previous=old)

    assert warm.reused == 2
    before = search.read_manifest(old)["shards"]
    after = search.read_manifest(tmp_path / "new")["shards"]
    same = [n for n in range(3) if inodes(old, before[n]) == inodes(tmp_path / "new", after[n])]
    changed_shard = [n for n in range(3) if n not in same]
    assert len(same) == 2 and len(changed_shard) == 1
    assert after[changed_shard[0]]["buckets"] != before[changed_shard[0]]["buckets"]
    assert search.find(search.read_index(tmp_path / "new"), "invoices") == [
        "component:default/c4"]
    fresh = index(changed, tmp_path / "cold")
    assert search_bytes(tmp_path / "new") == search_bytes(tmp_path / "cold")
    assert (warm.bytes, warm.gzipped_bytes) == (fresh.bytes, fresh.gzipped_bytes)


def test_the_search_stage_code_is_part_of_every_shard_digest(repo, tmp_path, monkeypatch):
    catalog = catalog_of(repo)
    index(catalog, tmp_path / "old")
    assert index(catalog, tmp_path / "same", previous=tmp_path / "old").reused == 3
    edited = tmp_path / "search"
    shutil.copytree(Path(search.__file__).parent, edited, ignore=shutil.ignore_patterns("*.pyc"))
    terms = edited / "terms.py"
    terms.write_text(terms.read_text() + "\n# an indexing rule changed\n")
    monkeypatch.setattr("generator.search.reuse._CODE", edited)
    assert index(catalog, tmp_path / "new", previous=tmp_path / "old").reused == 0


@pytest.mark.parametrize("record", [
    None, "not json", '{"shards": ["a list"]}',
    '{"shards": {"%s": {"files": ["../../outside.js"], "bytes": 1, "gzipped": 1, "entry": {}}}}',
])
def test_a_missing_broken_or_foreign_record_means_every_shard_is_built(repo, tmp_path, record):
    catalog = catalog_of(repo)
    old = tmp_path / "old"
    index(catalog, old)
    expected = search_bytes(old)
    if record is None:
        (old / RECORD).unlink()
    else:
        digests = list(json.loads((old / RECORD).read_text())["shards"])
        (old / RECORD).write_text(record.replace("%s", digests[0]))
    assert index(catalog, tmp_path / "new", previous=old).reused == 0
    assert search_bytes(tmp_path / "new") == expected


def test_a_folder_playbill_did_not_write_is_never_reused_from(repo, tmp_path):
    catalog = catalog_of(repo)
    old = tmp_path / "old"
    index(catalog, old)
    (old / MARKER).unlink()
    assert index(catalog, tmp_path / "new", previous=old).reused == 0


def test_a_shard_deleted_from_the_old_site_is_built_again(repo, tmp_path):
    catalog = catalog_of(repo)
    old = tmp_path / "old"
    index(catalog, old)
    expected = search_bytes(old)
    (old / search.read_manifest(old)["shards"][1]["docs"][0]).unlink()
    assert index(catalog, tmp_path / "new", previous=old).reused == 2
    assert search_bytes(tmp_path / "new") == expected


def test_build_site_reuses_the_previous_sites_shards(repo, tmp_path):
    site = tmp_path / "site"
    assert build_site(catalog_of(repo), site).search.reused == 0
    assert build_site(catalog_of(repo), site).search.reused == 1
    commit(repo, {"c0.yaml": component("c0", "Changed")})
    assert build_site(catalog_of(repo), site).search.reused == 0
