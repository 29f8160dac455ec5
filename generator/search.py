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

import bisect
import contextlib
import functools
import gc
import gzip
import hashlib
import json
import os
import re
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib import util as importlib_util
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from lunr.builder import Builder
from lunr.index import Index
from lunr.pipeline import Pipeline
from lunr.query import Query, QueryPresence
from lunr.stop_word_filter import WORDS as STOP_WORDS
from lunr.token import Token

from generator import search_reuse
from generator.model.catalog import Catalog
from generator.model.entity import Entity
from generator.model.problem import Problem, warning
from generator.model.ref import RefError, split_ref

#: Indexed fields and their boosts: a hit in the name or title matters most.
FIELDS: tuple[tuple[str, int], ...] = (
    ("name", 10),
    ("title", 8),
    ("tags", 4),
    ("kind", 3),
    ("owner", 2),
    ("description", 1),
)
SHARD_SIZE = 2500
#: A shard's index is cut into buckets of terms of about this many bytes each.
BUCKET_BYTES = 12 * 1024
#: Rows per document-table script: a search loads only the chunks holding what it shows.
DOCS_CHUNK = 100
#: Longer descriptions are cut before indexing: the first paragraph says what a thing is.
DESCRIPTION_LIMIT = 400
#: The line shown under a result.
LINE_LIMIT = 100
SEARCH_DIR = "search"
MANIFEST = "manifest.js"
MANIFEST_GLOBAL = "PLAYBILL_SEARCH"
SHARDS_GLOBAL = "PLAYBILL_SEARCH_SHARDS"
LUNR_JS = Path("contrib", "search", "templates", "search", "lunr.js")
FORMAT_VERSION = 2

_SEPARATOR = re.compile(r"[\s\-]+")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")  # not a letter or digit, at either end
_PART_SCRIPT = re.compile(r"^\(window\.\w+=window\.\w+\|\|\{\}\)\[\"([^\"]+)\"\]=(.*);\n$", re.S)
_MANIFEST_SCRIPT = re.compile(r"^window\.\w+=(.*);\n$", re.S)


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


@dataclass(frozen=True)
class LoadedShard:
    """One shard read back: its key, its document rows, its lunr index (over the buckets
    read; None when the query read for makes no term) and the exact-name table of those
    buckets."""

    key: str
    docs: list[list[str]]
    index: Index | None
    exact: dict[str, list[int]]


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
    digests = [search_reuse.input_digest(f"{n}\0{bucket_bytes}", shard)
               for n, shard in enumerate(shards)]
    written = _reused_shards(previous, digests, site_dir)
    fresh = [n for n in range(len(shards)) if digests[n] not in written]
    built = build_shards([[doc for doc, _ in shards[n]] for n in fresh], workers, bucket_bytes)
    for number, (starts, buckets) in zip(fresh, built):
        lines = [line for _, line in shards[number]]
        written[digests[number]] = write_shard(site_dir, str(number), lines, starts, buckets)
    search_reuse.write_record(site_dir, written)
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
                buckets: list[dict[str, Any]]) -> "search_reuse.Shard":
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
    return search_reuse.Shard(files, *measure(site_dir / file for file in files), entry)


def _write_part(site_dir: Path, key: str, stem: str, body: dict[str, Any]) -> str:
    """Write a script registering `body` under `key`; its name carries a content hash."""
    text = part_script(key, body)
    name = f"{SEARCH_DIR}/{stem}-{_digest(text)}.js"
    _write(site_dir / name, text)
    return name


def _reused_shards(previous: Path | None, digests: list[str], site_dir: Path
                   ) -> dict[str, "search_reuse.Shard"]:
    """The shards linked from the previous site, by input digest."""
    old = search_reuse.previous_shards(previous)
    return {digest: old[digest] for digest in dict.fromkeys(digests)
            if digest in old and search_reuse.take(previous, old[digest], site_dir)}


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


def build_shards(shards: list[list[dict[str, str]]], workers: int | None = None,
                 bucket_bytes: int = BUCKET_BYTES) -> list[tuple[list[str], list[dict[str, Any]]]]:
    """Each shard's lunr index cut into term buckets (see `split_terms`), built in
    parallel when it pays.

    Falls back to building in this process when processes cannot be started (some
    sandboxes, or when already inside a daemon worker).
    """
    build = functools.partial(build_buckets, bucket_bytes=bucket_bytes)
    workers = min(len(shards), workers or usable_cores())
    if workers <= 1:
        return [build(docs) for docs in shards]
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(build, shards))
    except (OSError, AssertionError, RuntimeError):
        return [build(docs) for docs in shards]


def build_buckets(docs: list[dict[str, str]], bucket_bytes: int
                  ) -> tuple[list[str], list[dict[str, Any]]]:
    """One shard's index, cut into buckets in the process that built it."""
    with _without_gc():  # each collection would walk the index's many small objects
        return split_terms(build_shard(docs), bucket_bytes)


def build_shard(docs: list[dict[str, str]]) -> dict[str, Any]:
    """One lunr index over `docs`, whose refs are their positions, serialised."""
    builder = Builder()
    builder.pipeline.add(index_term)  # the search pipeline stays empty: see term_of
    builder.ref("id")
    builder.metadata_whitelist = []
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    with _without_gc():  # lunr makes millions of small objects, and no cycles worth collecting
        for number, doc in enumerate(docs):
            builder.add({"id": str(number), **{k: words(v) for k, v in doc.items()}})
        serialised = builder.build().serialize()
    serialised["fieldVectors"] = [
        [ref, [0 if x == 0 else x for x in vector]]  # 0.0 -> 0
        for ref, vector in serialised["fieldVectors"]
        if vector
    ]
    return serialised


def split_terms(index: dict[str, Any], bucket_bytes: int
                ) -> tuple[list[str], list[dict[str, Any]]]:
    """Cut a serialised index into buckets of consecutive terms of about `bucket_bytes`.

    Returns where each bucket starts (the first is "": bucket n holds the terms from
    starts[n] up to starts[n + 1]) and the buckets, each a lunr index of its terms'
    postings and of the field vectors' components for those terms. Term numbers stay
    those of the whole index, so buckets merged back (see `merge_buckets`) are the index.
    """
    terms = sorted(index["invertedIndex"], key=lambda item: js_order(item[0]))
    sizes = _term_sizes(index, terms)
    starts, groups, filled = [""], [[]], 0
    for number, (term, posting) in enumerate(terms):
        size = sizes[posting["_index"]]
        if filled and filled + size > bucket_bytes:
            starts.append(boundary(terms[number - 1][0], term))
            groups.append([])
            filled = 0
        groups[-1].append([term, posting])
        filled += size
    bucket_of_term = {posting["_index"]: n for n, group in enumerate(groups)
                      for _, posting in group}
    vectors: list[list[list[Any]]] = [[] for _ in groups]
    for ref, flat in index["fieldVectors"]:
        parts: dict[int, list[Any]] = {}
        for term, value in zip(flat[::2], flat[1::2]):
            part = parts.setdefault(bucket_of_term[term], [])
            part.append(term)
            part.append(value)
        for n, part in parts.items():
            vectors[n].append([ref, part])
    return starts, [{**index, "fieldVectors": vectors[n], "invertedIndex": group}
                    for n, group in enumerate(groups)]


def _term_sizes(index: dict[str, Any], terms: list[list[Any]]) -> dict[int, int]:
    """About how many bytes each term (by number) adds to a bucket: its posting and its
    components of the field vectors."""
    sizes = {posting["_index"]: len(_json([term, posting])) for term, posting in terms}
    for _, flat in index["fieldVectors"]:
        for position in range(0, len(flat), 2):
            sizes[flat[position]] += len(str(flat[position])) + len(str(flat[position + 1])) + 2
    return sizes


def js_order(text: str) -> bytes:
    """A sort key that orders strings as JavaScript compares them (by UTF-16 code unit)."""
    return text.encode("utf-16-be", "surrogatepass")


def boundary(previous: str, term: str) -> str:
    """The shortest start of `term` that sorts after `previous`: short bucket starts keep
    the manifest small and a typed prefix in as few buckets as can be."""
    for length in range(1, len(term)):
        if js_order(term[:length]) > js_order(previous):
            return term[:length]
    return term


def bucket_of(starts: Sequence[str], text: str) -> int:
    """The bucket whose terms would hold `text` (the last start at or before it)."""
    return bisect.bisect_right([js_order(start) for start in starts], js_order(text)) - 1


def buckets_with_prefix(starts: Sequence[str], prefix: str) -> list[int]:
    """The buckets that may hold terms starting with `prefix`."""
    key = js_order(prefix)
    return [n for n, start in enumerate(starts)
            if (n + 1 == len(starts) or js_order(starts[n + 1]) > key)
            and (js_order(start) <= key or start.startswith(prefix))]


def buckets_for(starts: Sequence[str], text: str) -> list[int]:
    """The buckets a query needs, as search.js works them out: each term's, every one the
    last word's terms may be in, and the one filing the whole text as a name. None when
    the text makes no term (it finds nothing)."""
    clauses = clauses_of(text)
    needed = set()
    for clause in clauses:
        if clause.prefix:
            needed.update(buckets_with_prefix(starts, clause.term))
        else:
            needed.add(bucket_of(starts, clause.term))
    if clauses and names_something(text):
        needed.add(bucket_of(starts, text.strip().lower()))
    return sorted(needed)


@dataclass(frozen=True)
class Clause:
    """One term of a query: limited to `fields` (None: any), required or a bonus, and
    with `prefix` matching every term it starts."""

    term: str
    fields: list[str] | None
    required: bool
    prefix: bool = False
    boost: int = 1


def clauses_of(text: str) -> list[Clause]:
    """The terms a query looks up, as the header box does in search.js: every word must
    match some field, the last one as a prefix (the person is still typing it) and, as a
    whole word, with a boost; `field:word` limits a word to one field."""
    parts = query_words(text)
    clauses = []
    for number, (fields, word) in enumerate(parts):
        if number < len(parts) - 1:
            if term := term_of(word):
                clauses.append(Clause(term, fields, required=True))
            continue
        if prefix := prefix_of(word):
            clauses.append(Clause(prefix, fields, required=True, prefix=True))
        if whole := term_of(word, keep_stop_words=True):
            clauses.append(Clause(whole, fields, required=False, boost=5))
    return clauses


def names_something(text: str) -> bool:
    """Whether `text` may be an entity's name or title typed in full ("kind:api" is not)."""
    parts = query_words(text)
    return bool(parts) and parts[0][0] is None


def exact_keys(lines: Sequence[list[str]], starts: Sequence[str]) -> list[dict[str, list[int]]]:
    """Per bucket, the lower-cased names and titles it files (by where they sort) and the
    documents carrying them: typing one exactly puts its entity first, and the browser
    can tell without loading the rows. Docs pages (rows with a URL) are not listed."""
    tables: list[dict[str, list[int]]] = [{} for _ in starts]
    for number, line in enumerate(lines):
        if len(line) > 3:
            continue
        for key in dict.fromkeys((line[0].partition("/")[2], line[1].lower())):
            if key:
                tables[bucket_of(starts, key)].setdefault(key, []).append(number)
    return [dict(sorted(table.items())) for table in tables]


def merge_buckets(buckets: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The serialised lunr index of the terms of `buckets` together; for every query whose
    terms all sort into them it scores as the shard's whole index does, because lunr
    divides by the query vector's length only, and that length is made of the query's
    terms (lunr's Vector.similarity; field vectors are not normalised)."""
    vectors: dict[str, list[tuple[int, float]]] = {}
    for bucket in buckets:
        for ref, flat in bucket["fieldVectors"]:
            vectors.setdefault(ref, []).extend(zip(flat[::2], flat[1::2]))
    return {
        **buckets[0],
        "fieldVectors": [[ref, [x for pair in sorted(pairs) for x in pair]]
                         for ref, pairs in vectors.items()],
        "invertedIndex": sorted(item for bucket in buckets for item in bucket["invertedIndex"]),
    }


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


def words(text: str) -> list[str]:
    """Split as lunr.js's tokenizer does (whitespace and hyphens), but in C: lunr.py's
    tokenizer walks the text one character at a time. A list makes lunr.py take each
    word as one token."""
    return [word for word in _SEPARATOR.split(text.lower()) if word]


def term_of(word: str, keep_stop_words: bool = False) -> str | None:
    """The term a lower-cased word is indexed and looked up as, or None for stop words.

    Not lunr's trimmer and stemmer: lunr.py and lunr.js disagree on them (lunr.py stems
    "gateway" to "gatewai", lunr.js leaves it; their trimmers differ on "é" and inner
    dots), and a query must produce the very terms the index holds. So search.js repeats
    these few rules exactly: trim what is not a letter or digit from both ends, drop
    lunr's stop words, and fold plurals ("services", "libraries") onto the singular.
    """
    word = _EDGES.sub("", word)
    if not word or (not keep_stop_words and word in STOP_WORDS):
        return None
    return singular(word)


def singular(word: str) -> str:
    """A light, predictable stemmer: only plural endings, the same in search.js."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def index_term(token: Token, i: int | None = None, tokens: list | None = None) -> Token | None:
    """`term_of` as a lunr pipeline step, remembered per word: catalogs repeat the same
    words thousands of times, and normalising each occurrence dominated build time."""
    try:
        term = _TERMS[token.string]
    except KeyError:
        term = _TERMS[token.string] = term_of(token.string)
    if term is None:
        return None
    token.string = term
    return token


_TERMS: dict[str, str | None] = {}
Pipeline.register_function(index_term, "playbillIndexTerm")


def part_script(key: str, body: dict[str, Any]) -> str:
    """A script that registers one part of a shard under `key` without clobbering others."""
    target = f"(window.{SHARDS_GLOBAL}=window.{SHARDS_GLOBAL}||{{}})"
    return f'{target}["{key}"]={_json(body)};\n'


def manifest_script(shards: list[dict[str, Any]], documents: int, kinds: dict[str, str]) -> str:
    """The small script every page loads: how kinds are spelled, and per shard where its
    buckets start and which scripts hold its buckets and its rows."""
    manifest = {"version": FORMAT_VERSION, "documents": documents, "kinds": kinds,
                "docsChunk": DOCS_CHUNK, "shards": shards}
    return f"window.{MANIFEST_GLOBAL}={_json(manifest)};\n"


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


def read_manifest(site_dir: Path) -> dict[str, Any]:
    """The manifest a built site ships, as data."""
    text = (site_dir / SEARCH_DIR / MANIFEST).read_text(encoding="utf-8")
    match = _MANIFEST_SCRIPT.match(text)
    if not match:
        raise ValueError(f"{SEARCH_DIR}/{MANIFEST} is not a Playbill search manifest")
    return json.loads(match.group(1))


def read_index(site_dir: Path, text: str | None = None) -> list[LoadedShard]:
    """Every shard of a built site, loaded with lunr.py as lunr.js loads it in the browser:
    all its buckets, or with `text` only those the browser loads to search for it."""
    shards = []
    for entry in read_manifest(site_dir)["shards"]:
        numbers = (range(len(entry["starts"])) if text is None
                   else buckets_for(entry["starts"], text))
        buckets = [read_part(site_dir, entry["buckets"][n], f"{entry['key']}/{n}")
                   for n in numbers]
        docs = [row for n, file in enumerate(entry["docs"])
                for row in read_part(site_dir, file, f"{entry['key']}/d{n}")["docs"]]
        merged = merge_buckets([bucket["index"] for bucket in buckets]) if buckets else None
        index = Index.load(merged) if merged else None
        exact = {key: numbers for bucket in buckets for key, numbers in bucket["exact"].items()}
        shards.append(LoadedShard(entry["key"], docs, index, exact))
    return shards


def read_part(site_dir: Path, file: str, key: str) -> dict[str, Any]:
    """What the script `file` registers, which must be under `key`."""
    match = _PART_SCRIPT.match((site_dir / file).read_text(encoding="utf-8"))
    if not match or match.group(1) != key:
        raise ValueError(f"{file} is not search part {key}")
    return json.loads(match.group(2))


def find(shards: Sequence[LoadedShard], text: str) -> list[str]:
    """Refs (or, for docs pages, their URLs) matching `text` (see `clauses_of`), best
    first, as search.js finds them. Typing a name or title exactly puts its entity first;
    equal scores keep catalog order."""
    clauses = clauses_of(text)
    if not clauses:  # lunr would take a query without terms for "everything"
        return []
    exact = text.strip().lower()
    found: list[tuple[float, int, str]] = []
    for number, shard in enumerate(shards):
        query = shard.index.create_query()
        for clause in clauses:
            query.term(clause.term, fields=clause.fields, boost=clause.boost, use_pipeline=False,
                       presence=(QueryPresence.REQUIRED if clause.required
                                 else QueryPresence.OPTIONAL),
                       wildcard=Query.WILDCARD_TRAILING if clause.prefix else Query.WILDCARD_NONE)
        named = shard.exact.get(exact, []) if names_something(text) else []
        for hit in shard.index.query(query):
            row = int(hit["ref"])
            doc = shard.docs[row]
            score = hit["score"] + (1e6 if row in named else 0.0)
            found.append((score, row * len(shards) + number, doc[3] if len(doc) > 3 else doc[0]))
    return [ref for _, _, ref in sorted(found, key=lambda hit: (-hit[0], hit[1]))]


def prefix_of(word: str) -> str:
    """What a half-typed word is looked up as: the part it shares with its term, since
    terms are indexed singular ("libraries" as "library", so "libraries*" would miss it)."""
    trimmed = _EDGES.sub("", word)
    stem = singular(trimmed)
    shared = 0
    while shared < min(len(trimmed), len(stem)) and trimmed[shared] == stem[shared]:
        shared += 1
    return trimmed[: max(shared, 1)]


def query_words(text: str) -> list[tuple[list[str] | None, str]]:
    """The query's words with the fields they are limited to: `owner:team-a` limits both
    `team` and `a` to the owner field."""
    parts = []
    for word in text.lower().split():
        name, colon, rest = word.partition(":")
        fields = [name] if colon and name in dict(FIELDS) else None
        parts += [(fields, piece) for piece in _SEPARATOR.split(rest if fields else word) if piece]
    return parts


def measure(paths: Iterable[Path]) -> tuple[int, int]:
    """Total bytes of `paths` as stored and as gzip would send them (level 6, like hosts)."""
    raw = zipped = 0
    for path in paths:
        data = path.read_bytes()
        raw += len(data)
        zipped += len(gzip.compress(data, compresslevel=6, mtime=0))
    return raw, zipped


def usable_cores() -> int:
    """Cores this process may run on (respects CPU affinity, unlike os.cpu_count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


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


def _json(data: Any) -> str:
    """Compact, key-order-stable JSON; `</` escaped so a script can never be closed early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
