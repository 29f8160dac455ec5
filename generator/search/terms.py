"""Words to terms, for the index and for queries alike.

lunr.py and lunr.js would normalise words differently, so neither's trimmer or stemmer is
used: `term_of` applies a few rules that search.js repeats exactly, and `clauses_of`
turns a query into the terms search.js looks up, so the Python side (tests, the bucket
choice) and the browser always agree on what a query needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lunr.stop_word_filter import WORDS as STOP_WORDS

#: Indexed fields and their boosts: a hit in the name or title matters most.
FIELDS: tuple[tuple[str, int], ...] = (
    ("name", 10),
    ("title", 8),
    ("tags", 4),
    ("kind", 3),
    ("owner", 2),
    ("description", 1),
)
_SEPARATOR = re.compile(r"[\s\-]+")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")  # not a letter or digit, at either end


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
