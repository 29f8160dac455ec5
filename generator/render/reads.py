"""What an entity page read of the catalog, so that a warm build can tell whether anything
it read has changed without building the page's context again.

While a page's context is built, the catalog it is given is a `Recorded` view that notes
in a `ReadLog` every ref it was asked about: an entity, a graph node's attributes, its
relations either way, its problems. `Digests` hashes everything stored under a ref in
all of those places. The context code is deterministic, so a page whose reads all still
have the same digests makes the same reads again, gets the same context and renders the
same bytes: its key (`page_key`) is the digests of what it read, plus what it was given
besides the catalog. A read that is not by ref (walking every entity, say, or any other
attribute of the catalog) is noted as `EVERYTHING`, whose digest covers every ref.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any, Iterable, Iterator

from generator.jsontext import compact
from generator.model.catalog import Catalog, ref_key
from generator.render.reuse import plain

#: Pseudo-refs: a read of the whole catalog, and of its source trees.
EVERYTHING = "~everything"
TREES = "~trees"


class ReadLog:
    """The refs a page read, as looked up (ref keys or refs as written)."""

    def __init__(self) -> None:
        self.refs: set[str] = set()

    def note(self, ref: Any) -> None:
        # A key that is not a string cannot be named in the manifest: count it as all.
        self.refs.add(ref if isinstance(ref, str) else EVERYTHING)


class _Rows(Mapping):
    """A read-only dict keyed by ref whose lookups are noted; iterating it reads all."""

    __slots__ = ("_data", "_log")

    def __init__(self, data: Mapping, log: ReadLog) -> None:
        self._data, self._log = data, log

    def __getitem__(self, key: Any) -> Any:
        self._log.note(key)
        return self._data[key]

    def get(self, key: Any, default: Any = None) -> Any:
        self._log.note(key)
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        self._log.note(key)
        return key in self._data

    def __iter__(self) -> Iterator:
        self._log.note(EVERYTHING)
        return iter(self._data)

    def __len__(self) -> int:
        self._log.note(EVERYTHING)
        return len(self._data)


class _Graph:
    """The relation graph as the render code reads it: the adjacency dicts by node."""

    def __init__(self, graph: Any, log: ReadLog) -> None:
        self._graph, self._log = graph, log
        self._succ = _Rows(graph._succ, log)
        self._adj = self._succ if graph._adj is graph._succ else _Rows(graph._adj, log)
        self._pred = _Rows(graph._pred, log)
        self._node = self.nodes = _Rows(graph._node, log)

    def __contains__(self, node: object) -> bool:
        return node in self._node

    def __getattr__(self, name: str) -> Any:
        self._log.note(EVERYTHING)  # a networkx method: it may read any node
        return getattr(self._graph, name)


class Recorded:
    """A catalog for one page's context, noting what the context reads of it."""

    def __init__(self, catalog: Catalog, log: ReadLog) -> None:
        self.underlying, self.log = catalog, log
        self.entities = _Rows(catalog.entities, log)
        self.graph = _Graph(catalog.graph, log)

    # The catalog's queries that read only the graph's adjacency, run against the
    # recorded graph so that they note the refs they read (and not EVERYTHING).
    target = Catalog.target
    owner_of = Catalog.owner_of
    system_of = Catalog.system_of

    def problems_for(self, ref: Any) -> list:
        self.log.note(ref_key(ref))
        return self.underlying.problems_for(ref)

    @property
    def trees(self) -> Any:
        self.log.note(TREES)
        return self.underlying.trees

    def __getattr__(self, name: str) -> Any:
        self.log.note(EVERYTHING)
        return getattr(self.underlying, name)


def unwrap(catalog: Any, ref: Any) -> Catalog:
    """The catalog behind `catalog`. When it is a `Recorded` one, `ref` is noted as read
    the way `links.link` looks it up (as written, else as a key): code that keeps what it
    read across pages (that memo) must still tell each page what it read."""
    if not isinstance(catalog, Recorded):
        return catalog
    underlying = catalog.underlying
    if isinstance(ref, str):
        catalog.log.note(ref)
        if ref in underlying.entities:
            return underlying
    catalog.log.note(ref_key(ref))
    return underlying


def note(catalog: Any, ref: str) -> None:
    """Note `ref` as read when `catalog` is a `Recorded` one, for what a page reads from
    elsewhere that changes only with it: a template's Git history changes only with a
    commit of its source, which changes `TREES`."""
    if isinstance(catalog, Recorded):
        catalog.log.note(ref)


class Digests:
    """The digest of everything stored under each ref of `catalog`, made once per ref."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._known: dict[str, str] = {}

    def of(self, ref: str) -> str:
        known = self._known.get(ref)
        if known is None:
            known = self._known[ref] = self._make(ref)
        return known

    def _make(self, ref: str) -> str:
        if ref == EVERYTHING:
            return _hash(self.of(other) for other in sorted(self._all_refs()))
        catalog = self.catalog
        if ref == TREES:
            stored: Any = list(catalog.trees)
        else:
            graph = catalog.graph
            # In stored order: code that reads a dict without sorting it sees that order.
            stored = [catalog.entities.get(ref), graph._node.get(ref), graph._succ.get(ref),
                      graph._pred.get(ref), catalog.problems_for(ref)]
        try:
            data = compact(stored, default=plain)
        except (TypeError, ValueError):  # something with no stable form: never the same
            return "unstable-" + os.urandom(16).hex()
        return hashlib.sha256(data).hexdigest()[:32]

    def _all_refs(self) -> set[str]:
        refs = {ref for ref in self.catalog.entities if isinstance(ref, str)}
        refs.update(ref for ref in self.catalog.graph._node if isinstance(ref, str))
        refs.add(TREES)
        return refs


def page_key(base: str, reads: Iterable[str], digests: Digests) -> str:
    """A page's key: `base` (what it was given besides the catalog) and the digest of
    every ref it read."""
    return _hash([base, *(f"{ref}\0{digests.of(ref)}" for ref in sorted(reads))])


def _hash(parts: Iterable[str]) -> str:
    """The sha256 of the parts, each followed by a newline: joined first, so one encode
    and one update, not one per part (a warm build hashes 16 refs a page)."""
    lines = list(parts)
    text = "\n".join(lines) + "\n" if lines else ""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
