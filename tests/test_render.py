"""The render stage (generator/render/): the example catalog as a real site in tmp_path."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import jinja2
import pytest

from generator import sources
from generator.read import read_catalog
from generator.model.scm import RepoWeb
from generator.model.source import SourceTree
from generator.render import RenderOptions, pages, processes, render_site, site_values
from generator.render.context import LIST_LIMIT
from generator.render.exports import TABLE_COLUMNS
from generator.render.recent import recently_changed
from generator import site_paths
from generator.site_paths import entity_url
from gitrepo import commit, make_repo

EXAMPLE = Path(__file__).resolve().parent.parent / "example"
HREF = re.compile(r'(?:href|src)="([^"#?]*)[^"]*"')


def example_catalog(web: RepoWeb | None = None):
    if web is None:
        return read_catalog(sources.trees_for_paths([EXAMPLE]).trees)
    tree = SourceTree(name="example", root=EXAMPLE, globs=("catalog-info.yaml",), web=web,
                      display_prefix="shop/")
    return read_catalog([tree])


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def page(site: Path, ref: str) -> str:
    return (site / entity_url(ref)).read_text(encoding="utf-8")


def catalog_from_files(tmp_path: Path, files: dict[str, str]):
    root = tmp_path / "catalog"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return read_catalog(sources.trees_for_paths([root]).trees)


def render_one(catalog, ref: str, out: Path) -> str:
    """Only the page of `ref`, for tests about one page."""
    job = pages.PageJob(catalog, out, None, True, 1, site_values(catalog, RenderOptions()),
                        frozenset(catalog.entities))
    pages.render_chunk_with(job, [ref])
    return page(out, ref)


@pytest.fixture(scope="module")
def example():
    return example_catalog()


@pytest.fixture(scope="module")
def site(example, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("render") / "site"
    result = render_site(example, out, RenderOptions(strict=True))
    assert result.problems == []
    assert result.pages == len(example.entities) + 3
    return out


def test_every_entity_has_a_page_with_its_title(example, site):
    for ref, entity in example.entities.items():
        html = page(site, ref)
        assert f"<h1>{entity.title}</h1>" in html.replace("&#39;", "'"), ref
        assert f"<title>{entity.title} · Playbill</title>".replace("'", "&#39;") in html


def test_site_pages_and_assets_exist(site):
    for name in ("index.html", "catalog.html", "health.html", "catalog.json", "graph.json",
                 "data/catalog-table.js", "assets/style.css", "assets/app.js",
                 "assets/catalog.js"):
        assert (site / name).is_file(), name


def test_every_page_has_the_landmarks_the_browser_tests_use(site):
    for path in sorted(site.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        assert html.startswith("<!doctype html>\n<html lang=\"en\">"), path
        for hook in ('<a class="skip-link" href="#main">', '<nav aria-label="Main">',
                     '<main id="main"', "<footer", '<button id="theme-toggle"'):
            assert hook in html, (path, hook)


def test_internal_links_resolve_to_files(site):
    for path in sorted(site.rglob("*.html")):
        for target in HREF.findall(path.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")) or not target:
                continue
            assert (path.parent / target).resolve().is_file(), (path, target)


def test_relations_are_grouped_and_linked(site):
    html = page(site, "component:default/checkout-service")
    relations = html[html.index('<section id="relations"'):]
    relations = relations[:relations.index("</section>")]
    assert "Owned by" in relations and "Provides API" in relations
    assert '<a href="../../../entity/default/group/team-checkout.html" ' \
           'data-ref="group:default/team-checkout">Checkout</a>' in relations
    assert 'data-ref="api:default/checkout-api"' in relations


def test_entity_header_shows_owner_system_lifecycle_and_tags(site):
    html = page(site, "component:default/checkout-service")
    head = html[html.index('<dl class="facts">'):html.index("</dl>")]
    for fact in ("Lifecycle", "production", "Owner", "team-checkout.html", "System",
                 "system/checkout.html", "catalog.html?tag=go"):
        assert fact in head


def test_group_page_shows_parents_children_members_and_ownership(site):
    html = page(site, "group:default/engineering")
    assert "Parent chain" in html and "group/cairnfield.html" in html
    assert "group/team-checkout.html" in html  # a sub-group
    top = page(site, "group:default/cairnfield")
    through = top[top.index("Owned through sub-groups"):]
    assert "component/checkout-service.html" in through
    assert "Top-level group." in top


def test_system_page_lists_parts_and_draws_a_system_diagram(site):
    html = page(site, "system:default/checkout")
    parts = html[html.index('<section id="parts"'):]
    assert "component/checkout-service.html" in parts
    assert "api/checkout-api.html" in parts
    assert "<svg" in html


def test_api_pages_offer_the_raw_definition(example, site):
    for ref, entity in example.entities.items():
        if entity.kind != "API":
            continue
        html = page(site, ref)
        match = re.search(r'href="([^"]+\.definition\.[a-z]+)" download', html)
        assert match, ref
        downloaded = (site / entity_url(ref)).parent / match.group(1).rsplit("/", 1)[1]
        assert downloaded.read_text(encoding="utf-8") == entity.spec["definition"]
    assert (site / "entity/default/api/payments-grpc.definition.proto").is_file()
    html = page(site, "api:default/checkout-api")
    provided = html[html.index("<h3>Provided by</h3>"):html.index("<h3>Consumed by</h3>")]
    assert "component/checkout-service.html" in provided


def test_local_sources_show_the_file_without_edit_links(site):
    html = page(site, "component:default/checkout-service")
    source = html[html.index('<section id="source"'):]
    assert "example/services/checkout-service/catalog-info.yaml" in source
    assert "Edit / change owner" not in source


@pytest.mark.parametrize("host, base, edit", [
    ("github", "https://github.com/acme/shop", "https://github.com/acme/shop/edit/main/org/groups.yaml"),
    ("gitlab", "https://gitlab.com/acme/shop", "https://gitlab.com/acme/shop/-/edit/main/org/groups.yaml"),
    ("bitbucket", "https://bitbucket.org/acme/shop",
     "https://bitbucket.org/acme/shop/src/main/org/groups.yaml?mode=edit&amp;at=main"),
    ("gitea", "https://git.example.com/acme/shop",
     "https://git.example.com/acme/shop/_edit/main/org/groups.yaml"),
])
def test_git_hosted_entities_link_to_view_and_edit_the_exact_file(tmp_path, host, base, edit):
    catalog = example_catalog(RepoWeb(host, base, "main"))
    html = render_one(catalog, "group:default/engineering", tmp_path)
    assert f'href="{edit}" rel="noopener">Edit / change owner</a>' in html
    assert "View source</a>" in html


def test_exports_hold_every_entity_relation_and_row(example, site):
    exported = json.loads((site / "catalog.json").read_text(encoding="utf-8"))
    assert [e["metadata"]["name"] for e in exported["entities"]] == \
        [e.name for e in example.entities.values()]
    checkout = next(e for e in exported["entities"] if e["metadata"]["name"] == "checkout-service")
    assert {"type": "ownedBy", "targetRef": "group:default/team-checkout"} in checkout["relations"]
    graph = json.loads((site / "graph.json").read_text(encoding="utf-8"))
    assert {n["ref"] for n in graph["nodes"]} >= set(example.entities)
    assert {"source": "component:default/checkout-service", "type": "ownedBy",
            "target": "group:default/team-checkout"} in graph["edges"]
    script = (site / "data/catalog-table.js").read_text(encoding="utf-8")
    assert script.startswith("window.PLAYBILL_TABLE = ")
    table = json.loads(script.removeprefix("window.PLAYBILL_TABLE = ").rstrip().rstrip(";"))
    assert table["columns"] == list(TABLE_COLUMNS)
    rows = {row[0]: row for row in table["rows"]}
    assert list(rows) == list(example.entities)
    row = dict(zip(TABLE_COLUMNS, rows["component:default/checkout-service"]))
    assert row["owner"] == "group:default/team-checkout"
    assert row["system"] == "system:default/checkout"
    assert row["kind"] == "Component" and row["lifecycle"] == "production"


def test_catalog_page_offers_every_filter_with_full_refs(site):
    html = (site / "catalog.html").read_text(encoding="utf-8")
    assert '<table id="catalog-table"' in html and '<form id="catalog-filters"' in html
    for name in ("kind", "type", "owner", "lifecycle", "system", "tag", "namespace"):
        assert f'<select id="filter-{name}" name="{name}">' in html
    assert '<option value="group:default/team-checkout">' in html
    assert '<option value="component">' in html


def test_the_same_catalog_gives_byte_identical_sites_with_or_without_a_pool(example, tmp_path):
    render_site(example, tmp_path / "one", RenderOptions(workers=1))
    render_site(example, tmp_path / "again", RenderOptions(workers=1))
    pooled = render_site(example, tmp_path / "pool", RenderOptions(workers=2))
    assert pooled.workers == 2
    first = tree_bytes(tmp_path / "one")
    assert first == tree_bytes(tmp_path / "again")
    assert first == tree_bytes(tmp_path / "pool")


def test_workers_take_the_other_work_first_while_every_process_renders_chunks(
        example, tmp_path, monkeypatch):
    rendered_by = tmp_path / "rendered-by.txt"
    render_chunk = pages.render_chunk_with

    def slowly(job, refs):
        time.sleep(0.05)  # long enough that every process gets some chunks
        with rendered_by.open("a") as log:  # forked workers append here too
            log.write("".join(f"{os.getpid()} {ref}\n" for ref in refs))
        return render_chunk(job, refs)

    monkeypatch.setattr(pages, "render_chunk_with", slowly)
    job = pages.PageJob(example, tmp_path / "site", None, False, 1,
                        site_values(example, RenderOptions()), code="fingerprinted")
    written, ran_in = processes.write_entity_pages(job, 3, meanwhile=[os.getpid, os.getpid])
    rows = [line.split() for line in rendered_by.read_text().splitlines()]
    renderers = {int(pid) for pid, _ in rows}
    assert len(renderers) == 3 and os.getpid() in renderers
    # Workers took the other work first (then chunks); this process rendered at once.
    assert set(ran_in) <= renderers and os.getpid() not in ran_in
    assert sorted(ref for _, ref in rows) == sorted(example.entities)  # each page once
    assert list(written.keys) == [entity_url(ref) for ref in example.entities]  # in order
    assert written.pages == len(example.entities)
    alone, ran_here = processes.write_entity_pages(job, 1, meanwhile=[os.getpid, lambda: "b"])
    assert ran_here == [os.getpid(), "b"] and alone.keys == written.keys


def test_with_more_work_than_workers_this_process_takes_the_last_piece_first(
        example, tmp_path, monkeypatch):
    render_chunk = pages.render_chunk_with
    monkeypatch.setattr(pages, "render_chunk_with",
                        lambda job, refs: (time.sleep(0.05), render_chunk(job, refs))[1])
    job = pages.PageJob(example, tmp_path / "site", None, False, 1,
                        site_values(example, RenderOptions()), code="fingerprinted")
    written, ran_in = processes.write_entity_pages(job, 2, meanwhile=[os.getpid, os.getpid])
    assert ran_in[0] != os.getpid() and ran_in[1] == os.getpid()
    assert written.pages == len(example.entities)


def test_work_left_when_this_process_has_rendered_is_done_here(example, tmp_path,
                                                                monkeypatch):
    render_chunk = pages.render_chunk_with
    monkeypatch.setattr(pages, "render_chunk_with",  # time for the worker to start
                        lambda job, refs: (time.sleep(0.05), render_chunk(job, refs))[1])
    job = pages.PageJob(example, tmp_path / "site", None, False, 1,
                        site_values(example, RenderOptions()), code="fingerprinted")
    # One worker, busy with the first piece for longer than the pages take here; this
    # process takes the last piece first, then the pages, then the piece left.
    work = [lambda: (time.sleep(2), os.getpid())[1], os.getpid, os.getpid]
    written, ran_in = processes.write_entity_pages(job, 2, meanwhile=work)
    assert ran_in[0] != os.getpid() and ran_in[1:] == [os.getpid(), os.getpid()]
    assert written.pages == len(example.entities)


def test_render_workers_use_the_templates_their_parent_compiled(example, tmp_path, monkeypatch):
    loaded_by = tmp_path / "loaded-by.txt"
    load = jinja2.loaders.BaseLoader.load  # compiles, or takes the compiled template kept

    def noting_the_process(self, *args, **kwargs):
        with loaded_by.open("a") as log:  # forked workers append here too
            log.write(f"{os.getpid()}\n")
        return load(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.loaders.BaseLoader, "load", noting_the_process)
    assert render_site(example, tmp_path / "site", RenderOptions(workers=2)).workers == 2
    assert set(loaded_by.read_text().split()) == {str(os.getpid())}


def test_a_user_template_that_does_not_compile_fails_where_a_page_uses_it(example, tmp_path):
    custom = tmp_path / "custom"
    (custom / "partials").mkdir(parents=True)
    (custom / "partials/kubernetes.html").write_text("{% if %}")  # no page here uses it
    render_site(example, tmp_path / "fine", RenderOptions(templates=custom, workers=2))
    (custom / "partials/source.html").write_text("{% if %}")  # every entity page does
    with pytest.raises(jinja2.TemplateSyntaxError):
        render_site(example, tmp_path / "broken", RenderOptions(templates=custom, workers=2))


def test_a_user_folder_overrides_templates_and_assets(example, tmp_path):
    custom = tmp_path / "custom"
    (custom / "partials").mkdir(parents=True)
    (custom / "assets").mkdir()
    (custom / "partials/source.html").write_text(
        '<section id="source"><p>Ask {{ entity.name }} in #help</p></section>\n')
    (custom / "assets/style.css").write_text("body { color: red; }\n")
    render_site(example, tmp_path / "site", RenderOptions(templates=custom, strict=True))
    html = page(tmp_path / "site", "component:default/web-shop")
    assert "Ask web-shop in #help" in html
    assert (tmp_path / "site/assets/style.css").read_text() == "body { color: red; }\n"
    assert (tmp_path / "site/assets/catalog.js").is_file()  # the rest still comes from us


@pytest.mark.parametrize("url", [
    "", "a.html/", "/a.html", "entity//a.html", "entity/../a.html", "entity/%2E%2E/a.html",
    "entity/a%2Fb.html", "entity/x/..", "entity/x/.", "entity/a%5Cb/c.html", "%2E%2E",
])
def test_a_page_url_that_would_leave_its_folder_has_no_file(tmp_path, url):
    assert site_paths.page_file(tmp_path, url) is None


def test_a_page_url_names_its_file_decoded(tmp_path):
    assert site_paths.page_file(tmp_path, "index.html") == tmp_path / "index.html"
    assert site_paths.page_file(tmp_path, "entity/default/component/a%20b.html") == \
        tmp_path / "entity" / "default" / "component" / "a b.html"
    assert site_paths.page_file(tmp_path / "other", "entity/x/y.html") == tmp_path / "other/entity/x/y.html"


def test_health_page_groups_problems_by_severity_file_and_owner(tmp_path):
    catalog = catalog_from_files(tmp_path, {"catalog-info.yaml": """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: lonely}
spec: {type: service, lifecycle: production, owner: team-gone, dependsOn: [component:ghost]}
"""})
    assert catalog.problems
    render_site(catalog, tmp_path / "site", RenderOptions(strict=True))
    html = (tmp_path / "site/health.html").read_text(encoding="utf-8")
    severity = catalog.problems[0].severity.value
    assert f'<section id="{severity}s"' in html
    assert "catalog/catalog-info.yaml" in html
    assert 'data-ref="component:default/lonely"' in html
    for anchor in ("errors", "warnings", "notes"):
        assert f'id="{anchor}"' in html
    entity_html = page(tmp_path / "site", "component:default/lonely")
    assert catalog.problems[0].message.split("`")[0][:20] in entity_html.replace("&#39;", "'")


def test_long_lists_are_cut_and_link_to_the_filtered_catalog(tmp_path):
    many = LIST_LIMIT + 7
    components = "\n---\n".join(
        f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: c{i:03d}}}\n"
        f"spec: {{type: service, lifecycle: production, owner: team-a}}" for i in range(many))
    group = ("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\n"
             "spec: {type: team, children: []}\n")
    catalog = catalog_from_files(tmp_path, {"a.yaml": components, "g.yaml": group})
    render_site(catalog, tmp_path / "site", RenderOptions(strict=True))
    html = page(tmp_path / "site", "group:default/team-a")
    assert "and 7 more in the catalog" in html
    assert 'href="../../../catalog.html?owner=group:default/team-a"' in html
    assert f"component/c{many - 1:03d}.html" not in html


def test_recently_changed_follows_the_commits_that_touched_each_file(tmp_path):
    doc = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {}}}\n" \
          "spec: {{type: service, lifecycle: production, owner: team-a}}\n"
    repo = make_repo(tmp_path / "repo", {"a/catalog-info.yaml": doc.format("alpha"),
                                          "b/catalog-info.yaml": doc.format("beta")})
    later = commit(repo, {"b/catalog-info.yaml": doc.format("beta") + "# touched\n"},
                   "Touch beta")
    catalog = read_catalog(sources.trees_for_paths([tmp_path / "repo"]).trees)
    changes = recently_changed(catalog)
    assert [c.ref for c in changes] == ["component:default/beta", "component:default/alpha"]
    assert changes[0].commit == later and changes[0].summary == "Touch beta"
    render_site(catalog, tmp_path / "site", RenderOptions(strict=True))
    home = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert home.index("component/beta.html") < home.index("component/alpha.html")
    assert "Touch beta" in home


def test_recently_changed_cuts_a_file_of_many_entities_at_the_limit_in_ref_order(tmp_path):
    doc = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {}}}\n" \
          "spec: {{type: service, lifecycle: production, owner: team-a}}\n"
    many = "---\n".join(doc.format(f"a{n}") for n in (5, 4, 3, 2, 1))
    repo = make_repo(tmp_path / "repo", {"a/catalog-info.yaml": many,
                                          "b/catalog-info.yaml": doc.format("b1")})
    commit(repo, {"a/catalog-info.yaml": many + "# touched\n"}, "Touch the a file")
    catalog = read_catalog(sources.trees_for_paths([tmp_path / "repo"]).trees)
    refs = [f"component:default/{name}" for name in ("a1", "a2", "a3", "a4", "a5", "b1")]
    assert [c.ref for c in recently_changed(catalog, limit=3)] == refs[:3]
    assert [c.ref for c in recently_changed(catalog, limit=7)] == refs


def test_plain_folders_have_no_recent_changes(tmp_path):
    catalog = catalog_from_files(tmp_path, {"catalog-info.yaml": (
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\n"
        "spec: {type: team, children: []}\n")})
    assert recently_changed(catalog) == []


def test_the_render_says_how_many_pages_are_done(example, tmp_path, monkeypatch):
    monkeypatch.setattr(processes, "CHUNK_PAGES", 5)  # several chunks of the example
    total = len(example.entities)
    render_site(example, tmp_path / "untold", RenderOptions(workers=1))
    render_chunk = pages.render_chunk_with

    def slowly(job, refs):
        # With two processes, which chunks this one renders (and so reports) depends on
        # timing. A fifth of a second a chunk makes sure it renders some itself before
        # the other process is done with them all.
        time.sleep(0.2)
        return render_chunk(job, refs)

    monkeypatch.setattr(pages, "render_chunk_with", slowly)
    for workers, reports in ((1, -(-total // 5)), (2, 2)):
        heard: list = []
        render_site(example, tmp_path / f"told-{workers}", RenderOptions(workers=workers),
                    on_progress=heard.append)
        assert {(step.stage, step.total) for step in heard} == {("render", total)}
        counts = [step.done for step in heard]
        assert counts == sorted(counts) and counts[-1] == total, workers
        assert len(counts) >= reports, workers
        assert counts[0] < total, workers  # told before the end, not only at it
    untold = tree_bytes(tmp_path / "untold")
    assert tree_bytes(tmp_path / "told-1") == untold == tree_bytes(tmp_path / "told-2")
