"""Relation diagrams drawn at build time: an entity's neighbourhood, a system's parts.

A page gets a `Diagram`, a frozen geometry the `partials/diagram.html` template turns into
SVG, so the browser needs no graph library and the same catalog always gives the same
bytes. The layout is layered, computed in plain Python: the page's entity in the middle
column, what it points at (owner, system, dependencies, APIs) in columns to the right,
what points at it (what it owns, its parts, its dependents) to the left, one column per
relation step. A force layout per page would cost seconds over 10,000 pages and move
nodes whenever an unrelated entity appears; layers are cheap and stable.

Each related pair is drawn once, in its forward direction (`ownedBy`, not `ownerOf`),
because the graph stores every relation both ways and two arrows per pair only add noise.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable

import networkx as nx

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

#: The direction each pair is drawn in; the reverse rows are skipped.
FORWARD = (OWNED_BY, PART_OF, DEPENDS_ON, PROVIDES_API, CONSUMES_API, MEMBER_OF, CHILD_OF)
_FORWARD = frozenset(FORWARD)
#: The relations a system diagram draws: how requests and data move between its parts.
_FLOW = frozenset((PROVIDES_API, CONSUMES_API, DEPENDS_ON))

#: Kinds that only group other parts: a Domain diagram draws their parts, not them.
GROUPING = frozenset(("system", "domain"))

#: More nodes than this and a diagram stops being readable; the rest is counted, not drawn.
MAX_NODES = 30

NODE_WIDTH = 176.0
NODE_HEIGHT = 44.0
COLUMN_GAP = 96.0
ROW_GAP = 16.0
MARGIN = 12.0
#: Gap between rows of a top-to-bottom (system) diagram.
LAYER_GAP = 56.0
#: Characters of a title that fit in a node box at the template's font size.
LABEL_CHARS = 22


@dataclass(frozen=True)
class Node:
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


@dataclass(frozen=True)
class Edge:
    """One relation arrow from `source` to `target`, as a cubic Bézier through `points`
    (start, two control points, end), labelled at (`label_x`, `label_y`)."""

    source: str
    target: str
    type: str
    points: tuple[tuple[float, float], ...]
    label_x: float = 0.0
    label_y: float = 0.0

    @property
    def path(self) -> str:
        """The SVG path data of the arrow; geometry, not markup."""
        (x0, y0), *rest = self.points
        if len(rest) == 3:
            (x1, y1), (x2, y2), (x3, y3) = rest
            return f"M{x0:g} {y0:g} C{x1:g} {y1:g} {x2:g} {y2:g} {x3:g} {y3:g}"
        return f"M{x0:g} {y0:g} " + " ".join(f"L{x:g} {y:g}" for x, y in rest)


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
    def id(self) -> str:
        """The figure's element id; ids of its title, description and marker derive from it."""
        return f"diagram-{self.view}"

    @property
    def by_ref(self) -> dict[str, Node]:
        """The drawn nodes by ref, for the text list of relations beside the picture."""
        return {node.ref: node for node in self.nodes}


def entity_href(ref: str) -> str:
    """`entity/<namespace>/<kind>/<name>.html` for a lower-cased ref string."""
    kind, _, rest = ref.partition(":")
    namespace, _, name = rest.partition("/")
    return f"entity/{namespace}/{kind}/{name}.html"


def draw(catalog: Catalog, ref: str, depth: int = 1, max_nodes: int = MAX_NODES) -> Diagram:
    """The neighbourhood of `ref` up to `depth` relation steps, laid out in layers."""
    key = ref_key(ref)
    graph = catalog.graph
    if key not in graph:
        return Diagram(0.0, 0.0, (), (), 0, key, key)
    layers = _layers(catalog, key, depth)
    kept = _keep(layers, max_nodes)
    return _lay_out(catalog, key, layers, kept, len(layers) - len(kept))


def draw_system(catalog: Catalog, ref: str, max_nodes: int = MAX_NODES) -> Diagram:
    """A System's (or Domain's) parts and how work flows between them, left to right.

    A consumer sits left of the API it consumes, the API left of the component providing
    it, a component left of what it depends on: the way a request travels. Parts of a
    Domain's systems count as its parts. Consumers and dependencies outside the system are
    drawn too, marked external, since "who calls us" is what a system page is read for.
    """
    key = ref_key(ref)
    graph = catalog.graph
    if key not in graph:
        return Diagram(0.0, 0.0, (), (), 0, key, key, "system")
    parts = {part for part in _parts(graph, key) if _kind(catalog, part) not in GROUPING}
    flows = _flows(graph, parts)
    layers = _flow_layers(sorted({*parts, *(ref for pair in flows for ref in pair)}), flows)
    internal = sorted(parts)
    external = sorted(set(layers) - parts)
    kept = set(internal[:max_nodes]) | set(external[: max(0, max_nodes - len(internal))])
    return _lay_out(catalog, key, layers, kept, len(layers) - len(kept), parts)


def _parts(graph, key: str) -> set[str]:
    """What `key` has as parts, and their parts in turn (a Domain's systems' components)."""
    seen: set[str] = set()
    todo = [key]
    while todo:
        for _, part, kind in graph.out_edges(todo.pop(), keys=True):
            if kind == HAS_PART and part not in seen and part != key:
                seen.add(part)
                todo.append(part)
    return seen


def _flows(graph, parts: set[str]) -> list[tuple[str, str]]:
    """(upstream, downstream) pairs touching a part: consumer to API, API to its provider,
    dependent to dependency. Systems themselves (a Domain's parts) are left out: their
    components carry the flow."""
    pairs = set()
    for part in parts:
        for source, target, kind in (*graph.out_edges(part, keys=True), *graph.in_edges(part, keys=True)):
            if kind in (CONSUMES_API, DEPENDS_ON):
                pairs.add((source, target))
            elif kind == PROVIDES_API:
                pairs.add((target, source))
    return sorted(pairs)


def _flow_layers(refs: list[str], flows: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering of the flow graph; a cycle's members share one column."""
    flow = nx.DiGraph()
    flow.add_nodes_from(refs)
    flow.add_edges_from(flows)
    dag = nx.condensation(flow)
    depth: dict[int, int] = {}
    for component in nx.lexicographical_topological_sort(dag):
        before = [depth[other] + 1 for other in dag.predecessors(component)]
        depth[component] = max(before, default=0)
    mapping = dag.graph["mapping"]
    return {ref: depth[mapping[ref]] for ref in refs}


def _layers(catalog: Catalog, key: str, depth: int) -> dict[str, int]:
    """Each reachable ref's column: its distance in relation steps, positive when the walk
    left the entity along a forward relation (towards its owner, system, dependencies),
    negative when it left against one (towards what it owns or what depends on it), so
    each side of the entity grows away from it."""
    graph = catalog.graph
    layers = {key: 0}
    frontier = deque([key])
    while frontier:
        node = frontier.popleft()
        column = layers[node]
        if abs(column) == depth:
            continue
        for other, sign in _neighbours(graph, node):
            if other not in layers:
                layers[other] = column + (1 if column > 0 else -1) if column else sign
                frontier.append(other)
    return layers


def _neighbours(graph, node: str) -> list[tuple[str, int]]:
    """(ref, +1) for forward relations out of `node`, (ref, -1) for forward relations into
    it; sorted so the walk, and so the layout, never depends on insertion order."""
    found = {other: 1 for _, other, kind in graph.out_edges(node, keys=True) if kind in _FORWARD}
    for other, _, kind in graph.in_edges(node, keys=True):
        if kind in _FORWARD and other not in found:
            found[other] = -1
    return sorted(found.items())


def _keep(layers: dict[str, int], max_nodes: int) -> set[str]:
    """The nodes that fit under the cap: nearest columns first, then by ref."""
    ordered = sorted(layers, key=lambda ref: (abs(layers[ref]), ref))
    return set(ordered[: max(1, max_nodes)])


def _lay_out(
    catalog: Catalog,
    key: str,
    layers: dict[str, int],
    kept: set[str],
    hidden: int,
    parts: set[str] | None = None,
) -> Diagram:
    """Order each layer, place the boxes and route the arrows between them.

    `parts` switches to the system view: layers run top to bottom (a flow is deeper than
    it is wide), nodes outside `parts` are external, and the arrows are the flow
    relations. Otherwise layers are columns, and arrows join the entity to its neighbours
    and each ring of the neighbourhood to the next, never two nodes of one ring (a team's
    APIs are all owned by that team too; drawing that forty times says nothing).
    """
    if parts is None:
        rows = _rows(catalog, kept, _FORWARD, lambda a, b: _adjacent(layers, key, a, b))
    else:
        rows = _rows(catalog, kept, _FLOW, lambda a, b: True)
    order = _order(catalog, layers, kept, rows, key)
    vertical = parts is not None
    places, width, height = _place(order, vertical)
    nodes = {
        ref: _node(catalog, ref, key, x, y, parts is not None and ref not in parts)
        for ref, (x, y) in places.items()
    }
    edges = tuple(
        _edge(nodes[source], nodes[target], kind, vertical) for source, kind, target in rows
    )
    ordered = tuple(nodes[ref] for ref in sorted(nodes))
    subject = str(catalog.graph.nodes[key].get("title") or key)
    view = "neighbourhood" if parts is None else "system"
    return Diagram(round(width, 1), round(height, 1), ordered, edges, hidden, key, subject, view)


def _adjacent(layers: dict[str, int], key: str, a: str, b: str) -> bool:
    return key in (a, b) or abs(abs(layers[a]) - abs(layers[b])) == 1


def _rows(
    catalog: Catalog, kept: set[str], types: frozenset[str], wanted: Callable[[str, str], bool]
) -> list[tuple[str, str, str]]:
    """(source, type, target) for each relation of `types` between kept nodes, sorted."""
    graph = catalog.graph
    return sorted(
        (source, kind, target)
        for source in kept
        for _, target, kind in graph.out_edges(source, keys=True)
        if kind in types and target in kept and target != source and wanted(source, target)
    )


def _order(
    catalog: Catalog,
    layers: dict[str, int],
    kept: set[str],
    rows: list[tuple[str, str, str]],
    key: str,
) -> list[list[str]]:
    """The kept refs layer by layer, each layer ordered to keep arrows short.

    Layers are settled from the entity outwards (or from the top of a flow); a node goes
    near the average place of the nodes it is joined to in layers already settled (the
    barycentre heuristic), ties and loners by kind then ref. One sweep is enough for
    diagrams this small and keeps the layout cheap and stable.
    """
    linked: dict[str, list[str]] = {ref: [] for ref in kept}
    for source, _, target in rows:
        linked[source].append(target)
        linked[target].append(source)
    by_layer: dict[int, list[str]] = {}
    for ref in sorted(kept):
        by_layer.setdefault(layers[ref], []).append(ref)
    position: dict[str, float] = {}
    for layer in sorted(by_layer, key=lambda layer: (abs(layer) if key in kept else layer, layer)):
        refs = by_layer[layer]
        refs.sort(key=lambda ref: (_barycentre(linked[ref], position), _kind(catalog, ref), ref))
        for index, ref in enumerate(refs):
            position[ref] = index - (len(refs) - 1) / 2
    return [by_layer[layer] for layer in sorted(by_layer)]


def _barycentre(others: list[str], position: dict[str, float]) -> float:
    placed = [position[other] for other in others if other in position]
    return sum(placed) / len(placed) if placed else float("inf")


def _place(
    order: list[list[str]], vertical: bool
) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Top-left corners of the boxes and the canvas size; each layer centred across."""
    across_step = (NODE_WIDTH + ROW_GAP) if vertical else (NODE_HEIGHT + ROW_GAP)
    along_step = (NODE_HEIGHT + LAYER_GAP) if vertical else (NODE_WIDTH + COLUMN_GAP)
    widest = max(len(refs) for refs in order)
    across = widest * across_step - ROW_GAP
    along = len(order) * along_step - (along_step - (NODE_HEIGHT if vertical else NODE_WIDTH))
    places: dict[str, tuple[float, float]] = {}
    for layer, refs in enumerate(order):
        offset = (across - (len(refs) * across_step - ROW_GAP)) / 2
        for index, ref in enumerate(refs):
            a = MARGIN + layer * along_step
            b = MARGIN + offset + index * across_step
            places[ref] = (round(b, 1), round(a, 1)) if vertical else (round(a, 1), round(b, 1))
    size = (across + 2 * MARGIN, along + 2 * MARGIN)
    width, height = size if vertical else size[::-1]
    return places, width, height


def _kind(catalog: Catalog, ref: str) -> str:
    return catalog.graph.nodes[ref].get("kind", "")


def _node(catalog: Catalog, ref: str, key: str, x: float, y: float, external: bool) -> Node:
    data = catalog.graph.nodes[ref]
    title = str(data.get("title") or data.get("name") or ref)
    label = title if len(title) <= LABEL_CHARS else title[: LABEL_CHARS - 1] + "…"
    exists = bool(data.get("exists", ref in catalog.entities))
    return Node(
        ref=ref,
        label=label,
        kind=str(data.get("kind", "")),
        x=x,
        y=y,
        width=NODE_WIDTH,
        height=NODE_HEIGHT,
        exists=exists,
        current=ref == key,
        href=entity_href(ref) if exists else None,
        title=title,
        external=external,
    )


def _edge(source: Node, target: Node, kind: str, vertical: bool) -> Edge:
    """A curve from the side of `source` facing `target` to the facing side of `target`.

    Nodes in one layer (only members of a dependency cycle) are joined by a loop out of
    the side away from the layers' direction, so it never runs through other boxes.
    """
    sx, sy = _centre(source)
    tx, ty = _centre(target)
    if vertical:
        half = source.height / 2
        if ty == sy:
            out = sy + half + LAYER_GAP * 0.6
            points = ((sx, sy + half), (sx, out), (tx, out), (tx, ty + half))
            return _curve(source, target, kind, points, ((sx + tx) / 2, out - 6))
        sign = 1 if ty > sy else -1
        sy, ty = sy + sign * half, ty - sign * half
        middle = (sy + ty) / 2
        points = ((sx, sy), (sx, middle), (tx, middle), (tx, ty))
        return _curve(source, target, kind, points, ((sx + tx) / 2, middle))
    half = source.width / 2
    if tx == sx:
        out = sx + half + COLUMN_GAP * 0.6
        points = ((sx + half, sy), (out, sy), (out, ty), (tx + half, ty))
        return _curve(source, target, kind, points, (out, (sy + ty) / 2))
    sign = 1 if tx > sx else -1
    sx, tx = sx + sign * half, tx - sign * half
    middle = (sx + tx) / 2
    points = ((sx, sy), (middle, sy), (middle, ty), (tx, ty))
    return _curve(source, target, kind, points, (middle, (sy + ty) / 2))


def _centre(node: Node) -> tuple[float, float]:
    return node.x + node.width / 2, node.y + node.height / 2


def _curve(source: Node, target: Node, kind: str, points, label) -> Edge:
    rounded = tuple((round(x, 1), round(y, 1)) for x, y in points)
    return Edge(source.ref, target.ref, kind, rounded, round(label[0], 1), round(label[1], 1))
