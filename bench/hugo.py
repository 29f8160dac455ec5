"""The reference floor: Hugo rendering the same entity pages Playbill renders.

From the `catalog.json` a Playbill build exports, `write_site` makes a Hugo project with
one content file per entity holding the same fields (kind, title, type, owner,
lifecycle, system, tags, links, description) and its relations, and one layout that shows
them: a shared page shell (header, navigation, footer), the fields, the description as
Markdown, and every relation grouped by type as a relative link to the target's page, at
the same path as Playbill's page (`entity/<namespace>/<kind>/<name>.html`). Plus a home
page counting entities by kind. That is the work every entity page shares; what only
Playbill does (relation diagrams, API definitions, problems, catalog table, search index)
is left out, so Hugo's time is a floor, not a like-for-like total. Relations are grouped
by type when the content is written, which spares Hugo's templates the grouping Playbill
does in Python. Taxonomies, section lists, RSS, sitemap and 404 pages are switched off,
so Hugo writes one page per entity and the home page.

Hugo comes from the Debian package `hugo` (`bench/setup` installs it); without it the
benchmark runs anyway and says that the reference is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.measure import Measured, measure

CONFIG = """\
baseURL = "https://portal.invalid/"
title = "Playbill reference"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "section"]
uglyURLs = true
relativeURLs = true
"""
BASE = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="stylesheet" href="{{ "assets/style.css" | relURL }}"></head>
<body>
<header><a href="{{ "index.html" | relURL }}">{{ .Site.Title }}</a>
<nav><a href="{{ "catalog.html" | relURL }}">Catalog</a> <a href="{{ "health.html" | relURL }}">Health</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>Built from the catalog.</footer>
</body>
</html>
"""
SINGLE = """\
{{ define "main" }}
{{ $e := .Params.entity }}
<article class="entity" data-entity-ref="{{ $e.ref }}">
<h1>{{ .Title }} <span class="kind">{{ $e.kind }}</span></h1>
<dl>
{{ range $field := slice "type" "owner" "lifecycle" "system" }}{{ with index $e $field }}<dt>{{ $field }}</dt><dd>{{ . }}</dd>{{ end }}{{ end }}
</dl>
{{ with $e.tags }}<ul class="tags">{{ range . }}<li>{{ . }}</li>{{ end }}</ul>{{ end }}
<section class="description">{{ .Content }}</section>
{{ with $e.links }}<section><h2>Links</h2><ul>{{ range . }}<li><a href="{{ .url }}">{{ .title }}</a></li>{{ end }}</ul></section>{{ end }}
{{ with $e.relations }}<section><h2>Relations</h2>
{{ range . }}<h3>{{ .type }}</h3><ul>{{ range .targets }}<li><a href="{{ .url | relURL }}">{{ .ref }}</a></li>{{ end }}</ul>{{ end }}
</section>{{ end }}
</article>
{{ end }}
"""
HOME = """\
{{ define "main" }}
<h1>{{ .Site.Title }}</h1>
<ul>{{ range .Site.RegularPages.GroupByParam "entitykind" }}<li>{{ .Key }}: {{ len .Pages }}</li>{{ end }}</ul>
{{ end }}
"""


def hugo_program() -> str | None:
    """The `hugo` on PATH, or None."""
    return shutil.which("hugo")


def hugo_version(program: str) -> str:
    """`hugo version`'s first words, e.g. `hugo v0.111.3+extended linux/amd64`."""
    done = subprocess.run([program, "version"], capture_output=True, text=True, check=False)
    return " ".join(done.stdout.split()[:3])


def write_site(catalog_json: Path, folder: Path) -> int:
    """A Hugo project in `folder` for every entity of `catalog_json`; returns how many."""
    shutil.rmtree(folder, ignore_errors=True)
    layouts = folder / "layouts"
    (layouts / "_default").mkdir(parents=True)
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    (layouts / "_default" / "baseof.html").write_text(BASE, encoding="utf-8")
    (layouts / "_default" / "single.html").write_text(SINGLE, encoding="utf-8")
    (layouts / "index.html").write_text(HOME, encoding="utf-8")
    entities = json.loads(catalog_json.read_text(encoding="utf-8"))["entities"]
    for entity in entities:
        path = folder / "content" / _page_path(entity).replace(".html", ".md")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_content(entity), encoding="utf-8")
    return len(entities)


def build(folder: Path) -> tuple[Measured, int]:
    """Time `hugo` building `folder` into `folder/public` from scratch; the run and how
    many HTML pages it wrote."""
    public = folder / "public"
    shutil.rmtree(public, ignore_errors=True)
    program = hugo_program() or "hugo"
    run = measure([program, "--source", str(folder), "--destination", str(public),
                   "--cacheDir", str(folder / ".cache"), "--quiet"], cwd=folder)
    if run.returncode != 0:
        print(f"hugo failed ({run.returncode}): {run.stderr.strip()[:2000]}", file=sys.stderr)
    pages = sum(1 for _ in public.rglob("*.html")) if public.is_dir() else 0
    return run, pages


def _content(entity: dict[str, Any]) -> str:
    """JSON front matter (Hugo reads a file starting with `{` as such), then the
    description as the Markdown body."""
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
        # A list, not a map: Hugo lower-cases map keys (ownedBy would show as ownedby).
        "relations": [{"type": kind, "targets": targets} for kind, targets in grouped.items()],
    }
    # Hugo gives `type`, `kind` and `tags` meanings of its own: the fields go one level down.
    front = {"title": metadata.get("title") or metadata["name"],
             "entitykind": entity["kind"], "entity": fields}
    return json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + (
        metadata.get("description") or "") + "\n"


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
