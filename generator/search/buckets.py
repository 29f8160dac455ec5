"""A shard's index cut by term into buckets, and which buckets a query needs.

Buckets hold consecutive terms in JavaScript's sort order, so a manifest lists only where
each starts; `merge_buckets` puts loaded buckets back together into a lunr index that
scores the query's terms exactly as the whole index would (see the package docstring).
"""

from __future__ import annotations

import bisect
from typing import Any, Sequence

from generator.search.layout import script_json
from generator.search.terms import clauses_of, names_something

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
    sizes = {posting["_index"]: len(script_json([term, posting])) for term, posting in terms}
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
    return _bucket_among([js_order(start) for start in starts], text)


def _bucket_among(start_keys: Sequence[bytes], text: str) -> int:
    """`bucket_of` with the starts' sort keys made once, for many texts."""
    return bisect.bisect_right(start_keys, js_order(text)) - 1


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


def exact_keys(lines: Sequence[list[str]], starts: Sequence[str]) -> list[dict[str, list[int]]]:
    """Per bucket, the lower-cased names and titles it files (by where they sort) and the
    documents carrying them: typing one exactly puts its entity first, and the browser
    can tell without loading the rows. Docs pages (rows with a URL) are not listed."""
    tables: list[dict[str, list[int]]] = [{} for _ in starts]
    start_keys = [js_order(start) for start in starts]  # once, not once per name
    for number, line in enumerate(lines):
        if len(line) > 3:
            continue
        for key in dict.fromkeys((line[0].partition("/")[2], line[1].lower())):
            if key:
                tables[_bucket_among(start_keys, key)].setdefault(key, []).append(number)
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
