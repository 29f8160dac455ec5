"""Writing pages: one HTML file per entity plus the site-wide pages.

Entity pages are the bulk of a build, so big catalogs spread them over processes (see
`processes`), each rendering whole chunks with its own copy of the Jinja environment;
every page depends only on the catalog, so the bytes are the same whichever process
writes them.
A page whose key (see `reuse` and `reads`) is the one in the previous site's manifest is
linked from there instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import jinja2

from generator.model.catalog import Catalog
from generator.model.entity import Entity
from generator.model.problem import Problem, warning
from generator.render import apis, kubernetes, reuse
from generator.render.context import entity_context
from generator.render.reads import Digests, ReadLog, Recorded, page_key
from generator.render.scaffolded import ScaffoldIndex, scaffold_index
from generator.render.templates import make_environment
from generator.site_paths import definition_url, entity_url, site_file
from generator.status.snapshot import Snapshot

@dataclass(frozen=True)
class PageJob:
    """Everything a (possibly forked) worker needs to render entity pages."""

    catalog: Catalog
    out_dir: Path
    templates: Path | None
    strict: bool
    depth: int
    site: dict[str, Any]
    existing: frozenset[str] = field(default_factory=frozenset)
    #: What was made from each template, read from the catalog once, before any fork.
    scaffolded: ScaffoldIndex | None = None
    #: The status stage's snapshot, for the Kubernetes tab (None: no clusters configured).
    status: Snapshot | None = None
    #: The previous site and what it recorded of its pages, to reuse pages from (see `reuse`).
    previous: Path | None = None
    manifest: reuse.Manifest = field(default_factory=reuse.Manifest)
    #: `reuse.code_fingerprint` of this build ("" : no fingerprints, nothing reused).
    code: str = ""

    def __post_init__(self) -> None:
        if self.scaffolded is None:
            object.__setattr__(self, "scaffolded", scaffold_index(self.catalog))


@dataclass
class Written:
    """Counts of what a chunk (or the whole build) wrote, and the pages it could not."""

    pages: int = 0
    downloads: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: Pages taken from the previous site, and each written page's key, the refs its
    #: template asked `has_page` about and the refs its context read (see `reads`).
    reused: int = 0
    keys: dict[str, str] = field(default_factory=dict)
    asked: dict[str, list[str]] = field(default_factory=dict)
    reads: dict[str, list[str]] = field(default_factory=dict)

    def record(self, url: str, key: str, read: list[str], asked: list[str],
               reused: bool = False) -> None:
        """A page written (or `reused`), with its key and what it read and asked."""
        self.pages += 1
        self.reused += reused
        self.keys[url] = key
        self.reads[url] = read
        if asked:
            self.asked[url] = asked

    @classmethod
    def merged(cls, parts: Iterable["Written"]) -> "Written":
        """All of `parts`, in their order."""
        total = cls()
        for part in parts:
            total.pages += part.pages
            total.downloads += part.downloads
            total.problems += part.problems
            total.reused += part.reused
            total.keys.update(part.keys)
            total.asked.update(part.asked)
            total.reads.update(part.reads)
        return total

    @property
    def manifest(self) -> reuse.Manifest:
        return reuse.Manifest(self.keys, self.asked, self.reads)


_ENV: tuple[PageJob, jinja2.Environment] | None = None


def environment(job: PageJob) -> jinja2.Environment:
    """The environment for `job`, built on first use (and again for another job, which
    may name other templates). Forked workers inherit their parent's, with the templates
    it compiled: each is the worker's own copy from then on."""
    global _ENV
    if _ENV is None or _ENV[0] is not job:
        _ENV = (job, make_environment(job.templates, job.strict, job.existing))
    return _ENV[1]


def render_chunk_with(job: PageJob, refs: list[str]) -> Written:
    """Write the pages of `refs` in this process: each linked from the previous site when
    nothing it read has changed (see `reads`), else rendered."""
    _FOLDERS.clear()  # another build may have used (and removed) the same folders
    shared = entity_site(job.site)  # the same for every page but its docs link: hashed once
    code = f"{job.code}\0{reuse.fingerprint('', shared)}" if job.code else ""
    out = str(job.out_dir)  # paths as text: a pathlib join a page cost more than its link
    written = Written()
    for ref in refs:
        entity = job.catalog.entities[ref]
        url = entity_url(ref)
        rel = site_file(url)
        if rel is None:
            written.problems.append(_bad_path(entity))
            continue
        download = _definition_file(out, entity)
        page = _Page(entity, url, rel, f"{out}/{rel}", download,
                     download and f"{out}/{download}",
                     _docs_link(job.site, str(entity.ref)),
                     kubernetes.entity_view(job.status, entity))
        given = _given(code, job, page) if code else None
        if given is None or not _reuse(job, page, given, written):
            _render(job, page, {**shared, "docs": page.docs}, given, written)
        written.downloads += page.download is not None
    return written


@dataclass(frozen=True)
class _Page:
    """One entity page: where it goes (from the site root, and in this build's folder),
    its API download (likewise), and what it is given besides the catalog."""

    entity: Entity
    url: str
    rel: str
    target: str
    download_rel: str | None
    download: str | None
    docs: dict[str, str]
    kubernetes: Any


def _given(code: str, job: PageJob, page: _Page) -> str | None:
    """What a page is given besides the catalog, hashed: the code and site values, its
    docs link, its Kubernetes view and, for a template, what was made from it."""
    made = (job.scaffolded or {}).get(str(page.entity.ref), ())
    return reuse.fingerprint(code, [page.docs, page.kubernetes, made])


def _reuse(job: PageJob, page: _Page, given: str, written: Written) -> bool:
    """Link the page from the previous site if what it read last time is unchanged."""
    read = job.manifest.reads.get(page.url)
    if read is None:
        return False
    asked = job.manifest.asked.get(page.url, [])
    answers = environment(job).globals["has_page"].answers(asked)
    key = reuse.with_answers(page_key(given, read, _digests(job)), answers)
    if not _reused(job, key, page):
        return False
    written.record(page.url, key, read, asked, reused=True)
    return True


def _render(job: PageJob, page: _Page, site: dict[str, Any], given: str | None,
            written: Written) -> None:
    """Build the page's context from a catalog that notes what it reads, and render it."""
    env = environment(job)
    queries = env.globals["has_page"]
    log = ReadLog()
    log.note(str(page.entity.ref))
    context = entity_context(Recorded(job.catalog, log), page.entity, job.depth,
                             job.scaffolded)
    context["has_download"] = page.download is not None
    context["kubernetes"] = page.kubernetes
    if page.download is not None:
        write_file(page.download, context["api"].raw.encode("utf-8"))
    queries.asked.clear()
    write_page(env.get_template("entity.html"), page.target,
               page_context(page.url, page.entity.title, site, context))
    if given is None:
        written.pages += 1
        return
    key = reuse.with_answers(page_key(given, log.refs, _digests(job)), queries.asked)
    written.record(page.url, key, sorted(log.refs), sorted(queries.asked))


_DIGESTS: tuple[PageJob, Digests] | None = None


def _digests(job: PageJob) -> Digests:
    """The digests of `job`'s catalog (each made once, when first needed). Told apart by
    job alone: a worker that inherits its parent's has digests of the same catalog."""
    global _DIGESTS
    if _DIGESTS is None or _DIGESTS[0] is not job:
        _DIGESTS = (job, Digests(job.catalog))
    return _DIGESTS[1]


def entity_site(site: dict[str, Any], ref: str | None = None) -> dict[str, Any]:
    """The site values an entity page is given: the sources without their commits and
    only this entity's docs link, so that a commit or a docs site elsewhere does not
    change the page (and a warm build can reuse it)."""
    return {**site, "sources": [{"name": s["name"], "branch": s["branch"]}
                                for s in site.get("sources", ())],
            "docs": _docs_link(site, ref)}


def _docs_link(site: dict[str, Any], ref: str | None) -> dict[str, str]:
    docs = site.get("docs") or {}
    return {ref: docs[ref]} if ref in docs else {}


def _reused(job: PageJob, key: str, page: _Page) -> bool:
    """Link the page (and its API download) from the previous site when its fingerprint
    is the one the previous site recorded for it."""
    if job.previous is None or job.manifest.pages.get(page.url) != key:
        return False
    previous = str(job.previous)
    _make_folder(os.path.dirname(page.target))
    if not reuse.reuse_file(f"{previous}/{page.rel}", page.target):
        return False
    if page.download is None:
        return True
    if reuse.reuse_file(f"{previous}/{page.download_rel}", page.download):
        return True
    os.unlink(page.target)  # the page stays, but is rendered again with its download
    return False


#: Folders this process made in the current chunk: a page's folder is shared by thousands.
_FOLDERS: set[str] = set()


def _make_folder(folder: str) -> None:
    if folder not in _FOLDERS:
        os.makedirs(folder, exist_ok=True)
        _FOLDERS.add(folder)


def write_page(template: jinja2.Template, target: Path | str, context: dict[str, Any]
               ) -> None:
    _make_folder(os.path.dirname(target))
    write_file(target, template.render(context).encode("utf-8"))


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def write_file(target: Path | str, data: bytes) -> None:
    """`target.write_bytes(data)` in three system calls (open, write, close) where Python's
    buffered file adds three more (fstat, ioctl, lseek): a build writes a file per page."""
    fd = os.open(target, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def page_context(path: str, title: str, site: dict[str, Any], extra: dict[str, Any]) -> dict:
    """The context every page has: `root` (the way back to the site root from `path`),
    `page_title`, `page_path` and the site-wide `site` values."""
    root = "../" * path.count("/")
    return {**extra, "root": root, "page_title": title, "page_path": path, "site": site}


def _definition_file(out: str, entity: Entity) -> str | None:
    """Where an API's raw definition goes beside its page, for download, from the site
    root (its folder in `out` made); None when there is none. The page links it as
    `context.definition_url`."""
    view = apis.describe(entity, deferred=True)
    if view is None or not view.raw:
        return None
    rel = site_file(definition_url(entity.namespace, view.download_name))
    if rel is not None:
        _make_folder(os.path.dirname(f"{out}/{rel}"))
    return rel


def _bad_path(entity: Entity) -> Problem:
    return warning(
        "page-path", f"No page for {entity.ref}: its name cannot be a file name",
        hint="Use letters, digits and -_. in names", file=entity.file, line=entity.line,
        entity=str(entity.ref))
