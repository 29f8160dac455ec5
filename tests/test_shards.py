"""`playbill build --shard K/N` and `playbill merge` on generated multi-commit Git
repositories: the merged site is byte for byte the site one build writes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.shards import Shard, ShardError
from gitrepo import commit, file_url, make_repo


def entity(kind: str, name: str, **spec: str) -> str:
    lines = "".join(f"  {k}: {v}\n" for k, v in spec.items())
    return (f"apiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\n"
            f"spec:\n{lines}")


def history(root: Path, name: str, team: str, other_team: str) -> None:
    """A service repository with three commits; its API is consumed from another repo."""
    repo = make_repo(root, {"catalog-info.yaml": entity(
        "Component", name, type="service", lifecycle="experimental", owner=team)})
    commit(repo, {"api.yaml": entity("API", f"{name}-api", type="openapi",
                                     lifecycle="production", owner=team,
                                     definition="'openapi: 3.0.0'"),
                  "catalog-info.yaml": entity("Component", name, type="service",
                                              lifecycle="production", owner=team,
                                              providesApis=f"[{name}-api]")}, "Add API")
    commit(repo, {"consumer.yaml": entity("Component", f"{name}-worker", type="service",
                                          lifecycle="production", owner=other_team,
                                          consumesApis=f"[{name}-api]")}, "Add worker")


@pytest.fixture
def org(tmp_path):
    """Four Git sources (teams, three services that refer across repositories) and one
    local folder, listed in a sources file."""
    repos = tmp_path / "repos"
    make_repo(repos / "teams", {"teams.yaml": "---\n".join(
        entity("Group", team, type="team", children="[]") for team in ("payments", "search"))})
    history(repos / "billing", "billing", "payments", "search")
    history(repos / "finder", "finder", "search", "payments")
    history(repos / "ledger", "ledger", "payments", "payments")
    portal = tmp_path / "portal"
    (portal / "local").mkdir(parents=True)
    (portal / "local" / "catalog-info.yaml").write_text(
        entity("System", "shop", owner="payments"), encoding="utf-8")
    sources = "".join(
        f"  - url: {file_url(repos / name)}\n    name: {name}\n"
        f"    catalog: ['*.yaml']\n" for name in ("teams", "billing", "finder", "ledger"))
    (portal / "catalog_sources.yaml").write_text(
        f"sources:\n{sources}  - path: local\n    name: local\n", encoding="utf-8")
    return portal


def run(cwd: Path, *args: str, quiet: bool = True):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, [*args, "-q"] if quiet else list(args),
                                  catch_exceptions=False)
    finally:
        os.chdir(old)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def sharded(portal: Path, count: int) -> list[Path]:
    folders = []
    for number in range(1, count + 1):
        folder = portal.parent / "artifacts" / f"shard-{number}"
        result = run(portal, "build", "--shard", f"{number}/{count}", "--shard-dir", str(folder))
        assert result.exit_code == 0, result.output
        folders.append(folder)
    return folders


@pytest.mark.parametrize("count", [2, 3, 7])
def test_a_sharded_build_equals_a_single_build(org, count):
    single = run(org, "build", "--site-dir", "single", "--cache-dir", "clones")
    assert single.exit_code == 0, single.output
    shutil.rmtree(org / "clones")  # the merge must get every clone from the shards
    folders = sharded(org, count)
    merged = run(org, "merge", *map(str, folders), "--site-dir", "merged",
                 "--cache-dir", "clones")
    assert merged.exit_code == 0, merged.output
    expected = files(org / "single")
    assert files(org / "merged") == expected
    catalog = json.loads(expected["catalog.json"])
    assert len(catalog["entities"]) == 12  # 2 teams, 3 x (service, API, worker), 1 system
    assert merged.stdout.splitlines()[1] == single.stdout.splitlines()[1]  # same problems


def test_a_second_merge_reads_through_the_load_cache_and_writes_the_same_site(org):
    folders = sharded(org, 2)
    first = run(org, "merge", *map(str, folders), "--site-dir", "first", "--cache-dir", "clones")
    assert first.exit_code == 0, first.output
    second = run(org, "merge", *map(str, folders), "--site-dir", "second", "--cache-dir", "clones",
                 quiet=False)
    assert second.exit_code == 0, second.output
    assert "reused 5 of 5 sources (0 files parsed, 11 reused)" in second.stderr
    assert files(org / "first") == files(org / "second")


def test_each_shard_holds_its_sources_and_notes_refs_to_others(org):
    result = run(org, "build", "--shard", "2/2", "--shard-dir", "s2", "--strict")
    assert result.exit_code == 0, result.output  # refs into shard 1 are notes, not warnings
    assert "Shard 2/2: 2 sources into s2;" in result.stdout and "0 warnings" in result.stdout
    manifest = json.loads((org / "s2" / "shard.json").read_text(encoding="utf-8"))
    assert (manifest["shard"], manifest["of"]) == (2, 2)
    assert [s["name"] for s in manifest["sources"]] == ["billing", "ledger"]
    assert all(len(s["commit"]) == 40 for s in manifest["sources"])
    assert sorted(p.name for p in (org / "s2" / "cache").iterdir()) == \
        sorted(s["cache"] for s in manifest["sources"])


def test_merge_reads_the_commits_the_shards_fetched(org):
    """A push between the shards and the merge does not reach the site."""
    folders = sharded(org, 2)
    billing = org.parent / "repos" / "billing"
    import pygit2
    commit(pygit2.Repository(str(billing)), {"late.yaml": entity(
        "Component", "late", type="service", lifecycle="production", owner="payments")}, "Late")
    merged = run(org, "merge", *map(str, folders), "--site-dir", "merged")
    assert merged.exit_code == 0, merged.output
    names = [e["metadata"]["name"] for e in json.loads(
        (org / "merged" / "catalog.json").read_text(encoding="utf-8"))["entities"]]
    assert "late" not in names and "billing-worker" in names


def test_a_source_no_shard_could_fetch_is_reported_once(org):
    shutil.rmtree(org.parent / "repos" / "finder")
    folders = sharded(org, 2)
    merged = run(org, "merge", *map(str, folders), "--site-dir", "merged", "--cache-dir", "c")
    shutil.rmtree(org / "c")
    single = run(org, "build", "--site-dir", "single", "--cache-dir", "c")
    assert files(org / "merged") == files(org / "single")
    summary = merged.stdout.splitlines()[1]
    assert summary.startswith("1 error, ") and summary in single.stdout.replace("single/", "merged/")
    problems = json.loads((org / "merged" / "catalog.json").read_text())["problems"]
    assert [p["code"] for p in problems].count("source-unavailable") == 1


@pytest.mark.parametrize("given, message", [
    ((1,), "shard 2 of 2 missing"),
    ((1, 1, 2), "shard 1 is given twice"),
])
def test_incomplete_shards_are_refused(org, given, message):
    folders = sharded(org, 2)
    result = run(org, "merge", *(str(folders[n - 1]) for n in given))
    assert result.exit_code == 2 and message in result.stderr


def test_shards_of_another_sources_file_are_refused(org):
    folders = sharded(org, 2)
    text = (org / "catalog_sources.yaml").read_text(encoding="utf-8")
    (org / "catalog_sources.yaml").write_text(text.replace("name: ledger", "name: ledger\n"
                                                           "    ref: main"), encoding="utf-8")
    result = run(org, "merge", *map(str, folders))
    assert result.exit_code == 2 and "no shard fetched ledger" in result.stderr


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b"])
def test_bad_shard_numbers(text):
    with pytest.raises(ShardError, match="is not K/N"):
        Shard.parse(text)
