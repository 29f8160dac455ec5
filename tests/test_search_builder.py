"""Our index builder against lunr.py's own Builder: the same serialised index, byte for
byte, for the bundled example, a synthetic catalog and random documents."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lunr.builder import Builder

from generator import search
from generator.jsontext import compact
from generator.search.builder import build_index
from generator.search.terms import FIELDS, term_of, words
from generator.sources import trees_for_paths
from generator.read import read_catalog

from bench.synth import generate

ROOT = Path(__file__).resolve().parents[1]


def _lunr_term(token, i=None, tokens=None):
    """Our normalisation as a lunr pipeline step, as the search stage ran it before."""
    term = term_of(token.string)
    if term is None:
        return None
    token.string = term
    return token


def lunrs_index(docs: list[dict[str, str]]) -> dict:
    """lunr.py's Builder, set up as the search stage set it up before it had its own."""
    builder = Builder()
    builder.pipeline.add(_lunr_term)
    builder.ref("id")
    builder.metadata_whitelist = []
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    for number, doc in enumerate(docs):
        builder.add({"id": str(number), **{k: words(v) for k, v in doc.items()}})
    return builder.build().serialize()


def ours(docs: list[dict[str, str]]) -> dict:
    return build_index([{k: words(v) for k, v in doc.items()} for doc in docs], FIELDS)


def _catalog_docs(catalog) -> list[dict[str, str]]:
    return [search.document_for(entity)[0] for entity in catalog.entities.values()]


def test_the_example_catalog_indexes_as_lunr_indexes_it() -> None:
    trees = trees_for_paths([ROOT / "example"])
    docs = _catalog_docs(read_catalog(trees.trees, trees.problems))
    assert len(docs) > 30
    assert compact(ours(docs)) == compact(lunrs_index(docs))


def test_a_synthetic_catalog_indexes_as_lunr_indexes_it(tmp_path) -> None:
    repos = generate(tmp_path, 600, seed=3).repos
    trees = trees_for_paths(list(repos))
    docs = _catalog_docs(read_catalog(trees.trees, trees.problems))
    assert len(docs) == 600
    expected = lunrs_index(docs)
    assert compact(ours(docs)) == compact(expected)
    assert len(expected["invertedIndex"]) > 200


VOCABULARY = [
    "payments", "payment", "the", "and", "a", "libraries", "library", "bus", "status",
    "analysis", "class", "gateway", "(beta)", "v2.1", "—dash—", "é", "café", "İstanbul",
    "straße", "ǅ", "42", "1e3", "_under_", "x", "services", "service", "queries", "data",
    "k8s", "it's", "node.js", "c++", "ünïcödé", "ｆｕｌｌｗｉｄｔｈ", "🙂", "-", "--", "a-b",
]


def _random_doc(rng: random.Random) -> dict[str, str]:
    def text(most: int) -> str:
        count = rng.choice([0, 0, 1, 2, most])
        return rng.choice([" ", "  ", "\t", "-", "\n"]).join(
            rng.choice(VOCABULARY) for _ in range(count))
    return {name: text(12 if name == "description" else 3) for name, _ in FIELDS}


@pytest.mark.parametrize("seed", range(6))
def test_random_documents_index_as_lunr_indexes_them(seed: int) -> None:
    rng = random.Random(seed)
    docs = [_random_doc(rng) for _ in range(rng.choice([1, 7, 150]))]
    assert compact(ours(docs)) == compact(lunrs_index(docs))


def test_one_repeated_field_everywhere_and_no_documents() -> None:
    docs = [{name: "same words same" if name == "kind" else "" for name, _ in FIELDS}] * 5
    assert compact(ours(docs)) == compact(lunrs_index(docs))
    assert ours([]) == {"version": "2.3.9", "fields": [name for name, _ in FIELDS],
                        "fieldVectors": [], "invertedIndex": [], "pipeline": []}
