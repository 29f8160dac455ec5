"""The docs stage end to end on real Git repositories: build with MkDocs, cache, publish
into a portal built by build_site, link back to the entity, search, and failures."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pygit2
import pytest
from gitrepo import commit, make_repo

from generator import search, sources
from generator.build import build_site
from generator.read import read_catalog
import generator.docs as docs_stage
from generator.docs import DocsOptions, build_docs, refs
from generator.docs.sitebuild import theme_folder
from generator.render import RenderOptions

SHOP = "component:default/shop"
DOCS = "docs/default/component/shop/"

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shop
  title: Shop service
  annotations:
    backstage.io/techdocs-ref: dir:.
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a, title: Team A}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop-system
  annotations:
    backstage.io/techdocs-entity: component:default/shop
spec: {owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: shop-db
  annotations:
    backstage.io/techdocs-entity: component:default/shop
    backstage.io/techdocs-entity-path: /guide/setup/
spec: {type: database, owner: team-a}
"""

FILES = {
    "catalog-info.yaml": CATALOG,
    "mkdocs.yml": "site_name: Shop\nnav:\n  - Home: index.md\n  - Setup: guide/setup.md\n"
                  "plugins: [techdocs-core]\n",
    "docs/index.md": "# Shop\n\nRead the [setup](guide/setup.md) and the "
                     "[catalog entry](../catalog-info.yaml).\n\n![logo](img/logo.png)\n",
    "docs/guide/setup.md": "# Setup\n\nThe word xylophonist appears only here.\n\n"
                           '<img src="../img/logo.png" alt="logo">\n\n[Back](../index.md)\n',
    "docs/img/logo.png": "not really a png, but a file\n",
}


def repo_with(root: Path, files: dict[str, str]) -> Path:
    repo = make_repo(root, files)
    repo.remotes.create("origin", "https://github.com/acme/shop.git")
    return root


def catalog_of(*roots: Path):
    return read_catalog(sources.trees_for_paths(list(roots)).trees)


def build(catalog, tmp_path: Path, name: str = "site"):
    options = DocsOptions(cache_dir=tmp_path / "cache", workers=2)
    return build_site(catalog, tmp_path / name, RenderOptions(strict=True), docs_options=options)


def broken_links(site: Path, folder: str) -> list[str]:
    """Every relative href/src in the HTML below `folder` that names no file of the site."""
    broken = []
    for page in sorted((site / folder).rglob("*.html")):
        for target in re.findall(r'(?:href|src)="([^"#?]+)', page.read_text("utf-8")):
            if urlsplit(target).scheme or target.startswith(("//", "data:")):
                continue
            resolved = (page.parent / unquote(target)).resolve()
            if not (resolved.is_file() or (resolved / "index.html").is_file()):
                broken.append(f"{page.relative_to(site)} -> {target}")
    return broken


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    root = repo_with(tmp / "shop", FILES)
    catalog = catalog_of(root)
    return tmp, catalog, build(catalog, tmp)


def test_docs_are_published_with_a_header_back_to_entity_owner_and_edit_url(shop):
    tmp, _, result = shop
    page = (tmp / "site" / DOCS / "guide/setup.html").read_text("utf-8")
    assert 'href="../../../../../entity/default/component/shop.html"' in page
    assert 'href="../../../../../entity/default/group/team-a.html">Team A' in page
    assert 'href="https://github.com/acme/shop/edit/main/docs/guide/setup.md"' in page
    assert result.docs_published.sites == 1 and result.docs_published.pages == 2
    assert [p for p in result.problems if p.code.startswith("docs") and p.entity] == []


def test_an_owner_missing_from_the_catalog_is_named_in_the_header_without_a_link(tmp_path):
    files = {**FILES, "catalog-info.yaml": CATALOG.split("---")[0].replace(
        "owner: team-a", "owner: group:platform/nobody")}
    catalog = catalog_of(repo_with(tmp_path / "shop", files))
    build(catalog, tmp_path)
    page = (tmp_path / "site" / DOCS / "guide/setup.html").read_text("utf-8")
    assert "<span>Owner: nobody</span>" in page
    assert "playbill-docs-owner" not in page
    assert 'href="../../../../../entity/default/component/shop.html"' in page


def test_every_relative_link_and_image_in_the_docs_resolves(shop):
    tmp, _, _ = shop
    assert broken_links(tmp / "site", "docs") == []
    index = (tmp / "site" / DOCS / "index.html").read_text("utf-8")
    # a link to the entity's catalog file opens the entity's page in the portal
    assert 'href="../../../../entity/default/component/shop.html">catalog entry' in index


def test_the_theme_is_stored_once_and_the_pages_use_it(shop):
    tmp, _, result = shop
    site = tmp / "site"
    assert not (site / DOCS / "assets").exists()
    assert not (site / DOCS / "sitemap.xml").exists() and not (site / DOCS / "404.html").exists()
    css = list((site / "docs" / theme_folder() / "assets/stylesheets").glob("main.*.min.css"))
    assert len(css) == 1
    page = (site / DOCS / "index.html").read_text("utf-8")
    assert f'href="../../../{theme_folder()}/assets/stylesheets/{css[0].name}"' in page
    assert result.docs_published.bytes > 2_000_000  # the theme, once


def test_entity_pages_link_their_docs_and_other_entities_point_at_them(shop):
    tmp, _, result = shop
    site = tmp / "site"
    component = (site / "entity/default/component/shop.html").read_text("utf-8")
    assert f'href="../../../{DOCS}index.html">Docs' in component
    system = (site / "entity/default/system/shop-system.html").read_text("utf-8")
    assert f'href="../../../{DOCS}index.html">Docs' in system  # techdocs-entity
    assert result.docs.links["system:default/shop-system"] == DOCS + "index.html"
    assert result.docs.links["resource:default/shop-db"] == DOCS + "guide/setup.html"
    resource = (site / "entity/default/resource/shop-db.html").read_text("utf-8")
    assert f'href="../../../{DOCS}guide/setup.html">Docs' in resource


def test_a_word_only_in_a_docs_page_finds_that_page(shop):
    tmp, _, _ = shop
    shards = search.read_index(tmp / "site")
    assert search.find(shards, "xylophonist") == [DOCS + "guide/setup.html"]
    assert search.find(shards, "shop")[0] == SHOP  # the entity still comes first


def test_the_second_build_reuses_the_cache_and_writes_the_same_bytes(shop, tmp_path):
    tmp, catalog, _ = shop
    again = build_site(catalog, tmp_path / "again", RenderOptions(strict=True),
                       docs_options=DocsOptions(cache_dir=tmp / "cache"))
    assert again.docs.rebuilt == 0
    first, second = tmp / "site", tmp_path / "again"
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)


def test_a_changed_page_rebuilds_only_its_site(tmp_path):
    shop = repo_with(tmp_path / "shop", FILES)
    other = dict(FILES, **{"catalog-info.yaml": CATALOG.replace("shop", "cart").split("---")[0]})
    cart = repo_with(tmp_path / "cart", other)
    options = DocsOptions(cache_dir=tmp_path / "cache")
    assert build_docs(catalog_of(shop, cart), options).rebuilt == 2
    assert build_docs(catalog_of(shop, cart), options).rebuilt == 0
    (cart / ".playbill").mkdir()  # a cache or a build output inside the project: no rebuild
    (cart / ".playbill" / "x").write_text("changes every run")
    (cart / "site").mkdir()
    (cart / "site" / "index.html").write_text("old output")
    assert build_docs(catalog_of(shop, cart), options).rebuilt == 0
    commit(pygit2.Repository(str(cart)), {"docs/index.md": "# Cart, changed\n"})
    built = build_docs(catalog_of(shop, cart), options)
    assert [site.ref for site in built.sites if site.fresh] == ["component:default/cart"]
    cached = sorted(entry.name for entry in (tmp_path / "cache/sites").iterdir())
    assert cached == sorted(site.built.parent.name for site in built.sites)  # old one pruned


def test_hooks_never_run(tmp_path):
    marker = tmp_path / "hook-ran"
    hook = f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
    files = dict(FILES, **{"mkdocs.yml": "site_name: Shop\nhooks: [hooks/evil.py]\n",
                           "hooks/evil.py": hook})
    root = repo_with(tmp_path / "shop", files)
    result = build(catalog_of(root), tmp_path)
    assert (tmp_path / "site" / DOCS / "index.html").is_file()
    assert not marker.exists()
    (problem,) = [p for p in result.problems if p.code == "docs-config-key-dropped"]
    assert problem.file.endswith("mkdocs.yml") and problem.line == 2 and problem.entity == SHOP


def test_one_failing_site_is_a_problem_and_the_others_are_published(tmp_path):
    good = repo_with(tmp_path / "shop", FILES)
    bad_files = {
        "catalog-info.yaml": CATALOG.replace("shop", "cart").split("---")[0],
        "mkdocs.yml": "site_name: Cart\nmarkdown_extensions:\n  - pymdownx.snippets:\n"
                      "      check_paths: true\n",
        "docs/index.md": "# Cart\n\n--8<-- \"missing-snippet.md\"\n",
    }
    bad = repo_with(tmp_path / "cart", bad_files)
    result = build(catalog_of(good, bad), tmp_path)
    site = tmp_path / "site"
    assert (site / DOCS / "index.html").is_file()
    assert not (site / "docs/default/component/cart").exists()
    (failure,) = [p for p in result.problems if p.code == "docs-build-failed"]
    assert failure.is_error and failure.entity == "component:default/cart"
    assert failure.file.endswith("docs/index.md") and "missing-snippet.md" in failure.message
    assert failure.line == 3  # the line of the page that names the missing snippet
    health = (site / "health.html").read_text("utf-8")
    assert "docs-build-failed" in health
    cart = (site / "entity/default/component/cart.html").read_text("utf-8")
    assert ">Docs</a>" not in cart and "missing-snippet.md" in cart


def test_a_url_ref_into_a_listed_repository_is_read_from_its_clone(tmp_path):
    files = dict(FILES, **{"catalog-info.yaml": CATALOG.replace(
        "dir:.", "url:https://github.com/acme/shop/tree/main/")})
    root = repo_with(tmp_path / "shop", files)
    built = build_docs(catalog_of(root), DocsOptions(cache_dir=tmp_path / "cache"))
    (site,) = built.sites
    assert site.built is not None and len(site.pages) == 2


@pytest.mark.parametrize("ref, code", [
    ("url:https://github.com/elsewhere/repo/tree/main/", "docs-ref"),
    ("dir:../../outside", "docs-ref"),
    ("git:whatever", "docs-ref"),
])
def test_refs_that_cannot_be_built_are_warnings(tmp_path, ref, code):
    files = dict(FILES, **{"catalog-info.yaml": CATALOG.replace("dir:.", ref)})
    root = repo_with(tmp_path / "shop", files)
    built = build_docs(catalog_of(root), DocsOptions(cache_dir=tmp_path / "cache"))
    assert built.sites == ()
    codes = [(p.code, p.line) for p in built.problems]
    assert (code, 7) in codes


def test_docs_without_index_link_to_their_first_page(tmp_path):
    files = {k: v for k, v in FILES.items() if k != "docs/index.md"}
    files["mkdocs.yml"] = "site_name: Shop\nnav:\n  - Setup: guide/setup.md\n"
    root = repo_with(tmp_path / "shop", files)
    built = build_docs(catalog_of(root), DocsOptions(cache_dir=tmp_path / "cache"))
    assert built.links[SHOP] == DOCS + "guide/setup.html"
    assert "docs-index-missing" in [p.code for p in built.problems]


def test_a_config_inside_docs_is_not_read_and_says_so(tmp_path):
    files = {"catalog-info.yaml": FILES["catalog-info.yaml"],
             "docs/mkdocs.yaml": "site_name: Inner\nnav:\n  - Home: intro.md\n",
             "docs/intro.md": "# Intro\n", "docs/more.md": "# More\n"}
    root = repo_with(tmp_path / "shop", files)
    built = build_docs(catalog_of(root), DocsOptions(cache_dir=tmp_path / "cache"))
    (site,) = built.sites
    assert sorted(url for url, _, _ in site.pages) == ["intro.html", "more.html"]
    codes = {p.code: p for p in built.problems}
    assert codes["docs-config-in-docs"].file.endswith("docs/mkdocs.yaml")
    assert "docs-index-missing" in codes and built.links[SHOP] == DOCS + "intro.html"


def test_a_monorepo_include_builds_the_included_docs(tmp_path):
    files = dict(FILES, **{
        "mkdocs.yml": "site_name: Shop\nnav:\n  - Home: index.md\n"
                      "  - Sub: '!include ./sub/mkdocs.yml'\nplugins: [techdocs-core]\n",
        "sub/mkdocs.yml": "site_name: sub\nnav:\n  - First: index.md\n",
        "sub/docs/index.md": "# Sub docs\n\nA quokka lives here.\n",
    })
    root = repo_with(tmp_path / "shop", files)
    result = build(catalog_of(root), tmp_path)
    sub = tmp_path / "site" / DOCS / "sub" / "index.html"
    assert sub.is_file() and "quokka" in sub.read_text("utf-8")
    assert broken_links(tmp_path / "site", "docs") == []
    assert [p for p in result.problems if p.is_error] == []


def test_cold_builds_in_two_caches_write_the_same_bytes(tmp_path):
    root = repo_with(tmp_path / "shop", FILES)
    catalog = catalog_of(root)
    for name in ("one", "two"):
        build_site(catalog, tmp_path / name, RenderOptions(),
                   docs_options=DocsOptions(cache_dir=tmp_path / f"cache-{name}"))
    one, two = tmp_path / "one" / "docs", tmp_path / "two" / "docs"
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert [f for f in files if (one / f).read_bytes() != (two / f).read_bytes()] == []


def test_a_monorepo_include_that_would_run_code_is_not_read(tmp_path):
    marker = tmp_path / "include-ran"
    files = dict(FILES, **{
        "mkdocs.yml": "site_name: Shop\nnav:\n  - Home: index.md\n"
                      "  - Sub: '!include ./sub/mkdocs.yml'\n",
        "sub/mkdocs.yml": f"site_name: !!python/object/apply:os.system ['touch {marker}']\n",
        "sub/docs/index.md": "# Sub\n",
    })
    root = repo_with(tmp_path / "shop", files)
    result = build(catalog_of(root), tmp_path)
    assert (tmp_path / "site" / DOCS / "index.html").is_file()
    assert not marker.exists()
    assert "docs-include-dropped" in [p.code for p in result.problems]


@pytest.mark.parametrize("error, line", [
    (SyntaxError("bad", ("x", 7, 1, "")), 7),  # an error that carries its line
    (ValueError("while parsing a block mapping, line 4, column 3"), 4),
    (ValueError("Snippet at path 'parts/intro.md' could not be found"), 2),
    (ValueError("something else went wrong"), None),
])
def test_a_failure_points_at_the_line_it_can_find(error, line):
    from generator.docs.sitebuild import _line_of

    assert _line_of(error, "# Title\n--8<-- \"parts/intro.md\"\n") == line


def test_edit_this_page_follows_the_hosts_url_shape(tmp_path):
    files = dict(FILES, **{"docs/guide/set up.md": "# Set up\n"})
    repo = make_repo(tmp_path / "shop", files)
    repo.remotes.create("origin", "https://bitbucket.org/acme/shop.git")
    built = build_docs(catalog_of(tmp_path / "shop"), DocsOptions(cache_dir=tmp_path / "cache"))
    page = (built.sites[0].built / "guide/set up.html").read_text("utf-8")
    assert ('href="https://bitbucket.org/acme/shop/src/main/docs/guide/set%20up.md'
            '?mode=edit&amp;at=main"') in page


def component(name: str, ref: str = "dir:.") -> str:
    return (f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"
            f"  annotations:\n    backstage.io/techdocs-ref: '{ref}'\n"
            "spec: {type: service, lifecycle: production, owner: team-a}\n")


def test_docs_in_a_repository_inside_another_belong_to_the_inner_one(tmp_path):
    outer = repo_with(tmp_path / "outer", {"catalog-info.yaml": component("outer")})
    inner = make_repo(outer / "vendor" / "inner", {"catalog-info.yaml": component("inner")})
    inner.remotes.create("origin", "https://github.com/acme/inner.git")

    found, problems = refs.find_sources(catalog_of(outer, Path(inner.workdir)))

    assert problems == []
    by_ref = {source.ref: source for source in found}
    assert by_ref["component:default/inner"].tree.root == Path(inner.workdir).resolve()
    assert by_ref["component:default/outer"].tree.root == outer.resolve()


def test_a_docs_header_maps_the_catalog_files_in_its_folder_only(tmp_path):
    """Links from docs to a catalog file open that file's entity (its first by ref, or
    the documented one); a sibling folder whose name starts the same is not included."""
    files = {"svc/catalog-info.yaml": component("svc"),
             "svc/more.yaml": component("b-more", "url:none") + "---\n"
                              + component("a-more", "url:none"),
             "svc/docs/index.md": "# Svc\n",
             "svc-other/catalog-info.yaml": component("svc-other", "url:none")}
    root = repo_with(tmp_path / "repo", files)
    catalog = catalog_of(root)
    (source,), _ = refs.find_sources(catalog)

    mapped = docs_stage._entity_files(catalog, source)  # what the header carries

    base = str(root.resolve() / "svc")
    assert mapped == {f"{base}/catalog-info.yaml": "entity/default/component/svc.html",
                      f"{base}/more.yaml": "entity/default/component/a-more.html"}


def test_a_docs_header_names_catalog_files_by_their_real_paths(tmp_path):
    """Read through a symlinked folder, the header still maps the files' real paths
    (the ones MkDocs sees), so a docs link to a catalog file finds its entity."""
    root = repo_with(tmp_path / "repo", {"svc/catalog-info.yaml": component("svc"),
                                         "svc/docs/index.md": "# Svc\n"})
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    catalog = catalog_of(tmp_path / "link")
    (source,), _ = refs.find_sources(catalog)

    mapped = docs_stage._entity_files(catalog, source)

    assert mapped == {f"{root.resolve()}/svc/catalog-info.yaml":
                      "entity/default/component/svc.html"}


def test_docs_published_by_a_render_worker_are_the_same_site(tmp_path):
    """Publishing is a piece of the render's other work: with a forked worker the docs,
    their theme and the counts are what one process writes."""
    root = repo_with(tmp_path / "repo", FILES)
    catalog = catalog_of(root)
    options = DocsOptions(cache_dir=tmp_path / "cache", workers=1)
    sites = {workers: build_site(catalog, tmp_path / f"site-{workers}",
                                 RenderOptions(strict=True, workers=workers),
                                 docs_options=options)
             for workers in (1, 2)}

    assert sites[2].render.workers == 2
    assert sites[2].docs_published == sites[1].docs_published
    assert sites[1].docs_published.pages == 2
    docs = {workers: {path.relative_to(site.site_dir): path.read_bytes()
                      for path in (site.site_dir / "docs").rglob("*") if path.is_file()}
            for workers, site in sites.items()}
    assert docs[2] == docs[1] and (Path(DOCS) / "index.html") in docs[2]


def test_the_docs_stage_says_which_site_it_built(tmp_path):
    shop = repo_with(tmp_path / "shop", FILES)
    other = dict(FILES, **{"catalog-info.yaml": CATALOG.replace("shop", "cart").split("---")[0]})
    cart = repo_with(tmp_path / "cart", other)
    for workers in (1, 2):
        options = DocsOptions(cache_dir=tmp_path / f"cache-{workers}", workers=workers)
        heard: list = []
        build_docs(catalog_of(shop, cart), options, on_progress=heard.append)
        assert [(step.stage, step.done, step.total) for step in heard] == [
            ("docs", 1, 2), ("docs", 2, 2)]
        assert sorted(step.item for step in heard) == ["component:default/cart", SHOP]
        heard.clear()
        build_docs(catalog_of(shop, cart), options, on_progress=heard.append)
        assert heard == []  # nothing built: both came from the cache
