"""The catalog every stage after the graph works with: entities, their relations, problems.

Render, search and docs only read it, so it is frozen; the graph inside is shared, not
copied, and must not be changed by later stages. Graph nodes are lower-cased ref strings
(see `generator.graph`); every method here accepts an `EntityRef` or a string written in
any case, `kind:namespace/name` or `kind:name` (namespace `default`).
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import networkx as nx

from generator.model.entity import Entity
from generator.model.problem import Problem
from generator.model.ref import EntityRef, RefError, parse_ref, ref_text
from generator.model.relations import (
    HAS_MEMBER, OWNED_BY, OWNER_OF, PARENT_OF, PART_OF, Relation,
)
from generator.model.source import SourceTree

RefLike = EntityRef | str


def ref_key(ref: RefLike) -> str:
    """The graph's node key for `ref`; an unparsable string gives a key nothing matches."""
    if isinstance(ref, EntityRef):
        return str(ref)
    if type(ref) is str:
        # Already a key (`kind:namespace/name`, lower case), as most refs asked about
        # are: parsing it would give it back, at ten times the cost.
        colon = ref.find(":")
        slash = ref.find("/", colon + 2) if colon > 0 else -1
        if 0 < slash < len(ref) - 1 and ref.find("/", 0, colon) == -1 and ref == ref.lower():
            return ref
    try:
        return str(parse_ref(ref))
    except RefError:
        return ref.lower()


def first_target(targets: Iterable[str], relation: str) -> str | None:
    """The target a page shows for a relation an entity should have once (its owner, its
    system): the first by ref, and for partOf a System before a Domain, when an entity
    names both."""
    ordered = sorted(targets)
    if relation == PART_OF:
        ordered.sort(key=lambda t: (not t.startswith("system:"), t))
    return ordered[0] if ordered else None


@dataclass(frozen=True)
class Catalog:
    """All entities by ref (sorted), the relation graph, all problems (sorted) and the
    source trees they were read from."""

    entities: dict[str, Entity]
    graph: nx.MultiDiGraph
    problems: tuple[Problem, ...] = ()
    trees: tuple[SourceTree, ...] = ()
    _problems_by_entity: dict[str, tuple[Problem, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def create(
        cls,
        entities: Iterable[Entity],
        graph: nx.MultiDiGraph,
        problems: Iterable[Problem],
        trees: Sequence[SourceTree] = (),
    ) -> "Catalog":
        """Index what the stages produced. Refs are unique after validation; should one
        repeat, the first wins, as in the graph."""
        by_ref: dict[str, Entity] = {}
        for entity in entities:
            by_ref.setdefault(str(entity.ref), entity)
        ordered = tuple(sorted(problems, key=Problem.sort_key))
        grouped: dict[str, list[Problem]] = {}
        for problem in ordered:
            if problem.entity:
                grouped.setdefault(ref_key(problem.entity), []).append(problem)
        return cls(
            entities=dict(sorted(by_ref.items())),
            graph=graph,
            problems=ordered,
            trees=tuple(trees),
            _problems_by_entity={ref: tuple(found) for ref, found in grouped.items()},
        )

    def entity(self, ref: RefLike) -> Entity | None:
        return self.entities.get(ref_key(ref))

    def relations_of(self, ref: RefLike) -> list[Relation]:
        """Backstage's public `relations` of an entity: every stored row whose source it is,
        whoever emitted it, once each, sorted by type then target ref."""
        key = ref_key(ref)
        if key not in self.graph:
            return []
        source = self._ref_of(key)
        rows = sorted((kind, target) for _, target, kind in self.graph.out_edges(key, keys=True))
        return [Relation(source, kind, self._ref_of(target)) for kind, target in rows]

    def neighbourhood(self, ref: RefLike, depth: int = 1) -> set[str]:
        """Refs within `depth` relation steps of `ref` in either direction, itself included
        (missing targets too: they are drawn as placeholders). Empty for an unknown ref."""
        key = ref_key(ref)
        if key not in self.graph:
            return set()
        seen = {key}
        frontier = deque([(key, 0)])
        while frontier:
            node, distance = frontier.popleft()
            if distance == depth:
                continue
            for other in (*self.graph.successors(node), *self.graph.predecessors(node)):
                if other not in seen:
                    seen.add(other)
                    frontier.append((other, distance + 1))
        return seen

    def owner_of(self, ref: RefLike) -> str | None:
        """The owner's ref, from the graph (so `team-a` written in YAML is
        `group:default/team-a`)."""
        return self.target(ref, OWNED_BY)

    def system_of(self, ref: RefLike) -> str | None:
        """The System (or, for a System, the Domain) an entity is part of."""
        return self.target(ref, PART_OF)

    def target(self, ref: RefLike, relation: str) -> str | None:
        """The first target of one relation of `ref` (see `first_target`)."""
        # Read from the adjacency dicts (node keys are the lower-cased refs, edge keys the
        # relation types), not networkx's edge views: the catalog table asks this twice
        # for every entity.
        adjacency = self.graph._adj
        key = ref if ref in adjacency else ref_key(ref)
        return first_target([target for target, kinds in adjacency.get(key, {}).items()
                             if relation in kinds], relation)

    def owned_by(self, group: RefLike, transitive: bool = False) -> list[Entity]:
        """Entities whose owner is `group` (or, when transitive, any of its sub-groups)."""
        owners = self.subgroups(group) if transitive else {ref_key(group)}
        return self._entities(self._targets(owner, OWNER_OF) for owner in owners)

    def members_of(self, group: RefLike) -> list[Entity]:
        """Users (or whatever the refs name) that are members of `group`, sorted by ref."""
        return self._entities([self._targets(ref_key(group), HAS_MEMBER)])

    def subgroups(self, group: RefLike) -> set[str]:
        """`group` and every group below it through parentOf, safe against parent cycles."""
        start = ref_key(group)
        seen, todo = {start}, [start]
        while todo:
            for child in self._targets(todo.pop(), PARENT_OF):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    def problems_for(self, ref: RefLike) -> list[Problem]:
        return list(self._problems_by_entity.get(ref_key(ref), ()))

    def counts_by_kind(self) -> dict[str, int]:
        """How many entities of each kind (as written, e.g. `Component`), sorted by kind."""
        return dict(sorted(Counter(entity.kind for entity in self.entities.values()).items()))

    def to_json_dict(self) -> dict[str, Any]:
        """A `catalog.json` export: every entity in Backstage's public shape (its data plus
        `relations` of `{type, targetRef}`), sorted by ref, then all problems."""
        target_refs: dict[str, str] = {}  # node key -> its ref string, made once per node
        return {
            "entities": [
                {**entity.data, "relations": self._public_relations(ref, target_refs)}
                for ref, entity in self.entities.items()
            ],
            "problems": [problem.to_dict() for problem in self.problems],
        }

    def _public_relations(self, ref: str, target_refs: dict[str, str]
                          ) -> list[dict[str, str]]:
        """`relations_of(ref)` as dicts, read off the adjacency dict (`_succ`, as the
        graph stage fills it) without a Relation per row: half the cost of catalog.json."""
        succ = self.graph._succ
        key = ref if ref in succ else ref_key(ref)  # entities are keyed by their key already
        if key not in succ:
            return []
        rows = sorted((kind, target) for target, kinds in succ[key].items() for kind in kinds)
        return [{"type": kind, "targetRef": self._ref_text(target, target_refs)}
                for kind, target in rows]

    def _ref_text(self, key: str, made: dict[str, str]) -> str:
        """`str(self._ref_of(key))`, remembered in `made` (and written without making an
        EntityRef: 50,000 of them were a tenth of catalog.json's time)."""
        text = made.get(key)
        if text is None:
            data = self.graph._node[key]
            text = made[key] = ref_text(data["kind"], data["namespace"], data["name"])
        return text

    def _targets(self, key: str, kind: str) -> list[str]:
        if key not in self.graph:
            return []
        return [target for _, target, k in self.graph.out_edges(key, keys=True) if k == kind]

    def _entities(self, groups: Iterable[Iterable[str]]) -> list[Entity]:
        refs = {ref for group in groups for ref in group if ref in self.entities}
        return [self.entities[ref] for ref in sorted(refs)]

    def _ref_of(self, key: str) -> EntityRef:
        """Built from node attributes: names may contain `:` or `/`, so the string form
        cannot always be parsed back."""
        data = self.graph.nodes[key]
        return EntityRef(data["kind"], data["namespace"], data["name"])
