"""Warm builds that decide from what each page read (generator/render/reads.py): a page is
linked from the previous site without building its context when every ref its context
read still has the same digest. The proof that nothing is forgotten: after each change of
a chain of edits, the warm site is byte-identical to a cold build of the same catalog."""

from __future__ import annotations

import json

import pytest

from generator.build import build_site
from generator.render import RenderOptions
from generator.render.reads import EVERYTHING, Digests, ReadLog, Recorded
from generator.render.reuse import MANIFEST
from generator.site_paths import entity_url
from gitrepo import commit, make_repo
from test_render_reuse import FILES, catalog_of, entity, inodes, tree_bytes

SOURCE_TEMPLATE = "backstage.io/source-template"
TEMPLATE = ("apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\n"
            "metadata: {name: service, title: New service}\n"
            "spec:\n  owner: team-a\n  type: service\n  steps:\n"
            "    - {id: log, name: Log, action: debug:log, input: {message: hello}}\n")

#: Each edit is committed on top of the ones before; names say what could go stale.
EDITS = [
    ("a group's title, shown wherever its entities are", {
        "team-a.yaml": FILES["team-a.yaml"].replace("  name: team-a\n",
                                                    "  name: team-a\n  title: Team A\n")}),
    ("a component moves to another team", {
        "lonely.yaml": FILES["lonely.yaml"].replace("owner: team-b", "owner: team-a")}),
    ("a sub-sub-group owning something: the organisation owns it through two levels", {
        "team-a.yaml": FILES["team-a.yaml"].replace("  name: team-a\n",
                                                    "  name: team-a\n  title: Team A\n")
        .replace("children: []", "children: [squad]"),
        "squad.yaml": entity("Group", "squad", "  type: squad\n  parent: team-a\n"
                                               "  children: []\n"),
        "cart.yaml": entity("Component", "cart", "  type: service\n  lifecycle: beta\n"
                                                 "  owner: squad\n", title="Cart")}),
    ("the owned thing's title, two levels below the organisation", {
        "cart.yaml": entity("Component", "cart", "  type: service\n  lifecycle: beta\n"
                                                 "  owner: squad\n", title="Shopping cart")}),
    ("an API's definition", {
        "billing-api.yaml": FILES["billing-api.yaml"].replace("title: Billing", "title: Bills")}),
    ("a problem on an entity (an unknown relation target)", {
        "billing.yaml": FILES["billing.yaml"].replace("providesApis: [billing-api]",
                                                      "providesApis: [billing-api, nowhere]")}),
    ("labels written in another order", {
        "orders-api.yaml": FILES["orders-api.yaml"].replace(
            "  name: orders-api\n", "  name: orders-api\n  labels: {b: '2', a: '1'}\n")}),
    ("the same labels, order swapped", {
        "orders-api.yaml": FILES["orders-api.yaml"].replace(
            "  name: orders-api\n", "  name: orders-api\n  labels: {a: '1', b: '2'}\n")}),
    ("a template, and a service made from it", {
        "template.yaml": TEMPLATE,
        "made.yaml": entity("Component", "made", "  type: service\n  lifecycle: beta\n"
                                                 "  owner: team-b\n").replace(
            "  name: made\n", f"  name: made\n  annotations:\n    {SOURCE_TEMPLATE}: "
                              "template:default/service\n")}),
    ("a user joins another team", {
        "alice.yaml": entity("User", "alice", "  memberOf: [team-b]\n")}),
]
REMOVALS = [("an entity others point at is deleted", ("billing.yaml",))]


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "catalog", FILES)


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_every_warm_build_of_a_chain_of_edits_equals_a_cold_build(repo, tmp_path, depth):
    """Depth 0 draws no neighbours, so what a page shows of them is read by its lists
    alone; depth 2 reaches across teams."""
    options = RenderOptions(strict=True, graph_depth=depth)
    site = tmp_path / "site"
    build_site(catalog_of(repo), site, options)
    steps = [(what, files, ()) for what, files in EDITS]
    steps += [(what, {}, removed) for what, removed in REMOVALS]
    reused = []
    for number, (what, files, removed) in enumerate(steps):
        commit(repo, files, what, remove=removed)
        catalog = catalog_of(repo)
        before = inodes(site)

        warm = build_site(catalog, site, options)
        cold = build_site(catalog, tmp_path / f"cold-{number}", options)

        assert tree_bytes(site) == tree_bytes(tmp_path / f"cold-{number}"), what
        assert cold.render.reused == 0
        after = inodes(site)
        rendered = {ref for ref in catalog.entities
                    if before.get(entity_url(ref)) != after[entity_url(ref)]}
        assert warm.render.reused == len(catalog.entities) - len(rendered), what
        assert rendered, what
        reused.append(warm.render.reused)
    # in a catalog this small many edits reach every page through a team; not all do
    assert sum(1 for count in reused if count) >= len(steps) // 3, reused


def test_a_team_page_is_rendered_again_only_when_something_it_shows_changes(repo, tmp_path):
    site = tmp_path / "site"
    build_site(catalog_of(repo), site)
    before = inodes(site)
    # billing is team-b's; orders' title is nowhere on team-b's page or its diagram
    commit(repo, {"orders.yaml": FILES["orders.yaml"].replace("title: Orders", "title: O")})
    build_site(catalog_of(repo), site)
    after = inodes(site)
    assert after[entity_url("group:default/team-b")] == before[entity_url("group:default/team-b")]
    assert after[entity_url("group:default/team-a")] != before[entity_url("group:default/team-a")]


def test_the_manifest_lists_what_each_page_read(repo, tmp_path):
    catalog = catalog_of(repo)
    build_site(catalog, tmp_path / "site")
    manifest = json.loads((tmp_path / "site" / MANIFEST).read_text())
    refs = manifest["refs"]
    reads = {url: {refs[int(n)] for n in numbers.split()}
             for url, numbers in manifest["reads"].items()}
    lonely = reads[entity_url("component:default/lonely")]
    assert {"component:default/lonely", "group:default/team-b"} <= lonely
    assert "component:default/orders" not in lonely and EVERYTHING not in lonely
    # the organisation's page reads what its teams own, through the sub-groups
    assert "component:default/orders" in reads[entity_url("group:default/org")]


def test_reading_the_catalog_other_than_by_ref_reads_everything(repo):
    catalog = catalog_of(repo)
    log = ReadLog()
    recorded = Recorded(catalog, log)
    assert recorded.entities.get("component:default/lonely") is not None
    assert "group:default/team-b" in recorded.graph
    assert recorded.graph._succ["component:default/lonely"]
    assert log.refs == {"component:default/lonely", "group:default/team-b"}
    list(recorded.entities)
    assert EVERYTHING in log.refs
    other = ReadLog()
    Recorded(catalog, other).counts_by_kind()  # any method but those by ref reads it all
    assert other.refs == {EVERYTHING}


def test_owner_and_system_lookups_read_only_the_ref_asked_about(repo):
    """Pages and exports ask for owners and systems through the catalog's methods: on a
    recorded catalog they read its recorded graph, so a page that shows an owner is not
    keyed on the whole catalog."""
    catalog = catalog_of(repo)
    for method in ("owner_of", "system_of"):
        log = ReadLog()
        found = getattr(Recorded(catalog, log), method)("component:default/lonely")
        assert found == getattr(catalog, method)("component:default/lonely")
        assert log.refs == {"component:default/lonely"}
    assert catalog.owner_of("component:default/lonely") == "group:default/team-b"


def test_a_ref_digest_covers_the_entity_its_relations_and_its_problems(repo):
    first = Digests(catalog_of(repo))
    commit(repo, {"lonely.yaml": FILES["lonely.yaml"].replace("owner: team-b",
                                                              "owner: nobody")})
    second = Digests(catalog_of(repo))
    for ref in ("component:default/lonely",  # its spec and its problem (unknown owner)
                "group:default/team-b",      # no longer owns it
                "group:default/nobody"):     # a dangling target, now pointed at
        assert first.of(ref) != second.of(ref), ref
    assert first.of("component:default/orders") == second.of("component:default/orders")
    assert first.of(EVERYTHING) != second.of(EVERYTHING)


def test_a_template_page_follows_its_folder_s_history_read_from_git(tmp_path):
    """A template page shows the last commit that changed its folder, which Git says, not
    the catalog: a commit adding a skeleton file must render it again. (A template whose
    form cannot be read reads nothing else that changes with a commit.)"""
    broken = TEMPLATE.replace("  steps:\n", "  parameters:\n    - properties:\n"
                                            "        name: {type: 12}\n  steps:\n")
    repo = make_repo(tmp_path / "catalog", {**FILES, "templates/service/template.yaml": broken})
    site = tmp_path / "site"
    build_site(catalog_of(repo), site)
    page = site / entity_url("template:default/service")
    version = 'Current template version: <code title="{}">'
    assert version.format(repo.head.target) in page.read_text()
    assert "not a valid JSON schema" in page.read_text()

    newer = commit(repo, {"templates/service/skeleton/README.md": "# ${{ values.name }}\n"})
    build_site(catalog_of(repo), site)

    assert version.format(newer) in page.read_text()
    build_site(catalog_of(repo), tmp_path / "cold")
    assert tree_bytes(site) == tree_bytes(tmp_path / "cold")
