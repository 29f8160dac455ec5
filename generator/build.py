"""The site's build: docs -> render -> search, from a catalog `generator.read` made.
Each stage takes the previous one's output and returns its own."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from generator import search
from generator.model.catalog import Catalog
from generator.model.problem import Problem
from generator.progress import OnProgress
from generator.render import RenderOptions, RenderResult, render_site
from generator.render.output import staged_site
from generator.search import SearchIndexResult
from generator.status.snapshot import STATUS_FILE, Snapshot

if TYPE_CHECKING:
    from generator.docs import DocsBuilt, DocsOptions
    from generator.docs.publish import Published


@dataclass(frozen=True)
class SiteResult:
    """What `build_site` wrote: the render stage's result and the search index's."""

    site_dir: Path
    render: RenderResult
    search: SearchIndexResult
    docs: "DocsBuilt | None" = None
    docs_published: "Published | None" = None

    @property
    def problems(self) -> list[Problem]:
        docs = list(self.docs.problems) if self.docs else []
        return [*self.render.problems, *self.search.problems, *docs]


def build_site(catalog: Catalog, site_dir: Path, options: RenderOptions = RenderOptions(),
               status: Snapshot | None = None, docs_options: "DocsOptions | None" = None,
               on_progress: OnProgress | None = None) -> SiteResult:
    """docs -> render -> search (written while pages render, see `render_site`), into a
    staged folder that replaces `site_dir` only when all succeed. Raises SiteDirError
    (before writing anything) when `site_dir` holds something Playbill did not write.
    `status` (the status stage's snapshot) is written beside the pages as status.json, the
    one file of the site that carries the build's time. Without `docs_options`, no docs
    are built. `on_progress` hears how the docs and the pages go."""
    built = None
    rows: list = []
    if docs_options is not None:
        from generator.docs import build_docs
        from generator.docs.publish import publish, search_rows

        built = build_docs(catalog, docs_options, on_progress=on_progress)
        # Docs problems show on their entity's page and the Health page like any other.
        catalog = Catalog.create(catalog.entities.values(), catalog.graph,
                                 [*catalog.problems, *built.problems], catalog.trees)
        options = replace(options, docs=built.links)
        rows = search_rows(catalog, built)
    with staged_site(site_dir) as staging:
        # The search index needs the catalog only, and publishing docs only what the docs
        # stage built: both are done while pages render, each by the render process that
        # takes it (the index's shards one after another: the render's other processes
        # are busy, and forking beside the render's pool threads is not safe).
        index = partial(search.write_index, catalog, staging, workers=1, extra_rows=rows,
                        previous=site_dir)
        docs = [partial(publish, built, staging)] if built is not None else []
        rendered = render_site(catalog, staging, options, status, previous=site_dir,
                               alongside=[*docs, index], on_progress=on_progress)
        *published_docs, indexed = rendered.alongside
        published = published_docs[0] if published_docs else None
        if status is not None:
            (staging / STATUS_FILE).write_text(status.to_json(), encoding="utf-8")
    return SiteResult(site_dir, rendered, indexed, built, published)
