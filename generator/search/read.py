"""A built site's search index read back with lunr.py, part by part as search.js reads
it, and queried as search.js queries it: what the tests check the browser against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from lunr.index import Index
from lunr.query import Query, QueryPresence

from generator.search.buckets import buckets_for, merge_buckets
from generator.search.layout import MANIFEST, SEARCH_DIR, manifest_data, part_data
from generator.search.terms import clauses_of, names_something


@dataclass(frozen=True)
class LoadedShard:
    """One shard read back: its key, its document rows, its lunr index (over the buckets
    read; None when the query read for makes no term) and the exact-name table of those
    buckets."""

    key: str
    docs: list[list[str]]
    index: Index | None
    exact: dict[str, list[int]]


def read_manifest(site_dir: Path) -> dict[str, Any]:
    """The manifest a built site ships, as data."""
    data = manifest_data((site_dir / SEARCH_DIR / MANIFEST).read_text(encoding="utf-8"))
    if data is None:
        raise ValueError(f"{SEARCH_DIR}/{MANIFEST} is not a Playbill search manifest")
    return data


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
    data = part_data((site_dir / file).read_text(encoding="utf-8"), key)
    if data is None:
        raise ValueError(f"{file} is not search part {key}")
    return data


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
