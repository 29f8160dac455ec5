"""The graph stage: every stored relation row, both directions, and what looks wrong in them.

Backstage stores each relation an entity emits together with its reverse, de-duplicates the
rows, and never checks that a target exists or that dependencies form a tree (spec §5.2,
§10.1). The graph reproduces exactly those rows, then warns about what Backstage accepts
silently: missing owners, dangling targets, dependency cycles and Group parent cycles.

Nodes are the lower-cased ref strings (`component:default/web`), because they are what
Backstage stores, what a person greps for and what a `catalog.json` export writes. Each
node has `kind`, `namespace`, `name`, `title` and `exists` (False for targets that no
entity in the catalog defines). Edges are keyed by relation type, so a row is stored once
however many entities declare it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple, Sequence

import networkx as nx

from generator.model.entity import Entity
from generator.model.problem import Problem, warning
from generator.model.relations import CHILD_OF, DEPENDS_ON, OWNED_BY, REVERSE, Relation
from generator.model.values import collector_paused, dotted

ACCEPTED = "accepted: Backstage stores the relation and reports nothing"
ACCEPTED_CYCLE = "accepted: Backstage stores these relations and reports nothing"

#: A stored relation row: (source ref, type, target ref), all strings.
Row = tuple[str, str, str]


@dataclass
class GraphResult:
    """The relation graph and the warnings found while building it (sorted)."""

    graph: nx.MultiDiGraph
    problems: list[Problem] = field(default_factory=list)


class _Declaration(NamedTuple):
    """One relation an entity emitted, with its refs as strings (computed once: a large
    catalog has hundreds of thousands of them), so warnings can point at file and line."""

    entity: Entity
    relation: Relation
    source: str
    target: str


def build_graph(entities: Sequence[Entity]) -> GraphResult:
    """Relate `entities` the way Backstage stores them and collect graph warnings.

    Refs are expected to be unique (validation resolves conflicts); should one repeat, the
    first entity with it wins, as Backstage keeps the first location to claim a ref.
    """
    with collector_paused():
        by_ref = _index(entities)
        emitted = _emitted(by_ref)
        declared = _rows(emitted)
        rows = sorted(declared)
        graph = nx.MultiDiGraph()
        _add_nodes(graph, by_ref, emitted)
        _add_edges(graph, rows)
        projections = _projections(rows, (DEPENDS_ON, CHILD_OF))
        problems = [
            *(problem for _, problem in _missing_targets(by_ref, emitted)),
            *_cycles(projections[DEPENDS_ON], declared, DEPENDS_ON, "dependency-cycle"),
            *_cycles(projections[CHILD_OF], declared, CHILD_OF, "group-cycle"),
        ]
        problems.sort(key=Problem.sort_key)
    return GraphResult(graph, problems)


def _index(entities: Iterable[Entity]) -> dict[str, Entity]:
    by_ref: dict[str, Entity] = {}
    for entity in entities:
        by_ref.setdefault(str(entity.ref), entity)
    return dict(sorted(by_ref.items()))


def _emitted(by_ref: dict[str, Entity]) -> list[_Declaration]:
    """Every relation the entities emit, by entity ref, then in Backstage's field order."""
    return [
        _Declaration(entity, relation, str(relation.source), str(relation.target))
        for entity in by_ref.values()
        for relation in entity.relations
    ]


def _rows(emitted: list[_Declaration]) -> dict[Row, _Declaration]:
    """Every stored row, forward and reverse, once, with the first declaration of it."""
    declared: dict[Row, _Declaration] = {}
    for item in emitted:
        kind = item.relation.type
        declared.setdefault((item.source, kind, item.target), item)
        declared.setdefault((item.target, REVERSE[kind], item.source), item)
    return declared


def _add_nodes(
    graph: nx.MultiDiGraph, by_ref: dict[str, Entity], emitted: list[_Declaration]
) -> None:
    """Entities first, then the targets nobody defines, each in sorted order."""
    for ref, entity in by_ref.items():
        graph.add_node(
            ref,
            kind=entity.ref.kind,
            namespace=entity.ref.namespace,
            name=entity.ref.name,
            title=entity.title,
            exists=True,
        )
    missing = {item.target: item.relation.target for item in emitted if item.target not in by_ref}
    for ref in sorted(missing):
        target = missing[ref]
        graph.add_node(
            ref,
            kind=target.kind,
            namespace=target.namespace,
            name=target.name,
            title=target.name,
            exists=False,
        )


def _add_edges(graph: nx.MultiDiGraph, rows: list[Row]) -> None:
    """Store each row as an edge keyed by its type, with no attributes.

    `graph.add_edge` costs several microseconds a call, most of the build time for 10,000
    entities. Rows are unique and all their nodes exist already, so this fills the
    adjacency structure networkx documents for MultiDiGraph directly: `_succ[u][v]` and
    `_pred[v][u]` are one shared key dict of `{key: attributes}`. The tests check the
    result equals the `add_edge` one.
    """
    succ, pred = graph._succ, graph._pred
    new_keys, new_attributes = graph.edge_key_dict_factory, graph.edge_attr_dict_factory
    for source, kind, target in rows:
        out = succ[source]
        keys = out.get(target)
        if keys is None:
            keys = out[target] = pred[target][source] = new_keys()
        keys[kind] = new_attributes()


def missing_targets(entities: Sequence[Entity]) -> list[tuple[str, Problem]]:
    """The `owner-not-found` and `dangling-relation` warnings `build_graph` reports, each
    with the ref (a node key) it misses, for judging them against refs seen elsewhere."""
    with collector_paused():
        by_ref = _index(entities)
        return _missing_targets(by_ref, _emitted(by_ref))


def _missing_targets(
    by_ref: dict[str, Entity], emitted: list[_Declaration]
) -> list[tuple[str, Problem]]:
    """One warning per emitted relation whose target is not in the catalog (a relation
    written twice by the same entity is reported at its first field only), with the
    target's ref.

    A missing owner gets its own, more specific code and is not reported as dangling too.
    """
    problems = []
    seen: set[Row] = set()
    for item in emitted:
        row = (item.source, item.relation.type, item.target)
        if item.target in by_ref or row in seen:
            continue
        seen.add(row)
        report = _owner_not_found if item.relation.type == OWNED_BY else _dangling
        problems.append((item.target, report(item.entity, item.relation)))
    return problems


def _owner_not_found(entity: Entity, relation: Relation) -> Problem:
    where = dotted(relation.field) or "spec.owner"
    return warning(
        "owner-not-found",
        f"{entity.ref}: {where} {_written(entity, relation)}refers to "
        f"{relation.target}, which is not in the catalog",
        hint=f"create {relation.target} or fix the spelling in {where}",
        **_where(entity, relation),
    )


def _dangling(entity: Entity, relation: Relation) -> Problem:
    where = dotted(relation.field) or "spec"
    return warning(
        "dangling-relation",
        f"{entity.ref}: {where} {_written(entity, relation)}refers to "
        f"{relation.target} ({relation.type}), which is not in the catalog",
        hint=f"create {relation.target} or fix the ref in {where}",
        **_where(entity, relation),
    )


def _where(entity: Entity, relation: Relation) -> dict:
    return {
        "file": entity.file,
        "line": entity.document.line_of(relation.field),
        "entity": str(entity.ref),
        "backstage": ACCEPTED,
    }


def _written(entity: Entity, relation: Relation) -> str:
    """The ref as the author wrote it, quoted with a trailing space, or "" if unknown.

    Read from the document (the field path and its line are the document's); shown only
    when it plainly names the target, in case the path indexes a re-ordered array.
    """
    value: object = entity.document.data
    for part in relation.field:
        try:
            value = value[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return ""
    if isinstance(value, str) and value.lower().endswith(relation.target.name):
        return f'"{value}" '
    return ""


def _projections(rows: list[Row], kinds: Sequence[str]) -> dict[str, nx.DiGraph]:
    """One plain DiGraph per relation type in `kinds`, in one pass over the rows."""
    edges: dict[str, list[tuple[str, str]]] = {kind: [] for kind in kinds}
    for source, kind, target in rows:
        if kind in edges:
            edges[kind].append((source, target))
    return {kind: nx.DiGraph(pairs) for kind, pairs in edges.items()}


def _cycles(
    projection: nx.DiGraph, declared: dict[Row, _Declaration], kind: str, code: str
) -> list[Problem]:
    """One warning per strongly connected component of `kind` edges that has a cycle.

    Enumerating every simple cycle can be exponential; one shortest cycle through the
    component's smallest ref is enough to show the user where to cut.
    """
    problems = []
    for component in nx.strongly_connected_components(projection):
        start = min(component)
        if len(component) == 1 and not projection.has_edge(start, start):
            continue
        cycle = shortest_cycle(projection, start, component)
        problems.append(_cycle_problem(cycle, declared, kind, code))
    return problems


def shortest_cycle(graph: nx.DiGraph, start: str, within: set[str]) -> list[str]:
    """The shortest cycle from `start` back to itself inside `within`, as a node list
    without the repeated end; ties go to the smallest refs (breadth-first, sorted)."""
    parents: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for succ in sorted(graph.successors(node)):
            if succ == start:
                return _path_to(node, parents, start)
            if succ in within and succ not in parents:
                parents[succ] = node
                queue.append(succ)
    raise ValueError(f"{start} is on no cycle")  # callers pass a cyclic component


def _path_to(node: str, parents: dict[str, str], start: str) -> list[str]:
    path = [node]
    while node != start:
        node = parents[node]
        path.append(node)
    return path[::-1]


def _cycle_problem(
    cycle: list[str], declared: dict[Row, _Declaration], kind: str, code: str
) -> Problem:
    """Located at the declaration of the cycle's first edge; lists every ref in order."""
    loop = [*cycle, cycle[0]]
    edges = list(zip(loop, loop[1:]))
    first = declared[(edges[0][0], kind, edges[0][1])]
    fields = sorted({_declared_as(declared[(s, kind, t)]) for s, t in edges})
    chain, declared_in = " → ".join(loop), ", ".join(fields)
    if kind == CHILD_OF:
        message = f"group parent cycle: {chain} (each is childOf the next; from {declared_in})"
        hint = "groups must form a tree: remove or change one of these parent/children entries"
    else:
        message = f"dependency cycle: {chain} (each dependsOn the next; from {declared_in})"
        hint = "break the cycle by removing one of these dependsOn/dependencyOf entries"
    return warning(
        code,
        message,
        hint=hint,
        file=first.entity.file,
        line=first.entity.document.line_of(first.relation.field),
        entity=str(first.entity.ref),
        backstage=ACCEPTED_CYCLE,
    )


def _declared_as(declaration: _Declaration) -> str:
    """`component:default/a spec.dependsOn[0]`: who declared an edge and in which field."""
    return f"{declaration.entity.ref} {dotted(declaration.relation.field) or 'spec'}"

