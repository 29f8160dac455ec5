"""The load cache (generator/load/cache.py): a warm read gives exactly the cold read's
catalog and problems, re-reads only what changed, and still follows what crosses sources
(Locations into other trees, placeholders, duplicates across files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.read import read_catalog
from generator.cli import main
from generator.config import SourcesConfig
from generator.cores import usable_cores
from generator.load import files
from generator.load.cache import CACHE_FILE
from generator.sources import fetch_sources
from gitrepo import commit, file_url, make_repo, write_files

CATALOG = ("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"
           "  description: {description}\nspec: {{type: service, lifecycle: production, "
           "owner: guests}}\n")
LOCATION = ("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: {name}\n"
            "spec:\n  targets: [{targets}]\n")
GROUP = ("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: guests\n"
         "spec: {type: team, children: []}\n")


def sources_of(tmp_path: Path) -> SourcesConfig:
    """Two Git sources (cloned: pristine trees), a local work tree and a plain folder.

    shop reads components through a Location, one of them broken YAML and one defining
    infra's component again; the local work tree takes a description from its README
    with `$text`; the plain folder's Location reads a file of the `shared` folder."""
    shop = make_repo(tmp_path / "remotes/shop", {
        "catalog-info.yaml": LOCATION.format(name="shop", targets="./components/*.yaml"),
        "components/cart.yaml": CATALOG.format(name="cart", description="Cart v1"),
        "components/broken.yaml": "apiVersion: backstage.io/v1alpha1\nkind: [Component\n",
        "components/db.yaml": CATALOG.format(name="db", description="A second db"),
    })
    infra = make_repo(tmp_path / "remotes/infra", {
        "catalog-info.yaml": CATALOG.format(name="db", description="The db") + "---\n" + GROUP,
    })
    make_repo(tmp_path / "local", {
        "catalog-info.yaml": CATALOG.format(name="docs", description="{$text: ./README.md}"),
        "README.md": "Docs v1",
    })
    write_files(tmp_path, {
        "plain/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Location\n"
                                   "metadata: {name: plain}\nspec: {type: file, target: "
                                   "../shared/extra.yaml}\n",
        "shared/catalog-info.yaml": CATALOG.format(name="shared", description="Shared"),
        "shared/extra.yaml": CATALOG.format(name="extra", description="Extra v1"),
    })
    (tmp_path / "plain/binary.yaml").write_bytes(b"kind: \x00\x01")
    return SourcesConfig.from_data({"cache_dir": "cache", "sources": [
        {"url": file_url(shop), "name": "shop"}, {"url": file_url(infra), "name": "infra"},
        {"path": "local"}, {"path": "plain", "catalog": "*.yaml"}, {"path": "shared"},
    ]}, base_dir=tmp_path, file=tmp_path / "catalog_sources.yaml")


def read(tmp_path: Path, config: SourcesConfig, cached: bool = True):
    fetched = fetch_sources(config)
    assert fetched.problems == []
    events: list = []
    catalog = read_catalog(fetched.trees, fetched.problems,
                           tmp_path / "cache/load" if cached else None, events.append)
    return catalog, events


def summary(events: list, stage: str = "load") -> str:
    return next(e.summary for e in events if getattr(e, "summary", None) and e.stage == stage)


def same(warm, cold) -> bool:
    return (warm.entities == cold.entities and warm.problems == cold.problems
            and sorted(warm.graph.edges(keys=True)) == sorted(cold.graph.edges(keys=True)))


def description(catalog, ref: str) -> str:
    return catalog.entity(ref).data["metadata"]["description"]


def test_a_warm_read_gives_the_cold_catalog_and_problems(tmp_path):
    config = sources_of(tmp_path)
    cold, _ = read(tmp_path, config, cached=False)
    codes = {p.code for p in cold.problems}
    assert {"yaml-syntax", "duplicate-ref", "file-unreadable"} <= codes
    assert description(cold, "component:docs") == "Docs v1"
    assert description(cold, "component:extra") == "Extra v1"

    first, events = read(tmp_path, config)
    assert same(first, cold)
    assert "reused 0 of 5 sources (9 files parsed, 0 reused)" in summary(events)
    warm, events = read(tmp_path, config)
    assert same(warm, cold)
    assert "reused 5 of 5 sources (0 files parsed, 9 reused)" in summary(events)


def test_a_new_commit_is_read_while_the_other_sources_are_reused(tmp_path):
    config = sources_of(tmp_path)
    read(tmp_path, config)
    shop = make_repo(tmp_path / "remotes/shop")
    commit(shop, {"components/cart.yaml": CATALOG.format(name="cart", description="Cart v2")})

    warm, events = read(tmp_path, config)
    assert description(warm, "component:cart") == "Cart v2"
    assert "reused 4 of 5 sources (1 file parsed, 8 reused)" in summary(events)
    cold, _ = read(tmp_path, config, cached=False)
    assert same(warm, cold)


def test_files_read_across_reused_sources_are_read_again(tmp_path):
    """The README behind a `$text` and the file a Location in another source reads are
    not cached results: changing them changes the catalog, even though the catalog files
    that name them are reused."""
    config = sources_of(tmp_path)
    read(tmp_path, config)
    (tmp_path / "local/README.md").write_text("Docs v2 (not committed)")
    (tmp_path / "shared/extra.yaml").write_text(CATALOG.format(name="extra",
                                                               description="Extra v2"))

    warm, events = read(tmp_path, config)
    assert description(warm, "component:docs") == "Docs v2 (not committed)"
    assert description(warm, "component:extra") == "Extra v2"
    assert "reused 4 of 5 sources (1 file parsed, 8 reused)" in summary(events)
    cold, _ = read(tmp_path, config, cached=False)
    assert same(warm, cold)


def test_an_uncommitted_edit_in_a_local_work_tree_is_read(tmp_path):
    """Local work trees are found by content, never by their commit."""
    config = sources_of(tmp_path)
    read(tmp_path, config)
    (tmp_path / "local/catalog-info.yaml").write_text(CATALOG.format(name="docs",
                                                                     description="Edited"))
    warm, _ = read(tmp_path, config)
    assert description(warm, "component:docs") == "Edited"


def test_a_clone_at_an_unchanged_commit_is_not_read_again(tmp_path):
    """A clone the sources stage checked out is trusted to be its commit: its files are
    taken from the cache by commit, without reading them (the next fetch restores it)."""
    config = sources_of(tmp_path)
    read(tmp_path, config)
    fetched = fetch_sources(config)
    shop = next(tree for tree in fetched.trees if tree.name == "shop")
    (shop.root / "components/cart.yaml").write_text("not: [read")

    events: list = []
    catalog = read_catalog(fetched.trees, (), tmp_path / "cache/load", events.append)
    assert description(catalog, "component:cart") == "Cart v1"
    assert "reused 5 of 5 sources" in summary(events)


def test_an_unreadable_cache_is_an_empty_one(tmp_path):
    config = sources_of(tmp_path)
    cold, _ = read(tmp_path, config, cached=False)
    (tmp_path / "cache/load").mkdir(parents=True)
    (tmp_path / "cache/load" / CACHE_FILE).write_bytes(b"not marshal data")

    first, events = read(tmp_path, config)
    assert same(first, cold)
    assert "reused 0 of 5 sources" in summary(events)
    _, events = read(tmp_path, config)
    assert "reused 5 of 5 sources" in summary(events)


def test_a_warm_build_writes_the_cold_builds_site_byte_for_byte(tmp_path):
    """`playbill build` twice from the same sources: the second reads through the cache
    (and says so) and writes the very same bytes."""
    config = sources_of(tmp_path)
    config.file.write_text("cache_dir: cache\nsources:\n" + "".join(
        f"  - {{url: {file_url(tmp_path / 'remotes' / name)}, name: {name}}}\n"
        for name in ("shop", "infra")) + "  - {path: local}\n  - {path: plain, catalog: "
        "'*.yaml'}\n  - {path: shared}\n")
    outputs = [run_cli(tmp_path, "build", "--site-dir", folder, "--no-docs")
               for folder in ("cold", "warm")]
    assert "reused 0 of 5 sources" in outputs[0]
    assert "reused 5 of 5 sources (0 files parsed, 9 reused)" in outputs[1]

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes()
                for p in sorted(root.rglob("*")) if p.is_file()}

    cold, warm = files(tmp_path / "cold"), files(tmp_path / "warm")
    assert len(cold) > 10 and sorted(cold) == sorted(warm)
    assert [name for name in cold if cold[name] != warm[name]] == []


def run_cli(cwd: Path, *args: str) -> str:
    """Run `playbill` in-process from `cwd`; its stderr (progress lines: not a tty)."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    return result.stderr


def test_validate_reads_without_leaving_a_cache_behind(tmp_path):
    """Only build and serve keep a load cache: a check run in someone's repository must
    not leave files there."""
    example = Path(__file__).resolve().parent.parent / "example"
    output = run_cli(tmp_path, "validate", str(example))
    assert "load: 39 documents from 1 source\n" in output
    assert not (tmp_path / ".playbill").exists()


def _parsing_processes(tmp_path: Path, monkeypatch) -> Path:
    """Note the process of every parse in a file (forked workers inherit the patch)."""
    log = tmp_path / "parsed-by.txt"
    parse = files.parse_documents

    def noting(text):
        with log.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return parse(text)

    monkeypatch.setattr(files, "parse_documents", noting)
    return log


@pytest.mark.skipif(usable_cores() < 2, reason="parsing ahead needs two cores")
def test_files_parsed_ahead_in_other_processes_give_the_same_catalog(tmp_path, monkeypatch):
    config = sources_of(tmp_path)
    monkeypatch.setattr(files, "AHEAD_MIN_FILES", 10 ** 6)  # never ahead
    one_by_one, events = read(tmp_path / "one", config)
    told = summary(events)
    monkeypatch.setattr(files, "AHEAD_MIN_FILES", 1)
    log = _parsing_processes(tmp_path, monkeypatch)
    ahead, events = read(tmp_path / "ahead", config)
    assert same(ahead, one_by_one)
    assert summary(events) == told == ("9 documents from 5 sources; reused 0 of 5 sources "
                                       "(9 files parsed, 0 reused)")
    parsers = log.read_text().split()
    assert len(parsers) >= 9 and str(os.getpid()) not in parsers
    warm, events = read(tmp_path / "ahead", config)
    assert same(warm, one_by_one)
    assert "reused 5 of 5 sources (0 files parsed, 9 reused)" in summary(events)


def test_too_few_files_are_parsed_in_this_process(tmp_path, monkeypatch):
    config = sources_of(tmp_path)
    log = _parsing_processes(tmp_path, monkeypatch)
    read(tmp_path, config)
    assert set(log.read_text().split()) == {str(os.getpid())}
