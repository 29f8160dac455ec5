"""The build, stage by stage. Each stage takes the previous one's output and returns its own."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from generator import graph, kept, load, search, validate
from generator.load.cache import LoadCache
from generator.model.catalog import Catalog
from generator.model.document import Document
from generator.model.problem import Problem
from generator.model.source import SourceTree
from generator.model.values import collector_paused, settle
from generator.progress import Finished, OnProgress
from generator.render import RenderOptions, RenderResult, render_site
from generator.render.output import staged_site
from generator.scaffold import checks as scaffold_checks
from generator.search import SearchIndexResult
from generator.status.snapshot import STATUS_FILE, Snapshot

if TYPE_CHECKING:
    from generator.docs import DocsBuilt, DocsOptions
    from generator.docs.publish import Published


def read_catalog(trees: Sequence[SourceTree], problems: Sequence[Problem] = (),
                 cache_dir: Path | None = None, on_progress: OnProgress | None = None
                 ) -> Catalog:
    """load -> validate -> graph: every entity of the given trees, related, with all problems.

    `problems` are those found before loading (sources that could not be fetched), so that
    every report lists them beside the catalog's own. Software Templates are checked too
    (forms, actions, expressions, skeletons), which Backstage leaves until a template runs.
    With `cache_dir`, files parsed by an earlier build are not parsed again (see
    `generator.load.cache`), nor documents it found valid checked again (`_validate`);
    `on_progress` hears how the load and validation go.
    """
    # One pause of the cycle collector around all three stages, not one each: every
    # resume sweeps all the objects made meanwhile (~0.1 s per stage for 10k entities);
    # and none at the end, since they are settled before it resumes.
    with collector_paused():
        loaded = _load(trees, cache_dir, on_progress)
        validated = _validate(loaded.documents, cache_dir, on_progress)
        related = graph.build_graph(validated.entities)
        templates = scaffold_checks.catalog_problems(validated.entities)
        everything = [*problems, *loaded.problems, *validated.problems, *related.problems,
                      *templates]
        problems = sorted(everything, key=lambda p: p.sort_key())
        catalog = Catalog.create(validated.entities, related.graph, problems, trees)
        settle()  # the catalog outlives the build's other stages
    return catalog


def _load(trees: Sequence[SourceTree], cache_dir: Path | None,
          on_progress: OnProgress | None) -> load.LoadResult:
    """The load stage, through the load cache in `cache_dir` when given."""
    cache = LoadCache.open(cache_dir) if cache_dir is not None else None
    loaded = load.load_catalog(trees, cache, on_progress)
    if cache is not None:
        cache.save()
    if on_progress is not None:
        summary = (f"{len(loaded.documents):,} documents from {len(trees):,} source"
                   f"{'s' if len(trees) != 1 else ''}")
        if cache is not None:
            summary += "; " + loaded.reuse.summary()
        on_progress(Finished("load", summary))
    return loaded


#: Beside the load cache: the digests of the documents the last build found valid.
VALID_FILE = "valid.marshal"


def _validate(documents: Sequence[Document], cache_dir: Path | None,
              on_progress: OnProgress | None) -> validate.ValidationResult:
    """The validate stage, trusting what the last build found valid when `cache_dir` is
    given. Kept under a key of the code that validates: the `generator.model` package and
    the stage itself."""
    if cache_dir is None:
        return validate.validate(documents, on_progress)
    path, key = cache_dir / VALID_FILE, kept.code_key(_validating_code())
    known = (kept.read(path, key) or {}).get("valid")
    known = known if isinstance(known, frozenset) else frozenset()
    validated = validate.validate(documents, on_progress, known_valid=known)
    if validated.valid != known:
        kept.write(path, key, {"valid": frozenset(validated.valid)})
    return validated


def _validating_code() -> list[Path]:
    model = Path(validate.__file__).parent / "model"
    return [Path(validate.__file__), *sorted(model.rglob("*.py"))]


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
