"""The reference: Hugo rendering the same entity pages Playbill renders.

From the `catalog.json` a Playbill build exports, `write_site` makes a Hugo project with
one content file per entity (JSON front matter, the description as the body) at the same
path as Playbill's page (`entity/<namespace>/<kind>/<name>.html`), and two themes
(`bench/hugo_themes/`):

- `page`, the reference: Playbill's entity page written as Hugo templates. The same shell
  (header, search box, footer), breadcrumb, facts, links, the kind's own section (a
  group's members and what it owns, a user's groups, a system's parts, an API's providers,
  consumers and its definition: OpenAPI and AsyncAPI parsed with `transform.Unmarshal`
  and listed operation by operation, GraphQL and gRPC highlighted by Hugo's Chroma, the
  raw file written beside the page), the relation diagram, relations grouped by type,
  source, annotations and problems.
- `floor`: only the fields and relation lists every page shares, as the reference was
  until December 2026; kept to show how the shared part compares.

What the page reference leaves to the bench's Python, and so does not time, leans in
Hugo's favour: relations arrive grouped, sorted, capped and with each target's title and
kind, a group's parent chain and ownership through sub-groups come computed, and the
relation diagrams are Playbill's own markup copied from the site Playbill just built:
Hugo writes them but neither lays them out nor draws them. Taxonomies, section lists,
RSS, sitemap and 404 pages are switched off, so Hugo writes one page per entity, the home
page and the API definitions.

Hugo comes from the Debian package `hugo` (`bench/setup` installs it); without it the
benchmark runs anyway and says that the reference is missing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterator

from bench.measure import Measured, measure
from generator.render.context import LIST_LIMIT, RELATION_LABELS, RELATION_ORDER

THEMES = Path(__file__).with_name("hugo_themes")
#: The reference Playbill's render is judged against, and the shared part alone.
PAGE, FLOOR = "page", "floor"
CONFIG = """\
baseURL = "https://portal.invalid/"
title = "Playbill"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "section"]
uglyURLs = true
"""
#: Per theme: the floor's links are site-absolute and made relative by Hugo; the page
#: theme writes them relative itself, as Playbill does. Chroma writes CSS classes, as
#: Pygments does for Playbill, not inline styles.
THEME_CONFIG = {
    FLOOR: 'relativeURLs = true\ncontentDir = "content-floor"\n',
    PAGE: "[markup.highlight]\nnoClasses = false\n",
}
FIGURE = re.compile(r'<figure class="diagram diagram-(\w+)".*?</figure>', re.S)
DOCS_LINK = re.compile(r'<a class="button docs-link" href="(?:\.\./)*([^"]*)"')


def hugo_program() -> str | None:
    """The `hugo` on PATH, or None."""
    return shutil.which("hugo")


def hugo_version(program: str) -> str:
    """`hugo version`'s first words, e.g. `hugo v0.111.3+extended linux/amd64`."""
    done = subprocess.run([program, "version"], capture_output=True, text=True, check=False)
    return " ".join(done.stdout.split()[:3])


def write_site(catalog_json: Path, folder: Path) -> int:
    """A Hugo project in `folder` for every entity of `catalog_json`, taking the relation
    diagrams from the Playbill site beside it; returns how many entities."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(THEMES, folder / "themes")
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    for theme, text in THEME_CONFIG.items():
        (folder / f"{theme}.toml").write_text(f'theme = "{theme}"\n{text}', encoding="utf-8")
    site = catalog_json.parent
    entities = json.loads(catalog_json.read_text(encoding="utf-8"))["entities"]
    known = {_ref(entity): _target(entity) for entity in entities}
    for entity, fields in zip(entities, _fields(entities, known)):
        page = _url_of(_ref(entity))
        fields.update(_from_playbill(site / page))
        for content, text in (("content", _content(entity, fields)),
                              ("content-floor", _floor_content(entity))):
            path = folder / content / page.replace(".html", ".md")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return len(entities)


def build(folder: Path, theme: str = PAGE) -> tuple[Measured, int]:
    """Time `hugo` building `folder` with `theme` into `folder/public-<theme>` from
    scratch; the run and how many HTML pages it wrote."""
    folder = folder.resolve()
    public = folder / f"public-{theme}"
    shutil.rmtree(public, ignore_errors=True)
    program = hugo_program() or "hugo"
    run = measure([program, "--source", str(folder), "--destination", str(public),
                   "--config", f"config.toml,{theme}.toml",
                   "--cacheDir", str(folder / ".cache"), "--quiet"], cwd=folder)
    if run.returncode != 0:
        print(f"hugo failed ({run.returncode}): {run.stderr.strip()[:2000]}", file=sys.stderr)
    pages = sum(1 for _ in public.rglob("*.html")) if public.is_dir() else 0
    return run, pages


def entity_page_bytes(site: Path) -> int:
    """Bytes of every entity page under `site` (Playbill's or Hugo's): how alike the two
    sites' pages are in size."""
    return sum(path.stat().st_size for path in (site / "entity").rglob("*.html"))


def _content(entity: dict[str, Any], fields: dict[str, Any], body: str = "") -> str:
    """JSON front matter (Hugo reads a file starting with `{` as such), then `body`, as
    Markdown. The page shows the description as text, as Playbill does; the floor shows
    it as its Markdown body."""
    metadata = entity["metadata"]
    # Hugo gives `type`, `kind` and `tags` meanings of its own: the fields go one level
    # down. Hugo lower-cases front matter keys, so every key is lower case already.
    front = {"title": metadata.get("title") or metadata["name"],
             "entitykind": entity["kind"], "entity": fields}
    return json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + body + "\n"


def _floor_content(entity: dict[str, Any]) -> str:
    """The floor's own, smaller content file: only what its layout shows, so that it
    times the same work as before the page reference existed."""
    metadata, spec = entity["metadata"], entity.get("spec") or {}
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for relation in entity.get("relations", []):
        target = relation["targetRef"]
        grouped[relation["type"]].append({"ref": target, "url": _url_of(target)})
    fields = {
        "ref": _ref(entity),
        "kind": entity["kind"],
        **{key: str(spec[key]) for key in ("type", "owner", "lifecycle", "system")
           if key in spec},
        "tags": metadata.get("tags", []),
        "links": [{"url": link["url"], "title": link.get("title") or link["url"]}
                  for link in metadata.get("links", [])],
        "relations": [{"type": kind, "targets": targets} for kind, targets in grouped.items()],
    }
    return _content(entity, fields, metadata.get("description") or "")


def _fields(entities: list[dict[str, Any]], known: dict[str, dict[str, str]]
            ) -> Iterator[dict[str, Any]]:
    """What each entity's page shows, in the order of `entities`."""
    edges = {_ref(entity): _edges(entity) for entity in entities}
    for entity in entities:
        ref, metadata, spec = _ref(entity), entity["metadata"], entity.get("spec") or {}
        grouped = edges[ref]
        fields: dict[str, Any] = {
            "ref": ref, "kind": entity["kind"], "name": metadata["name"],
            "namespace": metadata.get("namespace", "default"),
            **{key: str(spec[key]) for key in ("type", "lifecycle", "owner", "system")
               if key in spec},
            "description": metadata.get("description", ""),
            "tags": metadata.get("tags", []),
            "links": [{"url": link["url"], "title": link.get("title") or link["url"],
                       "type": link.get("type", "")} for link in metadata.get("links", [])],
            "relations": _relations(grouped, known),
            "annotations": [{"key": key, "value": str(value)} for key, value
                            in sorted((metadata.get("annotations") or {}).items())],
            "source": str((metadata.get("annotations") or {}).get(
                "backstage.io/managed-by-location", "")).removeprefix("file:"),
            "profile": {key.lower(): value for key, value in (spec.get("profile") or {}).items()},
        }
        if grouped.get("ownedBy"):
            fields["ownerlink"] = _link(grouped["ownedBy"][0], known)
        # A subcomponent is partOf its component too; the page's System is its system.
        systems = [ref for ref in grouped.get("partOf", ())
                   if ref.startswith(("system:", "domain:"))]
        if systems:
            fields["systemlink"] = _link(systems[0], known)
        if entity["kind"] == "API":
            fields["definition"] = str(spec.get("definition", ""))
        if entity["kind"] == "Group":
            fields.update(_group(ref, edges, known))
        yield fields


def _edges(entity: dict[str, Any]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for relation in entity.get("relations", []):
        grouped[relation["type"]].append(relation["targetRef"])
    return {kind: sorted(targets) for kind, targets in grouped.items()}


def _relations(grouped: dict[str, list[str]], known: dict[str, dict[str, str]]
               ) -> list[dict[str, Any]]:
    """Relations by type in Playbill's order, each list capped as Playbill caps it. A
    list, not a map: Hugo lower-cases map keys (ownedBy would show as ownedby)."""
    order = RELATION_ORDER + sorted(set(grouped) - set(RELATION_ORDER))
    return [{"type": kind, "label": RELATION_LABELS.get(kind, kind),
             **_capped(grouped[kind], known)} for kind in order if kind in grouped]


def _group(ref: str, edges: dict[str, dict[str, list[str]]],
           known: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A group's parent chain and what its sub-groups own that it does not."""
    parents, seen, current = [], {ref}, ref
    while (up := edges.get(current, {}).get("childOf")) and up[0] not in seen:
        current = up[0]
        seen.add(current)
        parents.append(_link(current, known))
    below, todo = {ref}, [ref]
    while todo:
        for child in edges.get(todo.pop(), {}).get("parentOf", ()):
            if child not in below:
                below.add(child)
                todo.append(child)
    direct = set(edges[ref].get("ownerOf", ()))
    through = sorted({(owned, group) for group in below - {ref}
                      for owned in edges.get(group, {}).get("ownerOf", ())
                      if owned not in direct})
    return {"parents": parents, "ownedthroughtotal": len(through),
            "ownedthrough": [{"entity": _link(owned, known), "owner": _link(group, known)}
                             for owned, group in through[:LIST_LIMIT]]}


def _capped(refs: list[str], known: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {"targets": [_link(ref, known) for ref in refs[:LIST_LIMIT]],
            "more": max(0, len(refs) - LIST_LIMIT)}


def _link(ref: str, known: dict[str, dict[str, str]]) -> dict[str, str]:
    if ref in known:
        return known[ref]
    kind, _, rest = ref.partition(":")
    return {"ref": ref, "kind": kind.capitalize(), "title": rest.partition("/")[2] or ref,
            "url": _url_of(ref)}


def _target(entity: dict[str, Any]) -> dict[str, str]:
    metadata = entity["metadata"]
    return {"ref": _ref(entity), "kind": entity["kind"],
            "title": metadata.get("title") or metadata["name"], "url": _page_path(entity)}


def _from_playbill(page: Path) -> dict[str, str]:
    """From Playbill's page: the relation diagram (`figure`) and a system's or domain's own
    diagram (`systemfigure`) as Playbill drew them, and where its docs are (`docs`)."""
    if not page.is_file():
        return {}
    text = page.read_text(encoding="utf-8")
    found = {"systemfigure" if match[1] == "system" else "figure": match[0]
             for match in FIGURE.finditer(text)}
    if docs := DOCS_LINK.search(text):
        found["docs"] = docs[1]
    return found


def _ref(entity: dict[str, Any]) -> str:
    metadata = entity["metadata"]
    return (f"{entity['kind']}:{metadata.get('namespace', 'default')}/"
            f"{metadata['name']}").lower()


def _page_path(entity: dict[str, Any]) -> str:
    return _url_of(_ref(entity))


def _url_of(ref: str) -> str:
    """Playbill's page path for a ref `kind:namespace/name` (synthetic names need no
    escaping)."""
    kind, _, rest = ref.lower().partition(":")
    namespace, _, name = rest.partition("/")
    return f"entity/{namespace}/{kind}/{name}.html"
