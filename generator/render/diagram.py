"""Relation diagrams drawn at build time: an entity's neighbourhood, a system's parts.

A page gets a `Diagram`, a frozen geometry the `partials/diagram.html` template turns into
SVG, so the browser needs no graph library and the same catalog always gives the same
bytes. The layout is layered, computed in plain Python (`diagram_layout`): the page's
entity in the middle column, what it points at (owner, system, dependencies, APIs) in
columns to the right, what points at it (what it owns, its parts, its dependents) to the
left, one column per relation step. A force layout per page would cost seconds over
10,000 pages and move nodes whenever an unrelated entity appears; layers are cheap and
stable.

Each related pair is drawn once, in its forward direction (`ownedBy`, not `ownerOf`),
because the graph stores every relation both ways and two arrows per pair only add noise.
The graph's adjacency dicts are read directly: networkx's edge views cost more than the
whole layout on pages whose entity has thousands of relations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, NamedTuple

import networkx as nx
from markupsafe import Markup

from generator.model.catalog import Catalog, ref_key
from generator.model.relations import (
    CHILD_OF,
    CONSUMES_API,
    DEPENDS_ON,
    HAS_PART,
    MEMBER_OF,
    OWNED_BY,
    PART_OF,
    PROVIDES_API,
)
from generator.render import diagram_layout as layout
from generator.render import diagram_svg as svg

#: The direction each pair is drawn in; the reverse rows are skipped.
FORWARD = (OWNED_BY, PART_OF, DEPENDS_ON, PROVIDES_API, CONSUMES_API, MEMBER_OF, CHILD_OF)
_FORWARD = frozenset(FORWARD)
#: The relations a system diagram draws: how requests and data move between its parts.
FLOW = frozenset((PROVIDES_API, CONSUMES_API, DEPENDS_ON))

#: More nodes than this and a diagram stops being readable; the rest is counted, not drawn.
MAX_NODES = 30
#: Characters of a title that fit in a node box at the stylesheet's font size.
LABEL_CHARS = 22

Row = tuple[str, str, str]


class Node(NamedTuple):
    """One entity box. `href` is the page's path from the site root, None when no entity
    in the catalog defines the ref (a dangling target, drawn dashed)."""

    ref: str
    label: str
    kind: str
    x: float
    y: float
    width: float
    height: float
    exists: bool
    current: bool
    href: str | None
    #: The full title (`label` may be shortened to fit the box).
    title: str = ""
    #: In a system diagram: not a part of the system, only connected to one.
    external: bool = False


class Edge(NamedTuple):
    """One relation arrow from `source` to `target`: a cubic Bézier through `points`
    (start, two control points, end), labelled at (`label_x`, `label_y`)."""

    source: str
    target: str
    type: str
    points: tuple[tuple[float, float], ...]
    label_x: float = 0.0
    label_y: float = 0.0
    #: False when a neighbouring arrow of the same fan already names the relation.
    labelled: bool = True

    @property
    def path(self) -> str:
        """The SVG path data of the arrow; geometry, not markup."""
        return layout.path_data(self.points)


@dataclass(frozen=True)
class Diagram:
    """A laid-out diagram: nodes, edges and the canvas size. `hidden` counts the nodes
    left out to respect the cap (the template shows "+N more")."""

    width: float
    height: float
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    hidden: int = 0
    #: The entity the diagram is about, and its title, for the SVG's <title> and <desc>.
    ref: str = ""
    subject: str = ""
    #: "neighbourhood" or "system": names the figure, so both fit on one page.
    view: str = "neighbourhood"

    @property
    def empty(self) -> bool:
        """True when there is nothing but the entity itself to draw."""
        return not self.edges

    @property
    def size(self) -> tuple[str, str]:
        """Width and height as the SVG writes them: `760`, not `760.0`."""
        return f"{self.width:g}", f"{self.height:g}"

    @property
    def id(self) -> str:
        """The figure's element id; ids of its title, description and marker derive from it."""
        return f"diagram-{self.view}"

    @property
    def by_ref(self) -> dict[str, Node]:
        """The drawn nodes by ref, for the text list of relations beside the picture."""
        return {node.ref: node for node in self.nodes}

    # The repeated markup, for partials/diagram.html (see diagram_svg for why in Python).
    def svg_description(self) -> Markup:
        return svg.description(self)

    def svg_edges(self) -> Markup:
        return svg.edges(self)

    def svg_labels(self) -> Markup:
        return svg.labels(self)

    def svg_nodes(self, root: str) -> Markup:
        return svg.nodes(self, root)

    def text_items(self, root: str) -> Markup:
        return svg.text_items(self, root)


def entity_href(ref: str) -> str:
    """`entity/<namespace>/<kind>/<name>.html` for a lower-cased ref string."""
    kind, _, rest = ref.partition(":")
    namespace, _, name = rest.partition("/")
    return f"entity/{namespace}/{kind}/{name}.html"


def draw(catalog: Catalog, ref: str, depth: int = 1, max_nodes: int = MAX_NODES) -> Diagram:
    """The neighbourhood of `ref` up to `depth` relation steps, in columns by distance.

    Arrows join the entity to its neighbours and each ring of the neighbourhood to the
    next, never two nodes of one ring: a team's APIs are all owned by that team too, and
    drawing that forty times says nothing.
    """
    key = ref_key(ref)
    graph = catalog.graph
    if key not in graph:
        return Diagram(0.0, 0.0, (), (), 0, key, key)
    layers = _rings(graph, key, max(0, depth))
    kept = _sample(graph, layers, max(1, max_nodes))
    drawn = {other: layers[other] for other in kept}

    def adjacent(a: str, b: str) -> bool:
        return key in (a, b) or abs(abs(drawn[a]) - abs(drawn[b])) == 1

    if depth <= 1:  # every arrow touches the entity: its own adjacency holds them all
        rows = _own_rows(graph, key, drawn, _FORWARD)
    else:
        rows = _rows(graph, drawn, _FORWARD, adjacent)
    return _diagram(catalog, key, drawn, rows, len(layers) - len(kept), None, key)


def draw_system(catalog: Catalog, ref: str, max_nodes: int = MAX_NODES) -> Diagram:
    """A System's parts, top to bottom in the order a request travels, or a Domain's
    systems and which of them use which.

    A consumer sits above the API it consumes, the API above the component providing it,
    a component above what it depends on. Consumers and dependencies outside the system
    are drawn too, marked external, since "who calls us" is what a system page is read
    for. A Domain aggregates: one box per system (or sub-domain), an arrow when a part of
    one consumes an API of, or depends on, a part of another.
    """
    key = ref_key(ref)
    graph = catalog.graph
    if key not in graph:
        return Diagram(0.0, 0.0, (), (), 0, key, key, "system")
    parts = sorted(_targets(graph, key, HAS_PART))
    unit = _system_of(graph) if graph.nodes[key].get("kind") == "domain" else _itself
    rows = _flow_rows(graph, parts, unit)
    inside = set(parts)
    outside = sorted({ref for row in rows for ref in (row[0], row[2])} - inside)
    kept = parts[:max_nodes] + outside[: max(0, max_nodes - len(parts))]
    kept_set = set(kept)
    rows = [row for row in rows if row[0] in kept_set and row[2] in kept_set]
    flows = [(target, source) if kind == PROVIDES_API else (source, target)
             for source, kind, target in rows]
    if not kept:
        title = str(graph._node[key].get("title") or key)
        return Diagram(0.0, 0.0, (), (), 0, key, title, "system")
    layers = layout.longest_path_layers(sorted(kept_set), flows)
    hidden = len(parts) + len(outside) - len(kept)
    return _diagram(catalog, key, layers, rows, hidden, inside, None)


def _rings(graph: nx.MultiDiGraph, key: str, depth: int) -> dict[str, int]:
    """Each ref within `depth` steps and its column: the distance, positive when the
    walk left the entity along a forward relation (towards its owner, system,
    dependencies), negative against one (towards what it owns or what depends on it).

    Only the first step needs the relation's direction; beyond it a ref inherits its
    side, and since every relation is stored both ways the successors of a node are all
    its neighbours: a set difference per node keeps deep walks through big teams cheap.
    """
    layers = {key: 0}
    if depth < 1:
        return layers
    frontier = []
    for other, sign in _neighbours(graph, key):
        layers[other] = sign
        frontier.append(other)
    for _ in range(depth - 1):
        following = []
        for node in frontier:
            column = layers[node] + (1 if layers[node] > 0 else -1)
            for other in graph._succ[node].keys() - layers.keys():
                layers[other] = column
                following.append(other)
        frontier = sorted(following)
    return layers


def _sample(graph: nx.MultiDiGraph, layers: dict[str, int], limit: int) -> list[str]:
    """The refs to draw when there are more than `limit`: nearest rings first, and within
    a ring turn by turn from each (side, kind) group, so a team owning three hundred
    components still shows its parent, its members and some of everything it owns."""
    if len(layers) <= limit:
        return sorted(layers)
    groups: dict[tuple[int, int, str], list[str]] = {}
    for ref, column in layers.items():
        groups.setdefault((abs(column), column, graph._node[ref]["kind"]), []).append(ref)
    kept: list[str] = []
    for distance in sorted({key[0] for key in groups}):
        # the forward side first: an owner, a parent, a system are few and say the most
        keys = sorted((key for key in groups if key[0] == distance), key=lambda k: (-k[1], k[2]))
        ring = [sorted(groups[key]) for key in keys]
        for turn in range(max(len(refs) for refs in ring)):
            for refs in ring:
                if turn < len(refs):
                    kept.append(refs[turn])
                    if len(kept) == limit:
                        return sorted(kept)
    return sorted(kept)


def _neighbours(graph: nx.MultiDiGraph, node: str) -> list[tuple[str, int]]:
    """(ref, +1) for forward relations out of `node`, (ref, -1) for forward relations
    into it; sorted, so the walk and the layout never depend on insertion order."""
    found = {other: 1 for other, keys in graph._succ[node].items() if not _FORWARD.isdisjoint(keys)}
    for other, keys in graph._pred[node].items():
        if other not in found and not _FORWARD.isdisjoint(keys):
            found[other] = -1
    return sorted(found.items())


def _targets(graph: nx.MultiDiGraph, node: str, kind: str) -> Iterator[str]:
    return (other for other, keys in graph._succ[node].items() if kind in keys)


def _rows(
    graph: nx.MultiDiGraph,
    drawn: dict[str, int],
    types: frozenset[str],
    wanted: Callable[[str, str], bool],
) -> list[Row]:
    """(source, type, target) for each relation of `types` between drawn refs, sorted.
    Pairs are looked up from the smaller side: an owner may have thousands of rows,
    and a set built from them would cost more than the whole layout."""
    rows = []
    for source in drawn:
        succ = graph._succ[source]
        for target in (succ if len(succ) < len(drawn) else drawn):
            keys = succ.get(target)
            if keys and target in drawn and target != source and wanted(source, target):
                rows.extend((source, kind, target) for kind in keys if kind in types)
    return sorted(rows)


def _own_rows(graph: nx.MultiDiGraph, key: str, drawn: dict[str, int],
              types: frozenset[str]) -> list[Row]:
    """What `_rows` finds when every arrow has `key` at one end: its relations of `types`
    with drawn refs, read from its own adjacency. Every relation is stored both ways, so
    `_pred[key][other]` is the key dict of `_succ[other][key]`."""
    rows = [(key, kind, other) for other, keys in graph._succ[key].items()
            if other != key and other in drawn for kind in keys if kind in types]
    rows.extend((other, kind, key) for other, keys in graph._pred[key].items()
                if other != key and other in drawn for kind in keys if kind in types)
    return sorted(rows)


def _itself(ref: str) -> str:
    return ref


def _system_of(graph: nx.MultiDiGraph) -> Callable[[str], str]:
    """Maps a ref to the System it is part of (itself when none), for a Domain's view;
    remembered, since every neighbour of every member is asked about."""
    known: dict[str, str] = {}

    def system(ref: str) -> str:
        found = known.get(ref)
        if found is None:
            found = ref
            for other, keys in graph._succ[ref].items():
                if PART_OF in keys and graph._node[other].get("kind") == "system":
                    found = other
                    break
            known[ref] = found
        return found

    return system


def _flow_rows(graph: nx.MultiDiGraph, parts: list[str], unit: Callable[[str], str]) -> list[Row]:
    """Flow relations touching a part's members, as rows between units (parts themselves
    for a System; their systems for a Domain), each once, without self-loops."""
    rows: set[Row] = set()
    for part in parts:
        members = [part] if unit is _itself else [part, *_targets(graph, part, HAS_PART)]
        for member in members:
            for other, keys in graph._succ[member].items():
                for kind in FLOW.intersection(keys):
                    rows.add((unit(member), kind, unit(other)))
            for other, keys in graph._pred[member].items():
                for kind in FLOW.intersection(keys):
                    rows.add((unit(other), kind, unit(member)))
    return sorted(row for row in rows if row[0] != row[2])


def _diagram(
    catalog: Catalog,
    key: str,
    layers: dict[str, int],
    rows: list[Row],
    hidden: int,
    parts: set[str] | None,
    centre: str | None,
) -> Diagram:
    """The diagram of `layers` (columns for a neighbourhood, rows for a system view, where
    `parts` says which nodes are inside), with every node's kind, title and whether it
    exists read from the graph."""
    attributes = catalog.graph._node
    nodes = tuple(
        (ref, str(data.get("kind", "")), str(data.get("title") or data.get("name") or ref),
         bool(data["exists"] if "exists" in data else ref in catalog.entities))
        for ref, data in ((ref, attributes[ref]) for ref in sorted(layers))
    )
    subject = str(attributes[key].get("title") or key)
    return _lay_out(Plan(key, subject, tuple(sorted(layers.items())), tuple(rows), hidden,
                         None if parts is None else tuple(sorted(parts)), centre, nodes))


@dataclass(frozen=True)
class Plan:
    """Everything a diagram's layout depends on, as plain values read from the graph."""

    key: str
    subject: str
    layers: tuple[tuple[str, int], ...]
    rows: tuple[Row, ...]
    hidden: int
    parts: tuple[str, ...] | None
    centre: str | None
    #: (ref, kind, title, exists) of each node, sorted by ref.
    nodes: tuple[tuple[str, str, str, bool], ...]


def _lay_out(plan: Plan) -> Diagram:
    vertical = plan.parts is not None
    parts = set(plan.parts or ())
    info = {ref: (kind, title, exists) for ref, kind, title, exists in plan.nodes}
    rows = list(plan.rows)
    order = layout.order_layers(dict(plan.layers), rows, lambda ref: (info[ref][0], ref),
                                plan.centre)
    places, width, height = layout.place(order, vertical)
    nodes = {
        ref: _node(ref, *info[ref], plan.key, place, vertical and ref not in parts)
        for ref, place in places.items()
    }
    routes = [
        layout.route_around(
            places[source], places[target], _between(order, places, source, target), True)
        if vertical else layout.route(places[source], places[target], False)
        for source, _, target in rows
    ]
    shown = _labelled(rows, routes)
    placed = iter(layout.spread_labels(
        [(label, row[1]) for (_, label), row, show in zip(routes, rows, shown) if show]))
    edges = tuple(
        Edge(source, target, kind, points, *(next(placed) if show else label), labelled=show)
        for (source, kind, target), (points, label), show in zip(rows, routes, shown)
    )
    view = "system" if vertical else "neighbourhood"
    ordered = tuple(nodes[ref] for ref in sorted(nodes))
    return Diagram(width, height, ordered, edges, plan.hidden, plan.key, plan.subject, view)


def _labelled(rows: list[Row], routes: list) -> list[bool]:
    """Which arrows carry their relation's name: of several arrows of one type into or
    out of one box (a team's forty `ownedBy`), only the middle one; the rest say the same."""
    fans: dict[tuple[str, str, str], list[int]] = {}
    for index, (source, kind, target) in enumerate(rows):
        fans.setdefault(("to", kind, target), []).append(index)
        fans.setdefault(("from", kind, source), []).append(index)
    shown = [True] * len(rows)
    for members in fans.values():
        if len(members) > 2:
            members.sort(key=lambda index: (routes[index][1][1], routes[index][1][0]))
            middle = members[len(members) // 2]
            for index in members:
                shown[index] = shown[index] and index == middle
    return shown


def _node(ref: str, kind: str, title: str, exists: bool, key: str, place: layout.Point,
          external: bool) -> Node:
    label = title if len(title) <= LABEL_CHARS else title[: LABEL_CHARS - 1] + "…"
    return Node(
        ref=ref,
        label=label,
        kind=kind,
        x=place[0],
        y=place[1],
        width=layout.NODE_WIDTH,
        height=layout.NODE_HEIGHT,
        exists=exists,
        current=ref == key,
        href=entity_href(ref) if exists else None,
        title=title,
        external=external,
    )


def _between(
    order: list[list[str]], places: dict[str, layout.Point], source: str, target: str
) -> list[layout.Point]:
    """Top-left corners of the boxes in the layers an arrow from `source` to `target`
    passes over (only a flow skips layers: a neighbourhood's arrows join adjacent ones)."""
    first = next(index for index, refs in enumerate(order) if source in refs)
    last = next(index for index, refs in enumerate(order) if target in refs)
    low, high = sorted((first, last))
    return [places[ref] for refs in order[low + 1:high] for ref in refs]
