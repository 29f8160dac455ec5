"""The render stage: the catalog as a static HTML site (Jinja2 templates in site_templates/).

    result = render_site(catalog, out_dir, RenderOptions(title="Acme portal"))

writes every page, the assets and the exports into `out_dir`. Links are relative, so the
folder works from any static host and from `file://`. `generator.build.build_site` wraps
this in a staged folder that replaces the old site only when the whole build succeeded,
and passes the old site as `previous`: entity pages whose inputs did not change are
linked from it instead of rendered (`reuse`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from generator import __version__
from generator.model.catalog import Catalog
from generator.model.problem import Problem
from generator.progress import OnProgress, Step
from generator.render import exports, kubernetes, overview, pages, processes, reuse
from generator.render.recent import recently_changed
from generator.render.output import MARKER
from generator.site_paths import BUILTIN_TEMPLATES, template_folders
from generator.status.snapshot import Snapshot

#: The site-wide pages: (template, output path from the site root, page title).
SITE_PAGES = [
    ("home.html", "index.html", "Home"),
    ("catalog.html", "catalog.html", "Catalog"),
    ("health.html", "health.html", "Catalog health"),
]
#: Written only when Kubernetes clusters are configured.
KUBERNETES_PAGE = "kubernetes.html"


@dataclass(frozen=True)
class RenderOptions:
    """How the site is rendered. `templates` is the user's override folder (searched before
    ours); `graph_depth` how many relation steps an entity's diagram shows; `workers` forces
    the number of processes (None: decided by catalog size); `strict` makes an undefined
    template variable an error instead of an empty string."""

    title: str = "Playbill"
    templates: Path | None = None
    graph_depth: int = 1
    workers: int | None = None
    strict: bool = False
    recent: int = 10
    #: Entity ref -> its docs page (from the site root), from the docs stage.
    docs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderResult:
    """What was written: files (pages, downloads, exports, assets) and render problems."""

    pages: int
    files: int
    workers: int
    problems: list[Problem] = field(default_factory=list)
    #: Entity pages taken unchanged from the previous site (included in `pages`).
    reused: int = 0
    #: What each piece of the `alongside` work returned, in order.
    alongside: tuple[Any, ...] = ()


def render_site(catalog: Catalog, out_dir: Path, options: RenderOptions = RenderOptions(),
                status: Snapshot | None = None, previous: Path | None = None,
                alongside: Sequence[Callable[[], Any]] = (),
                on_progress: OnProgress | None = None) -> RenderResult:
    """Write the whole site into `out_dir` (created if missing). `status`, when clusters
    are configured, adds a Kubernetes tab to entity pages and a Kubernetes health page.
    `previous` is the last site built (ignored unless Playbill wrote it), to reuse
    unchanged entity pages from; site-wide pages are always rendered.

    `alongside` is work that needs none of this stage's output (another stage's), each
    piece done like the site-wide pages by whichever process is free while entity pages
    render; the result's `alongside` is what each returned. `on_progress` hears how many
    entity pages are done (`Step`s of the "render" stage) now and then."""
    out_dir.mkdir(parents=True, exist_ok=True)
    job = page_job(catalog, out_dir, options, status, previous)
    workers = processes.worker_count(options.workers, len(catalog.entities))

    def site_wide() -> dict[str, int]:
        rows = exports.table_rows(catalog)  # the catalog page's filters and its data file
        return {"pages": _write_site_pages(catalog, job, options, rows),
                "data": len(exports.write_exports(catalog, out_dir, rows))}

    # Before any other work, whose files (lunr.js) may go into assets/ too.
    assets = copy_assets(out_dir, options.templates)
    total = len(catalog.entities)
    on_pages = ((lambda count: on_progress(Step("render", count, total)))
                if on_progress is not None else None)
    written, done = processes.write_entity_pages(job, workers, [site_wide, *alongside],
                                                 on_pages)
    counts = {**done[0], "assets": assets}
    reuse.write_manifest(out_dir, written.manifest)
    return RenderResult(
        pages=written.pages + counts["pages"],
        files=written.pages + written.downloads + sum(counts.values()),
        workers=workers,
        problems=written.problems,
        reused=written.reused,
        alongside=tuple(done[1:]),
    )


def page_job(catalog: Catalog, out_dir: Path, options: RenderOptions = RenderOptions(),
             status: Snapshot | None = None, previous: Path | None = None) -> pages.PageJob:
    """What the entity pages of `catalog` are written with, into `out_dir`; `previous` is
    the site to reuse unchanged pages from (ignored unless Playbill wrote it)."""
    if previous is not None and not (previous / MARKER).is_file():
        previous = None
    code = reuse.code_fingerprint(template_folders(options.templates),
                                  {"depth": options.graph_depth, "strict": options.strict})
    return pages.PageJob(catalog, out_dir, options.templates, options.strict,
                         options.graph_depth, site_values(catalog, options, status),
                         frozenset(catalog.entities), status=status, previous=previous,
                         manifest=reuse.read_manifest(previous), code=code)


def site_values(catalog: Catalog, options: RenderOptions, status: Snapshot | None = None
                ) -> dict[str, Any]:
    """What every page's header and footer show: title, version and source commits, and
    whether there is a Kubernetes health page to link to."""
    sources = [{"name": tree.name, "commit": tree.commit or "", "branch": tree.branch or ""}
               for tree in catalog.trees]
    return {"title": options.title, "version": __version__,
            "sources": sorted(sources, key=lambda s: (s["name"], s["commit"])),
            "kubernetes": bool(status and status.clusters),
            "docs": options.docs}


def copy_assets(out_dir: Path, user_folder: Path | None) -> int:
    """Copy `assets/` from our templates, then from the user's folder over them."""
    target = out_dir / "assets"
    copied: set[Path] = set()
    for folder in (BUILTIN_TEMPLATES, user_folder):
        source = folder / "assets" if folder else None
        if source is None or not source.is_dir():
            continue
        for path in sorted(source.rglob("*")):
            if path.is_file():
                rel = path.relative_to(source)
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target / rel)
                copied.add(rel)
    return len(copied)


def _write_site_pages(catalog: Catalog, job: pages.PageJob, options: RenderOptions,
                      rows: list[list[Any]]) -> int:
    env = pages.environment(job)
    contexts = {
        "index.html": overview.home_context(catalog, recently_changed(catalog, options.recent)),
        "catalog.html": overview.catalog_context(catalog, rows),
        "health.html": overview.health_context(catalog),
    }
    for template, path, title in SITE_PAGES:
        context = pages.page_context(path, title, job.site, contexts[path])
        pages.write_page(env.get_template(template), job.out_dir / path, context)
    if not job.site["kubernetes"]:
        return len(SITE_PAGES)
    path = KUBERNETES_PAGE
    context = pages.page_context(path, "Kubernetes health", job.site,
                                 kubernetes.health_context(catalog, job.status))
    pages.write_page(env.get_template("kubernetes.html"), job.out_dir / path, context)
    return len(SITE_PAGES) + 1
