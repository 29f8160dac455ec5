"""A serialised lunr index, made as lunr.py's `Builder` makes it, without its objects.

lunr.py's Builder turns every word of every field into a `Token` with a deep-copied
metadata dict, runs each through its pipeline one call at a time, keeps vectors with a
bisect per term, and builds a `TokenSet` automaton that serialising throws away: three
quarters of the search stage's time. This module makes the same serialised index (the
same terms in the same order, the same `_index` numbers, the same BM25 scores from the
same float operations) from plain dicts. tests/test_search_builder.py compares the two on
real and random documents.

Only what Playbill uses is supported: documents whose fields are lists of words (see
`terms.words`), `terms.index_term`'s normalisation as the whole pipeline, an empty search
pipeline, no metadata and no document boosts.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from lunr import __TARGET_JS_VERSION__

from generator.search.terms import term_of

#: lunr's BM25 parameters (Builder._k1 and Builder._b).
K1 = 1.2
B = 0.75

_TERMS: dict[str, str | None] = {}  # word -> term, as terms.index_term remembers them


def build_index(docs: Sequence[dict[str, list[str]]], fields: Sequence[tuple[str, int]]
                ) -> dict[str, Any]:
    """The serialised lunr index (`Index.serialize()`) of `docs`, each a dict of field
    name -> words, with refs "0", "1", ... in order; `fields` are (name, boost) pairs."""
    names = [name for name, _ in fields]
    postings: dict[str, dict[str, Any]] = {}
    rows: list[tuple[str, str, dict[str, int], int]] = []  # (ref, field, counts, length)
    totals = dict.fromkeys(names, 0)
    for number, doc in enumerate(docs):
        ref = str(number)
        for name in names:
            counts, length = _field_terms(doc[name], name, ref, names, postings)
            rows.append((ref, name, counts, length))
            totals[name] += length
    average = {name: totals[name] / len(docs) for name in names} if docs else {}
    boosts = dict(fields)
    idf: dict[str, float] = {}
    vectors = []
    for ref, name, counts, length in rows:
        # Only a field with terms is scored: every document's may be empty (average 0).
        scale = K1 * (1 - B + B * (length / average[name])) if counts else 0.0
        elements: list[tuple[int, float]] = []
        for term, tf in counts.items():
            posting = postings[term]
            weight = idf.get(term)
            if weight is None:
                weight = idf[term] = _idf(posting, names, len(docs))
            score = weight * ((K1 + 1) * tf) / (scale + tf)
            score *= boosts[name]  # and by the document's boost, always 1 here
            elements.append((posting["_index"], round(score, 3)))
        elements.sort()
        vectors.append([f"{name}/{ref}", [x for pair in elements for x in pair]])
    return {
        "version": __TARGET_JS_VERSION__,
        "fields": names,
        "fieldVectors": vectors,
        "invertedIndex": [[term, postings[term]] for term in sorted(postings)],
        "pipeline": [],
    }


def _field_terms(words: list[str], name: str, ref: str, names: list[str],
                 postings: dict[str, dict[str, Any]]) -> tuple[dict[str, int], int]:
    """Each term of one field of one document with its count (in first-seen order), and
    how many terms it has; new terms get the next `_index`, as lunr numbers them."""
    counts: dict[str, int] = {}
    length = 0
    for word in words:
        word = str(word).lower() if word else ""  # lunr's Tokenizer, for a list
        try:
            term = _TERMS[word]
        except KeyError:
            term = _TERMS[word] = term_of(word)
        if not term:
            continue
        length += 1
        counts[term] = counts.get(term, 0) + 1
        posting = postings.get(term)
        if posting is None:
            posting = postings[term] = {field: {} for field in names}
            posting["_index"] = len(postings) - 1
        if ref not in posting[name]:
            posting[name][ref] = {}
    return counts, length


def _idf(posting: dict[str, Any], names: list[str], documents: int) -> float:
    """lunr's idf: a document with the term in two fields counts twice, as lunr counts."""
    with_term = sum(len(posting[name]) for name in names)
    x = (documents - with_term + 0.5) / (with_term + 0.5)
    return math.log(1 + abs(x))
