"""Page-level incremental builds (generator/render/reuse.py): a warm build links the
entity pages whose inputs did not change from the previous site, renders the others, and
the result is byte-identical to a cold build. Real Git repositories in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pygit2
import pytest

from generator import sources
from generator.build import build_site
from generator.read import read_catalog
from generator.render import RenderOptions
from generator.render.reuse import MANIFEST, Manifest, fingerprint, read_manifest, write_manifest
from generator.site_paths import entity_url
from gitrepo import commit, make_repo


def entity(kind: str, name: str, spec: str = "", title: str = "") -> str:
    title_line = f"  title: {title}\n" if title else ""
    return (f"apiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\n"
            f"{title_line}spec:\n{spec}")


OPENAPI = "openapi: 3.0.0\ninfo: {title: Billing, version: '1'}\npaths: {}\n"
FILES = {
    "org.yaml": entity("Group", "org", "  type: organization\n  children: [team-a, team-b]\n"),
    "team-a.yaml": entity("Group", "team-a", "  type: team\n  parent: org\n  children: []\n"),
    "team-b.yaml": entity("Group", "team-b", "  type: team\n  parent: org\n  children: []\n"),
    "alice.yaml": entity("User", "alice", "  memberOf: [team-a]\n"),
    "shop.yaml": entity("System", "shop", "  owner: team-a\n"),
    "orders.yaml": entity("Component", "orders",
                          "  type: service\n  lifecycle: production\n  owner: team-a\n"
                          "  system: shop\n  providesApis: [orders-api]\n"
                          "  dependsOn: [component:billing]\n", title="Orders"),
    "orders-api.yaml": entity("API", "orders-api",
                              "  type: openapi\n  lifecycle: production\n  owner: team-a\n"
                              "  definition: |\n    openapi: 3.0.0\n"
                              "    info: {title: Orders, version: '1'}\n    paths: {}\n"),
    "billing.yaml": entity("Component", "billing",
                           "  type: service\n  lifecycle: production\n  owner: team-b\n"
                           "  providesApis: [billing-api]\n"),
    "billing-api.yaml": entity("API", "billing-api",
                               "  type: openapi\n  lifecycle: production\n  owner: team-b\n"
                               "  definition: |\n"
                               + "".join(f"    {line}\n" for line in OPENAPI.splitlines())),
    "lonely.yaml": entity("Component", "lonely",
                          "  type: library\n  lifecycle: experimental\n  owner: team-b\n"),
}
#: Whose pages show the title of component:orders: itself, what it relates to, the system
#: drawing it, and the groups owning it directly (team-a) or through a sub-group (org).
SHOWS_ORDERS = {"component:default/orders", "group:default/team-a", "group:default/org",
                "system:default/shop", "api:default/orders-api", "component:default/billing"}


def catalog_of(repo: pygit2.Repository):
    return read_catalog(sources.trees_for_paths([Path(repo.workdir)]).trees)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def inodes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_ino
            for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "catalog", FILES)


def test_a_warm_build_renders_only_the_pages_whose_inputs_changed(repo, tmp_path):
    site = tmp_path / "site"
    cold = build_site(catalog_of(repo), site, RenderOptions(strict=True))
    assert cold.render.reused == 0
    before = inodes(site)
    commit(repo, {"orders.yaml": FILES["orders.yaml"].replace("title: Orders",
                                                              "title: Order service")})
    changed = catalog_of(repo)

    warm = build_site(changed, site, RenderOptions(strict=True))

    pages = {str(e.ref): entity_url(str(e.ref)) for e in changed.entities.values()}
    after = inodes(site)
    linked = {ref for ref, url in pages.items() if after[url] == before[url]}
    assert set(pages) - linked == SHOWS_ORDERS
    assert warm.render.reused == len(pages) - len(SHOWS_ORDERS) == 4
    assert "Order service" in (site / pages["component:default/orders"]).read_text()
    # an unchanged API's page and its definition download both come from the old site
    download = "entity/default/api/billing-api.definition.yaml"
    assert after[download] == before[download]
    assert (site / download).read_text() == OPENAPI
    # site-wide pages are always rendered: the home page names the new commit
    assert after["index.html"] != before["index.html"]
    build_site(changed, tmp_path / "cold", RenderOptions(strict=True))
    assert tree_bytes(site) == tree_bytes(tmp_path / "cold")


def test_a_rebuild_without_changes_reuses_every_entity_page(repo, tmp_path):
    catalog = catalog_of(repo)
    build_site(catalog, tmp_path / "site")
    first = tree_bytes(tmp_path / "site")
    again = build_site(catalog, tmp_path / "site", RenderOptions(workers=2))
    assert again.render.reused == len(catalog.entities)
    assert tree_bytes(tmp_path / "site") == first


def test_changed_templates_or_options_render_every_page_again(repo, tmp_path):
    catalog = catalog_of(repo)
    site = tmp_path / "site"
    build_site(catalog, site)
    ours = tmp_path / "templates"
    ours.mkdir()
    (ours / "notes.txt").write_text("any file of the templates folder counts")
    assert build_site(catalog, site, RenderOptions(templates=ours)).render.reused == 0
    assert build_site(catalog, site, RenderOptions(templates=ours)).render.reused == 10
    assert build_site(catalog, site, RenderOptions(templates=ours,
                                                   graph_depth=2)).render.reused == 0


def test_a_page_asking_has_page_is_rendered_again_when_the_answer_changes(repo, tmp_path):
    # whether another entity exists is not in a page's context: a user's template that
    # asks `has_page` is reused only while its answers stay the same
    ours = tmp_path / "templates"
    ours.mkdir()
    (ours / "entity.html").write_text(
        '{{ ref }}{% if ref.endswith("/lonely") %}: newcomer '
        '{{ "here" if has_page("component:default/newcomer") else "missing" }}{% endif %}\n')
    options = RenderOptions(templates=ours)
    site = tmp_path / "site"
    build_site(catalog_of(repo), site, options)
    lonely = site / entity_url("component:default/lonely")
    assert lonely.read_text() == "component:default/lonely: newcomer missing"
    manifest = json.loads((site / MANIFEST).read_text())
    assert manifest["asked"] == {entity_url("component:default/lonely"):
                                 ["component:default/newcomer"]}
    before = inodes(site)
    commit(repo, {"newcomer.yaml": entity("Component", "newcomer",
                                          "  type: library\n  lifecycle: experimental\n"
                                          "  owner: team-b\n")})

    build_site(catalog_of(repo), site, options)

    assert lonely.read_text() == "component:default/lonely: newcomer here"
    after = inodes(site)
    lonely_url, orders_url = (entity_url(f"component:default/{n}") for n in ("lonely", "orders"))
    assert after[lonely_url] != before[lonely_url]  # rendered again
    assert after[orders_url] == before[orders_url]  # asked nothing: still reused
    build_site(catalog_of(repo), tmp_path / "cold", options)
    assert tree_bytes(site) == tree_bytes(tmp_path / "cold")


@pytest.mark.parametrize("manifest", [None, "not json", '{"pages": ["a list"]}'])
def test_a_missing_or_broken_manifest_means_a_cold_build(repo, tmp_path, manifest):
    catalog = catalog_of(repo)
    site = tmp_path / "site"
    build_site(catalog, site)
    expected = tree_bytes(site)
    if manifest is None:
        (site / MANIFEST).unlink()
    else:
        (site / MANIFEST).write_text(manifest)
    assert build_site(catalog, site).render.reused == 0
    assert tree_bytes(site) == expected


def test_a_page_edited_in_the_old_site_is_not_trusted_when_its_inputs_changed(repo, tmp_path):
    site = tmp_path / "site"
    build_site(catalog_of(repo), site)
    url = entity_url("component:default/lonely")
    (site / url).write_text("stale")
    commit(repo, {"lonely.yaml": FILES["lonely.yaml"].replace("experimental", "production")})
    build_site(catalog_of(repo), site)
    assert "production" in (site / url).read_text()


def test_the_manifest_holds_one_fingerprint_per_entity_page(repo, tmp_path):
    catalog = catalog_of(repo)
    build_site(catalog, tmp_path / "site")
    pages = json.loads((tmp_path / "site" / MANIFEST).read_text())["pages"]
    assert sorted(pages) == sorted(entity_url(ref) for ref in catalog.entities)
    assert all(len(value) == 64 for value in pages.values())


def test_entity_pages_count_the_sources_and_the_home_page_lists_their_commits(repo, tmp_path):
    head = str(repo.head.target)
    build_site(catalog_of(repo), tmp_path / "site")
    page = (tmp_path / "site" / entity_url("component:default/lonely")).read_text()
    footer = page[page.index("<footer"):]
    assert 'from <a href="../../../index.html#sources">1 source</a>' in footer
    assert head[:12] not in page
    home = (tmp_path / "site" / "index.html").read_text()
    sources_section = home[home.index('<section id="sources"'):]
    assert f'<code title="{head}">{head[:12]}</code>' in sources_section


def test_playbill_build_says_what_it_reused_across_processes_and_hash_seeds(tmp_path):
    """Fingerprints must not depend on a process's string hash seed, or no CI run would
    ever reuse a page of the one before."""
    example = Path(__file__).resolve().parent.parent / "example"
    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "generator", "build", str(example), "--site-dir", "site"],
            cwd=tmp_path, check=True, capture_output=True, text=True,
            env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append(done.stdout)
    assert "reused" not in outputs[0]
    assert "39 unchanged pages reused from the previous site" in outputs[1]


@dataclass(frozen=True)
class One:
    a: int


@dataclass(frozen=True)
class Two:
    a: int
    b: str


@dataclass(frozen=True)
class Empty:
    pass


def test_fingerprints_tell_apart_every_field_of_every_dataclass():
    def key(value):
        return fingerprint("code", {"value": value})

    assert key(One(1)) == key(One(1))
    assert key(One(1)) != key(One(2))
    assert key(Two(1, "x")) != key(Two(1, "y")) != key(Two(2, "y"))
    assert key(Empty()) not in (None, key(One(1)), key([]))
    assert key(One(1)) != key(Two(1, "x"))
    assert key([One(1), Two(2, "b")]) != key([Two(2, "b"), One(1)])
    assert key(object()) is None  # no stable form: the page is always rendered


def test_the_manifest_reads_back_as_written_one_line_a_page(tmp_path):
    written = Manifest(
        {"entity/default/component/b.html": "k2", "entity/default/component/café.html": "k1"},
        {"entity/default/component/b.html": ["component:default/ä", "group:default/x"]},
        {"entity/default/component/b.html": ["~everything", "component:default/ä"],
         "entity/default/component/café.html": ["component:default/ä"]})
    write_manifest(tmp_path, written)
    text = (tmp_path / MANIFEST).read_text(encoding="utf-8")
    assert read_manifest(tmp_path) == written
    assert json.loads(text)["reads"] == {"entity/default/component/b.html": "1 0",
                                         "entity/default/component/café.html": "0"}
    assert '\n"entity/default/component/café.html": "k1"\n' in text
    write_manifest(tmp_path, Manifest())
    assert read_manifest(tmp_path) == Manifest()
