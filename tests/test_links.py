"""The link checker: every page of a built site links only to files that exist.

The portal must work from any static host and from a plain `file://` folder, so every
internal link is relative and names a file (never a folder's index.html), every `#fragment`
names an id on its target page, and no page loads a script, style, image or font from the
network. A site built from the bundled example (and from ../shared/corpus when present) is
checked, and the checker itself is checked on small hand-made sites so a silent checker
cannot pass a broken portal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from generator import sources
from generator.read import read_catalog
from generator.model.catalog import Catalog

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"

#: Attributes that point at another file, by tag. `None` means any tag.
LINK_ATTRS = {"href", "src", "xlink:href", "poster", "data", "action"}
#: Tags whose URL is loaded as part of the page (a network URL there breaks offline use).
ASSET_TAGS = {"script", "img", "link", "source", "video", "audio", "iframe", "embed",
              "object", "image", "use", "track", "input"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
EXTERNAL = ("http://", "https://", "//")
IGNORED_SCHEMES = ("mailto:", "tel:", "data:", "javascript:", "ftp:", "ssh:", "git:", "about:")


@dataclass
class Link:
    """One URL found in a file: where, which tag and attribute, and the URL itself."""

    source: Path
    tag: str
    attr: str
    url: str
    rel: str = ""


@dataclass
class ParsedPage:
    """What the checker needs of one HTML or SVG file: its links and the ids it defines."""

    links: list[Link] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


class _Collector(HTMLParser):
    """Collects link attributes and ids; html.parser because it never fixes up markup."""

    def __init__(self, source: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.page = ParsedPage()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.page.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.page.ids.add(values["name"])
        for name, value in values.items():
            if name in LINK_ATTRS and value.strip():
                self.page.links.append(Link(self.source, tag, name, value.strip(),
                                            values.get("rel", "").lower()))
        if values.get("srcset"):
            for candidate in values["srcset"].split(","):
                url = candidate.strip().split(" ")[0]
                if url:
                    self.page.links.append(Link(self.source, tag, "srcset", url))
        if values.get("style"):
            self.page.links += css_links(self.source, values["style"], tag)

    handle_startendtag = handle_starttag


def css_links(source: Path, text: str, tag: str = "css") -> list[Link]:
    """Every `url(...)` and `@import` in a style sheet or style attribute."""
    return [Link(source, tag, "url", m.group(2) or m.group(4)) for m in CSS_URL.finditer(text)]


def parse_file(path: Path) -> ParsedPage:
    """Links and ids of an HTML, SVG or CSS file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":
        return ParsedPage(links=css_links(path, text))
    collector = _Collector(path)
    collector.feed(text)
    collector.close()
    page = collector.page
    for style in re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S | re.I):
        page.links += css_links(path, style)
    return page


def _loads_asset(link: Link) -> bool:
    """True when the browser fetches `link` while showing the page (not on a click)."""
    if link.tag == "link":
        return any(word in link.rel.split() for word in
                   ("stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"))
    if link.tag in {"a", "form"}:
        return False
    return link.tag in ASSET_TAGS or link.attr in {"url", "srcset"} or link.source.suffix == ".css"


def check_link(site: Path, link: Link, pages: dict[Path, ParsedPage]) -> str | None:
    """Why `link` is broken, or None when it resolves inside the site."""
    url = link.url
    where = f"{link.source.relative_to(site)}: <{link.tag} {link.attr}={url!r}>"
    lowered = url.lower()
    if lowered.startswith(EXTERNAL):
        if _loads_asset(link):
            return f"{where} loads an asset from the network"
        return None
    if lowered.startswith(IGNORED_SCHEMES) or re.match(r"^[a-z][a-z0-9+.-]*:", lowered):
        return None
    parts = urlsplit(url)
    if parts.path.startswith("/"):
        return f"{where} is root-absolute, which breaks file:// and sub-folder hosting"
    if parts.path == "":
        target = link.source
    else:
        target = (link.source.parent / unquote(parts.path)).resolve()
        if not target.is_relative_to(site):
            return f"{where} leaves the site"
        if target.is_dir() or parts.path.endswith("/"):
            return f"{where} names a folder; link the .html file itself"
        if not target.is_file():
            return f"{where} points at a missing file {target.relative_to(site)}"
    if parts.fragment and target.suffix in {".html", ".svg"}:
        ids = pages[target].ids if target in pages else parse_file(target).ids
        if unquote(parts.fragment) not in ids:
            return f"{where}: no id {parts.fragment!r} in {target.relative_to(site)}"
    return None


def check_site(site: Path) -> list[str]:
    """Every broken link, missing fragment and network asset in the site, one line each."""
    site = site.resolve()
    files = sorted(p for p in site.rglob("*") if p.suffix in {".html", ".svg", ".css"})
    pages = {path: parse_file(path) for path in files}
    problems = []
    for page in pages.values():
        for link in page.links:
            problem = check_link(site, link, pages)
            if problem:
                problems.append(problem)
    return problems


def expected_page(site: Path, ref: str) -> Path:
    """The page the contract promises for `ref` (kind:namespace/name)."""
    kind, rest = ref.split(":", 1)
    namespace, name = rest.split("/", 1)
    return site / "entity" / namespace / kind / f"{name}.html"


# --- the checker on hand-made sites ----------------------------------------------------------


def write(site: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    return site


GOOD = {
    "index.html": '<html lang="en"><head><link rel="stylesheet" href="assets/style.css">'
                  '<script src="assets/app.js"></script></head><body>'
                  '<a href="entity/default/component/a.html#relations">a</a>'
                  '<a href="catalog.html?owner=group%3Adefault%2Fteam-a&kind=component">c</a>'
                  '<a href="#main">skip</a><main id="main"></main>'
                  '<a href="https://github.com/org/repo/blob/main/x.yaml">source</a>'
                  '<a href="mailto:team@example.com">mail</a></body></html>',
    "catalog.html": "<html><body></body></html>",
    "assets/style.css": "body { background: url('../assets/bg.png'); }",
    "assets/bg.png": "",
    "assets/app.js": "",
    "entity/default/component/a.html": '<a href="../../../index.html">home</a>'
                                       '<section id="relations"></section>'
                                       '<svg><a href="../api/b.html"><text>b</text></a></svg>',
    "entity/default/api/b.html": '<img src="b.svg" alt="graph">',
    "entity/default/api/b.svg": '<svg xmlns="http://www.w3.org/2000/svg">'
                                '<a xlink:href="../component/a.html"><text>a</text></a></svg>',
}


def test_a_sound_site_has_no_problems(tmp_path: Path) -> None:
    assert check_site(write(tmp_path, GOOD)) == []


@pytest.mark.parametrize(("name", "text", "complaint"), [
    ("x.html", '<a href="missing.html">m</a>', "missing file missing.html"),
    ("x.html", '<a href="index.html#nowhere">m</a>', "no id 'nowhere' in index.html"),
    ("x.html", '<a href="#nowhere">m</a>', "no id 'nowhere' in x.html"),
    ("x.html", '<a href="entity/">folder</a>', "names a folder"),
    ("x.html", '<a href="/catalog.html">abs</a>', "root-absolute"),
    ("x.html", '<a href="../outside.html">up</a>', "leaves the site"),
    ("x.html", '<script src="https://cdn.example.com/lunr.js"></script>', "from the network"),
    ("x.html", '<link rel="stylesheet" href="//fonts.example.com/a.css">', "from the network"),
    ("x.html", '<img src="http://example.com/logo.png" alt="">', "from the network"),
    ("x.html", '<div style="background:url(nope.png)"></div>', "missing file nope.png"),
    ("x.html", '<style>@import "gone.css";</style>', "missing file gone.css"),
    ("x.html", '<img srcset="a.png 1x, b.png 2x" alt="">', "missing file a.png"),
    ("x.html", '<a href="entity/default/component/A%20b.html">enc</a>', "A b.html"),
    ("assets/more.css", "@font-face { src: url(fonts/none.woff2); }", "assets/fonts/none.woff2"),
    ("x.svg", '<svg><a href="gone.html"><text>g</text></a></svg>', "missing file gone.html"),
])
def test_each_kind_of_break_is_reported(tmp_path: Path, name: str, text: str,
                                        complaint: str) -> None:
    problems = check_site(write(tmp_path, {**GOOD, name: text}))
    assert len(problems) >= 1 and complaint in problems[0], problems


def test_percent_encoded_links_resolve_to_decoded_names(tmp_path: Path) -> None:
    site = write(tmp_path, {**GOOD, "x.html": '<a href="a%20b.html">x</a>', "a b.html": ""})
    assert check_site(site) == []


# --- real sites -----------------------------------------------------------------------------


def _catalog_of(folder: Path) -> Catalog:
    found = sources.trees_for_paths([folder])
    return read_catalog(found.trees, found.problems)


def _build(folder: Path, out: Path) -> Catalog:
    """Builds `folder` into `out` with the portal's own build and returns its catalog."""
    from generator.build import build_site  # the render stage; absent until it lands

    catalog = _catalog_of(folder)
    build_site(catalog, out)
    return catalog


def _site_checks(catalog: Catalog, site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "catalog.html").is_file()
    assert (site / "health.html").is_file()
    assert (site / "catalog.json").is_file()
    assert (site / "graph.json").is_file()
    missing = [ref for ref in catalog.entities if not expected_page(site, ref).is_file()]
    assert missing == [], f"{len(missing)} entities have no page, e.g. {missing[:5]}"
    upper = [p.relative_to(site).as_posix() for p in site.rglob("*")
             if p.relative_to(site).as_posix() != p.relative_to(site).as_posix().lower()]
    assert upper == [], f"paths must be lower-case: {upper[:5]}"
    problems = check_site(site)
    assert problems == [], f"{len(problems)} broken links:\n" + "\n".join(problems[:40])


def test_the_example_site_has_a_page_per_entity_and_no_broken_link(tmp_path: Path) -> None:
    site = tmp_path / "site"
    catalog = _build(REPO / "example", site)
    _site_checks(catalog, site)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_the_corpus_site_has_a_page_per_entity_and_no_broken_link(tmp_path: Path) -> None:
    site = tmp_path / "site"
    catalog = _build(CORPUS, site)
    _site_checks(catalog, site)
