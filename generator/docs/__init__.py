"""The docs stage: every entity's TechDocs, built with MkDocs and published in the portal.

    built = build_docs(catalog, DocsOptions(cache_dir=Path(".playbill/docs-cache")))
    published = publish(built, site_dir)      # docs/<namespace>/<kind>/<name>/...

`build_docs` finds each entity's docs project (`refs.py`), prepares a safe MkDocs config
(`mkdocsconfig.py`), and builds the sites that changed into the cache (`sitebuild.py`),
two at a time on a two-core machine. A site is rebuilt only when the hash of its inputs
changes: the files of its project folder, the sanitised config, what its header shows,
and the versions of Playbill, MkDocs and mkdocs-material. The cache folder survives
between runs (a CI workflow caches it). `publish` copies the sites into the portal with
mkdocs-material's assets stored once for all of them, and gives the search stage one
document per page. One failing site is a problem, never a failed portal build: its URL
gets a page saying what went wrong, so no link in the portal is dead.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import shutil
import multiprocessing
import time
import weakref
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from generator import __version__
from generator.docs import refs, sitebuild
from generator.docs.mkdocsconfig import Allow, missing_programs, prepare
from generator.docs.refs import DocsSource, docs_url
from generator.model.catalog import Catalog
from generator.model.problem import Problem, Severity
from generator.progress import OnProgress, Step
from generator.site_paths import entity_url, template_folders

DEFAULT_CACHE_DIR = ".playbill/docs-cache"
CACHE_FORMAT = 1
#: Folders whose files never change a site: hidden ones (.git, .venv, and .playbill, where
#: a portal built from its own repository keeps this very cache) and build outputs.
SKIPPED_FOLDERS = {"node_modules", "site", "_site", "__pycache__"}


@dataclass(frozen=True)
class DocsOptions:
    """Where built sites are cached, what the configs may use beyond the allowlists,
    the user's template folder (for docs-header.html) and how many processes build."""

    cache_dir: Path = Path(DEFAULT_CACHE_DIR)
    allow: Allow = Allow()
    templates: Path | None = None
    workers: int | None = None


@dataclass(frozen=True)
class DocsSite:
    """One entity's built (or failed) site: its cache folder, its pages and home page."""

    ref: str
    url: str  # docs/<namespace>/<kind>/<name>/
    built: Path | None  # the cache folder holding the site, None when it failed
    home: str = "index.html"
    pages: tuple[tuple[str, str, str], ...] = ()  # (page url, title, words)
    fresh: bool = False  # built this run (False: reused from the cache)
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class DocsBuilt:
    """What `build_docs` gives `publish` and the render stage."""

    sites: tuple[DocsSite, ...] = ()
    theme_files: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # entity ref -> docs URL
    problems: tuple[Problem, ...] = ()
    seconds: float = 0.0

    @property
    def rebuilt(self) -> int:
        return sum(site.fresh for site in self.sites)


def build_docs(catalog: Catalog, options: DocsOptions = DocsOptions(),
               only: Sequence[str] | None = None, on_progress: OnProgress | None = None
               ) -> DocsBuilt:
    """Build (or reuse from the cache) the docs of every entity with a techdocs-ref, or of
    the refs in `only`. `on_progress` hears of each site built (a `Step` of the "docs"
    stage naming its entity)."""
    started = time.perf_counter()
    sources, problems = refs.find_sources(catalog)
    if only is not None:
        sources = [source for source in sources if source.ref in only]
    cache = options.cache_dir.resolve()
    jobs, sites = [], []
    for source in sources:
        job, site = _plan(catalog, source, options, cache)
        if job is not None:
            jobs.append(job)
        sites.append(site)
    done = _run(jobs, options.workers, on_progress)
    for site in sites:  # read what the cache holds once
        if site.built is not None and site.ref not in done:
            data = json.loads((site.built / "result.json").read_text(encoding="utf-8"))
            done[site.ref] = sitebuild.SiteBuilt(**data)
    if only is None:
        _prune(cache, {site.built.name for site in sites if site.built is not None})
    built_now = {job.ref for job in jobs}
    sites = [_finish(site, done.get(site.ref), site.ref in built_now) for site in sites]
    theme = dict(sorted({dest: src for result in done.values() if result.ok
                         for dest, src in result.theme_files.items()}.items()))
    homes = {site.ref: site.url + site.home for site in sites if site.built is not None}
    others, other_problems = refs.external_docs(catalog, homes)
    all_problems = [*problems, *other_problems, *(missing_programs() if sources else [])]
    for site in sites:
        all_problems += site.problems
    return DocsBuilt(tuple(sites), theme, {**homes, **others}, tuple(all_problems),
                     time.perf_counter() - started)


def _prune(cache: Path, keep: set[str]) -> None:
    """Remove cached sites this build did not use (old versions of changed docs), so the
    cache a CI workflow keeps does not grow with every change."""
    folder = cache / "sites"
    for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def _plan(catalog: Catalog, source: DocsSource, options: DocsOptions, cache: Path):
    """The build job for `source` (None when the cache already holds it), and the site."""
    entity = catalog.entities[source.ref]
    url = docs_url(source.ref)
    shown = source.tree.display
    prepared = prepare(source.project, source.repo_root, entity.title, shown, source.ref,
                       options.allow)
    if prepared.config is None:
        return None, DocsSite(source.ref, url, None, problems=tuple(prepared.problems))
    header = _header(catalog, source, prepared.docs_dir)
    templates = tuple(str(folder) for folder in template_folders(options.templates))
    key = _key(source, prepared.config, header, templates, prepared.config_file)
    folder = cache / "sites" / key
    site = DocsSite(source.ref, url, folder, problems=tuple(prepared.problems))
    if (folder / "result.json").is_file():
        return None, site
    job = sitebuild.SiteJob(source.ref, prepared.config,
                            str(prepared.config_file) if prepared.config_file else None,
                            str(folder / "site"), header, templates, shown(prepared.docs_dir))
    return job, site


def _header(catalog: Catalog, source: DocsSource, docs_dir: Path) -> dict[str, Any]:
    """What each page's header shows: links back to the entity and its owner (from the
    site root) and the base of the Git host's edit URL of the Markdown files."""
    entity = catalog.entities[source.ref]
    owner = catalog.owner_of(source.ref)
    owner_entity = catalog.entities.get(owner) if owner else None
    web = source.tree.web
    return {
        "entity": {"title": entity.title, "kind": entity.kind,
                   "url": entity_url(source.ref)},
        "owner": _owner(owner, owner_entity) if owner else None,
        # the host's edit URL of a page, with PAGE_MARKER where its path goes (Bitbucket
        # puts a query after the path, so the path cannot simply be appended)
        "edit_url": web.edit_url(f"{source.tree.relpath(docs_dir)}/{sitebuild.PAGE_MARKER}")
        if web else None,
        "docs_dir": str(docs_dir),
        "repo_root": str(source.repo_root),
        "view_base": web.blob_url("") if web else None,
        "entity_files": _entity_files(catalog, source),
    }


def _owner(ref: str, entity: Any) -> dict[str, Any]:
    """The owner's title and page; a dangling owner's name, without a page."""
    if entity is None:
        return {"title": ref.partition("/")[2] or ref, "url": None}
    return {"title": entity.title, "url": entity_url(ref)}


def _entity_files(catalog: Catalog, source: DocsSource) -> dict[str, str]:
    """Catalog files in the docs project's folder (the entity's own among them), by
    path, with the page of the entity each holds (the documented one for its own file,
    else the first by ref): a docs link to one of these files opens that entity's page. Only this folder, so that an entity added elsewhere
    in the repository does not change (and rebuild) every site."""
    own = catalog.entities[source.ref].document.path  # resolved by the load stage
    files: dict[str, str] = {str(own): entity_url(source.ref)} if own else {}
    inside = str(source.project) + "/"
    paths, refs = _catalog_files(catalog)
    for index in range(bisect.bisect_left(paths, inside), len(paths)):
        if not paths[index].startswith(inside):
            break
        files.setdefault(paths[index], entity_url(refs[index]))
    return dict(sorted(files.items()))


#: The catalog files of the catalog last asked about (held weakly), sorted by path.
_FILES: tuple[Callable[[], Catalog | None], list[str], list[str]] = (lambda: None, [], [])


def _catalog_files(catalog: Catalog) -> tuple[list[str], list[str]]:
    """Every entity's file (resolved by the load stage: resolving 10,000 again took
    0.2 s), sorted (then by ref: the first of a file's entities comes first), and the ref
    of each; worked out once per catalog, so that each docs site finds the files in its
    folder by bisection."""
    global _FILES
    if _FILES[0]() is not catalog:
        rows = sorted((str(entity.document.path), ref)
                      for ref, entity in catalog.entities.items() if entity.document.path)
        _FILES = (weakref.ref(catalog), [path for path, _ in rows], [ref for _, ref in rows])
    return _FILES[1], _FILES[2]


def _key(source: DocsSource, config: dict, header: dict, templates: tuple[str, ...],
         config_file: Path | None) -> str:
    """The hash of everything a built site depends on."""
    digest = hashlib.sha256()
    versions = _versions()
    digest.update(json.dumps([versions, config, header, str(config_file)], sort_keys=True,
                             default=str).encode())
    for folder in templates:
        template = Path(folder) / "docs-header.html"
        if template.is_file():
            digest.update(template.read_bytes())
            break
    folders = [source.project]
    docs_dir = Path(config["docs_dir"])
    if not docs_dir.is_relative_to(source.project):
        folders.append(docs_dir)
    for folder in folders:
        for path in _files(folder):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


@functools.cache
def _versions() -> tuple[Any, ...]:
    """What every site depends on: the formats, versions and this package's code."""
    return (CACHE_FORMAT, __version__, metadata.version("mkdocs"),
            metadata.version("mkdocs-material"), _code_digest())


def _code_digest() -> str:
    """The hash of this package's code: a change to how sites are built rebuilds them."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    """Every file below `folder`, sorted, skipping hidden, dependency and output folders."""
    found = []
    for path in sorted(folder.rglob("*")):
        parents = path.relative_to(folder).parts[:-1]
        if SKIPPED_FOLDERS.intersection(parents) or any(p.startswith(".") for p in parents):
            continue
        if path.is_file():
            found.append(path)
    return found


def _run(jobs: list[sitebuild.SiteJob], workers: int | None,
         on_progress: OnProgress | None = None) -> dict[str, sitebuild.SiteBuilt]:
    """Build `jobs` over a forked process pool (one per core, two on this machine)."""
    from generator.cores import usable_cores

    count = max(1, min(len(jobs), workers or usable_cores()))
    if count <= 1:
        return _collect(jobs, map(_build_and_record, jobs), on_progress)
    with multiprocessing.get_context("fork").Pool(count) as pool:
        return _collect(jobs, pool.imap(_build_and_record, jobs, chunksize=1), on_progress)


def _collect(jobs: list[sitebuild.SiteJob], results: Iterator[sitebuild.SiteBuilt],
             on_progress: OnProgress | None) -> dict[str, sitebuild.SiteBuilt]:
    """Each job's result by its ref, telling `on_progress` as each comes in."""
    built = {}
    for number, (job, result) in enumerate(zip(jobs, results), 1):
        built[job.ref] = result
        if on_progress is not None:
            on_progress(Step("docs", number, len(jobs), job.ref))
    return built


def _build_and_record(job: sitebuild.SiteJob) -> sitebuild.SiteBuilt:
    """Build one site; a success is recorded beside it, which marks the cache entry done."""
    result = sitebuild.build_one(job)
    if result.ok:
        record = Path(job.out_dir).parent / "result.json"
        record.write_text(json.dumps(asdict(result), sort_keys=True), encoding="utf-8")
    return result


def _finish(site: DocsSite, result: sitebuild.SiteBuilt | None, fresh: bool) -> DocsSite:
    """The site with its pages and problems, from this run's build or the cache."""
    if site.built is None or result is None:
        return site
    problems = [*site.problems, *(_problem(site.ref, p) for p in result.problems)]
    if not result.ok:
        return DocsSite(site.ref, site.url, None, problems=tuple(problems))
    pages = tuple((url, title, words) for url, title, words in result.pages)
    home = "index.html" if any(url == "index.html" for url, _, _ in pages) else (
        pages[0][0] if pages else "index.html")
    if home != "index.html":
        problems.append(Problem(Severity.WARNING, "docs-index-missing",
                                "The docs have no index.md, so the portal links to the "
                                f"first page ({home}) instead", hint="add docs/index.md",
                                entity=site.ref))
    return DocsSite(site.ref, site.url, site.built / "site", home, pages, fresh,
                    tuple(problems))


def _problem(ref: str, data: dict[str, Any]) -> Problem:
    return Problem(Severity(data["severity"]), data["code"], data["message"],
                   file=data.get("file"), line=data.get("line"), entity=ref)
