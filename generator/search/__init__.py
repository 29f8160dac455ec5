"""The search stage: a prebuilt lunr index of every entity, shipped as JS files.

The browser queries it with the lunr.js that mkdocs ships (copied at build time, never
vendored). Under `file://` a page cannot fetch JSON, so every index file is a script that
assigns into a global; search.js inserts the scripts a search needs when someone first
searches, so no page pays for the index until it is used, and a search only for its part.

Layout under the site folder:

    search/manifest.js    window.PLAYBILL_SEARCH = {shards: [{key, starts, buckets, docs}],
                          kinds, docsChunk, ...}
    search/bucket-<shard>-<n>-<hash>.js
                          (window.PLAYBILL_SEARCH_SHARDS ||= {})["<shard>/<n>"] = {index, exact}
    search/docs-<shard>-<n>-<hash>.js
                          (window.PLAYBILL_SEARCH_SHARDS ||= {})["<shard>/d<n>"] = {docs}
    assets/lunr.js        copied from the installed mkdocs package

Size and speed: lunr's serialised index repeats every document ref in every posting and
field vector, so refs are short shard-local numbers and the document table is separate,
`[ref, title, line]` rows cut into chunks of `DOCS_CHUNK`. Nothing but the fields below
is indexed, no term metadata (positions) is kept, empty field vectors are dropped and zero
scores are written as 0. Words become terms by `term_of`, whose few rules search.js
repeats, so that a query makes exactly the terms the index holds.

Large catalogs are split round-robin into shards of at most `SHARD_SIZE` documents: each
shard sees the same mix of kinds, so its term statistics (and so its scores) match the
others' and results from several shards can be merged by score; the shards are built in
parallel, one process per core. Each shard's index is then cut by term into buckets of
about `BUCKET_BYTES`: consecutive terms in sorted order, so the manifest only says where
each bucket starts, and a word needs one bucket (a half-typed last word, the buckets its
completions sort into). A bucket is a lunr index of its terms' postings and of the field
vectors' components for those terms. The browser merges the buckets it loaded back into
one lunr index, which for the query's words scores exactly as the whole index: lunr's
score is the dot product of query and field vector divided by the query vector's length
only (lunr's Vector.similarity; field vectors are not normalised), and both are made of
the query's terms alone. Typing an entity's exact name or title puts it first; each
bucket carries the names and titles that sort into it (`exact`), so the browser loads
rows only for the results it shows. A small catalog has one bucket and one row chunk.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import gzip
import hashlib
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib import util as importlib_util
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from generator.cores import usable_cores
from generator.model.catalog import Catalog
from generator.model.entity import Entity
from generator.model.problem import Problem, warning
from generator.model.ref import RefError, split_ref
from generator.search import reuse
from generator.search.builder import build_index
from generator.search.buckets import bucket_of, buckets_for, exact_keys, merge_buckets, split_terms
from generator.search.layout import MANIFEST, MANIFEST_GLOBAL, SEARCH_DIR, part_script, script_json
from generator.search.read import LoadedShard, find, read_index, read_manifest, read_part
from generator.search.terms import FIELDS, prefix_of, query_words, term_of, words

#: Besides the stage (`write_index`), what the tests and the benchmark read an index with.
__all__ = [
    "FIELDS", "LoadedShard", "SearchIndexResult", "bucket_of", "buckets_for", "build_shard",
    "document_for", "exact_keys", "find", "lunr_js_path", "merge_buckets", "prefix_of",
    "query_words", "read_index", "read_manifest", "read_part", "short_line", "term_of",
    "write_index",
]

SHARD_SIZE = 2500
#: A shard's index is cut into buckets of terms of about this many bytes each.
BUCKET_BYTES = 12 * 1024
#: Rows per document-table script: a search loads only the chunks holding what it shows.
DOCS_CHUNK = 100
#: Longer descriptions are cut before indexing: the first paragraph says what a thing is.
DESCRIPTION_LIMIT = 400
#: The line shown under a result.
LINE_LIMIT = 100
LUNR_JS = Path("contrib", "search", "templates", "search", "lunr.js")
FORMAT_VERSION = 2

#: A search document: its indexed fields and the row the browser shows for it.
Row = tuple[dict[str, str], list[str]]


@dataclass(frozen=True)
class SearchIndexResult:
    """What `write_index` wrote: index files (relative to the site folder), their size raw
    and gzipped (what a static host sends), and how long it took."""

    files: tuple[Path, ...]
    bytes: int
    gzipped_bytes: int
    seconds: float
    documents: int = 0
    shards: int = 0
    assets: tuple[Path, ...] = ()
    problems: tuple[Problem, ...] = field(default=())
    #: Shards linked unchanged from the previous site (included in `shards`).
    reused: int = 0


def write_index(catalog: Catalog, site_dir: Path, workers: int | None = None,
                shard_size: int = SHARD_SIZE, extra_rows: Sequence[Row] = (),
                previous: Path | None = None,
                bucket_bytes: int = BUCKET_BYTES) -> SearchIndexResult:
    """Write search/manifest.js, each shard's bucket and row scripts, and copy lunr.js
    into assets/.

    `workers` caps the processes used for building shards (default: the usable cores).
    `extra_rows` are more documents (docs pages, see generator/docs/publish.py) whose
    shown row carries the page URL as a fourth item. The output depends only on the
    catalog and those rows (and `shard_size`, `bucket_bytes`), byte for byte. `previous`
    is the last site built: its shards whose documents did not change are linked, not
    built again.
    """
    started = time.perf_counter()
    search_dir = site_dir / SEARCH_DIR
    _clear(search_dir)
    rows = [document_for(entity) for entity in catalog.entities.values()]
    rows += extra_rows
    shards = split(rows, shard_size)
    digests = [reuse.input_digest(f"{n}\0{bucket_bytes}", shard)
               for n, shard in enumerate(shards)]
    written = _reused_shards(previous, digests, site_dir)
    fresh = [n for n in range(len(shards)) if digests[n] not in written]
    made = make_shards(site_dir, [(str(n), shards[n]) for n in fresh], workers, bucket_bytes)
    for number, shard in zip(fresh, made):
        written[digests[number]] = shard
    reuse.write_record(site_dir, written)
    used = [written[digest] for digest in digests]
    shard_entries = [{"key": str(number), **shard.entry} for number, shard in enumerate(used)]
    manifest = manifest_script(shard_entries, len(rows), _kind_names(catalog))
    _write(search_dir / MANIFEST, manifest)
    assets, problems = copy_lunr_js(site_dir)
    raw, zipped = measure([search_dir / MANIFEST])
    return SearchIndexResult(
        files=(Path(SEARCH_DIR, MANIFEST), *(Path(file) for shard in used for file in shard.files)),
        bytes=raw + sum(shard.bytes for shard in used),
        gzipped_bytes=zipped + sum(shard.gzipped for shard in used),
        seconds=time.perf_counter() - started, documents=len(rows), shards=len(shards),
        assets=assets, problems=problems, reused=len(shards) - len(fresh),
    )


def write_shard(site_dir: Path, key: str, lines: list[list[str]], starts: list[str],
                buckets: list[dict[str, Any]]) -> "reuse.Shard":
    """Write one shard's scripts: its term buckets and its rows, in chunks."""
    exact = exact_keys(lines, starts)
    bucket_files = [_write_part(site_dir, f"{key}/{n}", f"bucket-{key}-{n}",
                                {"index": bucket, "exact": exact[n]})
                    for n, bucket in enumerate(buckets)]
    doc_files = [_write_part(site_dir, f"{key}/d{n}", f"docs-{key}-{n}",
                             {"docs": lines[start:start + DOCS_CHUNK]})
                 for n, start in enumerate(range(0, max(len(lines), 1), DOCS_CHUNK))]
    files = (*bucket_files, *doc_files)
    entry = {"documents": len(lines), "starts": starts, "buckets": bucket_files,
             "docs": doc_files}
    return reuse.Shard(files, *measure(site_dir / file for file in files), entry)


def _write_part(site_dir: Path, key: str, stem: str, body: dict[str, Any]) -> str:
    """Write a script registering `body` under `key`; its name carries a content hash."""
    text = part_script(key, body)
    name = f"{SEARCH_DIR}/{stem}-{_digest(text)}.js"
    _write(site_dir / name, text)
    return name


def _reused_shards(previous: Path | None, digests: list[str], site_dir: Path
                   ) -> dict[str, "reuse.Shard"]:
    """The shards linked from the previous site, by input digest."""
    old = reuse.previous_shards(previous)
    return {digest: old[digest] for digest in dict.fromkeys(digests)
            if digest in old and reuse.take(previous, old[digest], site_dir)}


def document_for(entity: Entity) -> tuple[dict[str, str], list[str]]:
    """The indexed text of an entity and the row the browser shows for it.

    Only the title is indexed when it differs from the name (else every name would be
    indexed twice); the owner is indexed by name, as people say "team-a", not its ref.
    """
    title = entity.metadata.get("title") or ""
    description = " ".join(entity.description.split())
    indexed = {
        "name": entity.name,
        "title": title if title != entity.name else "",
        "tags": " ".join(str(tag) for tag in entity.tags),
        "kind": entity.kind,
        "owner": owner_name(entity),
        "description": description[:DESCRIPTION_LIMIT],
    }
    shown = [str(entity.ref), indexed["title"], short_line(description)]
    return indexed, shown


def owner_name(entity: Entity) -> str:
    """The name part of `spec.owner`, or "" when there is none or it does not parse."""
    owner = entity.spec.get("owner")
    if not isinstance(owner, str):
        return ""
    try:
        return split_ref(owner)[2]
    except RefError:
        return ""


def short_line(text: str, limit: int = LINE_LIMIT) -> str:
    """The first `limit` characters of `text`, cut at a word with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(" ,.;:") + "…"


def split(rows: Sequence[Any], shard_size: int = SHARD_SIZE) -> list[list[Any]]:
    """Deal `rows` round-robin into as few shards as keep each at most `shard_size`."""
    count = max(1, -(-len(rows) // shard_size))
    return [list(rows[number::count]) for number in range(count)]


def make_shards(site_dir: Path, shards: list[tuple[str, list[Row]]],
                workers: int | None = None, bucket_bytes: int = BUCKET_BYTES
                ) -> list["reuse.Shard"]:
    """Build and write each (key, rows) shard (see `make_shard`), in parallel when it pays.

    Falls back to this process when processes cannot be started (some sandboxes, or when
    already inside a daemon worker).
    """
    make = functools.partial(make_shard, site_dir, bucket_bytes=bucket_bytes)
    workers = min(len(shards), workers or usable_cores())
    if workers <= 1:
        return [make(key, rows) for key, rows in shards]
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(make, *zip(*shards)))
    except (OSError, AssertionError, RuntimeError):
        return [make(key, rows) for key, rows in shards]


def make_shard(site_dir: Path, key: str, rows: list[Row], bucket_bytes: int
               ) -> "reuse.Shard":
    """One shard's lunr index cut into term buckets (see `split_terms`) and written, all in
    the process that builds it: only the small `Shard` record goes back, not the index
    (pickling it back and writing it in one process was a serial tail of the stage)."""
    with _without_gc():  # each collection would walk the index's many small objects
        starts, buckets = split_terms(build_shard([doc for doc, _ in rows]), bucket_bytes)
        return write_shard(site_dir, key, [line for _, line in rows], starts, buckets)


def build_shard(docs: list[dict[str, str]]) -> dict[str, Any]:
    """One lunr index over `docs`, whose refs are their positions, serialised."""
    with _without_gc():  # many small dicts, and no cycles worth collecting
        serialised = build_index([{k: words(v) for k, v in doc.items()} for doc in docs],
                                 FIELDS)
    serialised["fieldVectors"] = [
        [ref, [0 if x == 0 else x for x in vector]]  # 0.0 -> 0
        for ref, vector in serialised["fieldVectors"]
        if vector
    ]
    return serialised


@contextlib.contextmanager
def _without_gc() -> Iterator[None]:
    """No garbage collection inside (nested, the outermost turns it back on)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def manifest_script(shards: list[dict[str, Any]], documents: int, kinds: dict[str, str]) -> str:
    """The small script every page loads: how kinds are spelled, and per shard where its
    buckets start and which scripts hold its buckets and its rows."""
    manifest = {"version": FORMAT_VERSION, "documents": documents, "kinds": kinds,
                "docsChunk": DOCS_CHUNK, "shards": shards}
    return f"window.{MANIFEST_GLOBAL}={script_json(manifest)};\n"


def copy_lunr_js(site_dir: Path) -> tuple[tuple[Path, ...], tuple[Problem, ...]]:
    """Copy mkdocs' lunr.js to assets/lunr.js; without mkdocs, search is off, with a warning."""
    source = lunr_js_path()
    if source is None:
        return (), (warning(
            "search-lunr-missing",
            "lunr.js was not found in the installed mkdocs package, so search will not work",
            hint="install mkdocs (pip install mkdocs) in the environment that builds the site",
        ),)
    target = site_dir / "assets" / "lunr.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return (Path("assets", "lunr.js"),), ()


def lunr_js_path() -> Path | None:
    """Where the installed mkdocs keeps lunr.js, found without importing mkdocs."""
    spec = importlib_util.find_spec("mkdocs")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / LUNR_JS
        if candidate.is_file():
            return candidate
    return None


def measure(paths: Iterable[Path]) -> tuple[int, int]:
    """Total bytes of `paths` as stored and as gzip would send them (level 6, like hosts)."""
    raw = zipped = 0
    for path in paths:
        data = path.read_bytes()
        raw += len(data)
        zipped += len(gzip.compress(data, compresslevel=6, mtime=0))
    return raw, zipped


def _kind_names(catalog: Catalog) -> dict[str, str]:
    """Lower-case kind (as in refs) to its written form, for the result badges."""
    return {kind.lower(): kind for kind in catalog.counts_by_kind()}


def _clear(search_dir: Path) -> None:
    """Remove the scripts of a previous build: shard names change with their content."""
    search_dir.mkdir(parents=True, exist_ok=True)
    for old in search_dir.glob("*.js"):
        old.unlink()


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
