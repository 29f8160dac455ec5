"""Where the boxes and arrows of a relation diagram go: layered placement and routing.

`generator.render.diagram` decides what a diagram shows (which refs, in which layer,
joined by which relations); this module only turns that into coordinates. Layers are
columns (left to right) or rows (top to bottom); inside a layer, nodes are ordered by
the barycentre heuristic so arrows stay short; arrows are cubic curves between the facing
sides of two boxes. Sizes are whole pixels, so every coordinate is a whole, half or
quarter pixel: exact in binary floating point, with no rounding to make the SVG stable.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable

NODE_WIDTH = 176.0
NODE_HEIGHT = 44.0
#: Space between columns (room for a relation label) and between rows of a flow.
COLUMN_GAP = 104.0
LAYER_GAP = 56.0
#: Space between two boxes of one layer.
ROW_GAP = 16.0
MARGIN = 12.0

Point = tuple[float, float]
Row = tuple[str, str, str]


def order_layers(
    layers: dict[str, int],
    rows: Iterable[Row],
    sort_key: Callable[[str], tuple],
    outwards_from: str | None = None,
) -> list[list[str]]:
    """The refs layer by layer, each layer ordered to keep arrows short.

    Layers are settled from `outwards_from`'s layer outwards (or top to bottom without
    it); a node goes near the average place of the nodes it is joined to in layers
    already settled (the barycentre heuristic), loners and ties by `sort_key`. One sweep
    is enough for diagrams of a few dozen nodes and keeps the layout cheap and stable.
    """
    linked: dict[str, list[str]] = {ref: [] for ref in layers}
    for source, _, target in rows:
        linked[source].append(target)
        linked[target].append(source)
    by_layer: dict[int, list[str]] = {}
    for ref in sorted(layers):
        by_layer.setdefault(layers[ref], []).append(ref)
    centre = layers[outwards_from] if outwards_from is not None else min(by_layer)
    position: dict[str, float] = {}
    for layer in sorted(by_layer, key=lambda layer: (abs(layer - centre), layer)):
        refs = by_layer[layer]
        refs.sort(key=lambda ref: (_barycentre(linked[ref], position), sort_key(ref)))
        for index, ref in enumerate(refs):
            position[ref] = index - (len(refs) - 1) / 2
    return [by_layer[layer] for layer in sorted(by_layer)]


def _barycentre(others: list[str], position: dict[str, float]) -> float:
    placed = [position[other] for other in others if other in position]
    return sum(placed) / len(placed) if placed else float("inf")


def place(order: list[list[str]], vertical: bool) -> tuple[dict[str, Point], float, float]:
    """Top-left corners of the boxes and the canvas (width, height); each layer centred
    across the widest one."""
    across_step = (NODE_WIDTH if vertical else NODE_HEIGHT) + ROW_GAP
    along_size = NODE_HEIGHT if vertical else NODE_WIDTH
    along_step = along_size + (LAYER_GAP if vertical else COLUMN_GAP)
    across = max(len(refs) for refs in order) * across_step - ROW_GAP
    along = (len(order) - 1) * along_step + along_size
    places: dict[str, Point] = {}
    for layer, refs in enumerate(order):
        offset = (across - (len(refs) * across_step - ROW_GAP)) / 2
        for index, ref in enumerate(refs):
            a = MARGIN + layer * along_step
            b = MARGIN + offset + index * across_step
            places[ref] = (b, a) if vertical else (a, b)
    across, along = across + 2 * MARGIN, along + 2 * MARGIN
    return (places, across, along) if vertical else (places, along, across)


def route(source: Point, target: Point, vertical: bool) -> tuple[tuple[Point, ...], Point]:
    """The curve (start, two control points, end) from the box at `source` to the box at
    `target` (top-left corners), and where its label goes.

    Boxes in one layer (members of a dependency cycle, say) are joined by a loop out of
    the side away from the layers' direction, so it never runs through other boxes.
    """
    sx, sy = source[0] + NODE_WIDTH / 2, source[1] + NODE_HEIGHT / 2
    tx, ty = target[0] + NODE_WIDTH / 2, target[1] + NODE_HEIGHT / 2
    if vertical:
        points, label = _route_across(sy, ty, sx, tx, NODE_HEIGHT / 2, LAYER_GAP)
        points = tuple((b, a) for a, b in points)
        label = (label[1], label[0])
    else:
        points, label = _route_across(sx, tx, sy, ty, NODE_WIDTH / 2, COLUMN_GAP)
    return points, label


def route_around(
    source: Point, target: Point, blocking: list[Point], vertical: bool
) -> tuple[tuple[Point, ...], Point]:
    """`route` for an arrow that skips layers: straight down (or across) the lane nearest
    its ends that no box of the skipped layers (`blocking`, top-left corners) sits in,
    so the arrow is never hidden behind a box it does not touch. Six points, drawn as
    straight segments; labelled just after it leaves `source`."""
    if not blocking:
        return route(source, target, vertical)
    flip = (lambda p: (p[1], p[0])) if vertical else (lambda p: p)
    size_along, size_across = (NODE_HEIGHT, NODE_WIDTH) if vertical else (NODE_WIDTH, NODE_HEIGHT)
    (s_along, s_across), (t_along, t_across) = flip(source), flip(target)
    s_mid, t_mid = s_across + size_across / 2, t_across + size_across / 2
    spans = sorted((flip(corner)[1], flip(corner)[1] + size_across) for corner in blocking)
    lane = _free_lane(spans, (s_mid + t_mid) / 2)
    sign = 1 if t_along > s_along else -1
    start = s_along + (size_along if sign > 0 else 0)
    end = t_along + (0 if sign > 0 else size_along)
    gap = LAYER_GAP if vertical else COLUMN_GAP
    first, last = start + sign * gap / 4, end - sign * gap / 4
    points = ((start, s_mid), (first, s_mid), (first, lane), (last, lane), (last, t_mid),
              (end, t_mid))
    label = (start + sign * gap / 2, s_mid if abs(lane - s_mid) > 40 else (s_mid + lane) / 2)
    return tuple(flip(point) for point in points), flip(label)


def _free_lane(spans: list[tuple[float, float]], near: float) -> float:
    """The across-coordinate nearest `near` that lies in none of `spans`: the middle of
    a gap between boxes, or just outside the outermost ones."""
    candidates = [spans[0][0] - ROW_GAP / 2, max(end for _, end in spans) + ROW_GAP / 2]
    candidates += [(a_end + b_start) / 2 for (_, a_end), (b_start, _) in zip(spans, spans[1:])
                   if b_start > a_end]
    free = [c for c in candidates if not any(start <= c <= end for start, end in spans)]
    return min(free or candidates, key=lambda c: (abs(c - near), c))


def _route_across(
    s_along: float, t_along: float, s_across: float, t_across: float, half: float, gap: float
) -> tuple[tuple[Point, ...], Point]:
    """`route` in (along the layers, across them) coordinates."""
    if s_along == t_along:
        out = s_along + half + gap / 2
        points = ((s_along + half, s_across), (out, s_across), (out, t_across),
                  (t_along + half, t_across))
        return points, (out, (s_across + t_across) / 2)
    sign = 1 if t_along > s_along else -1
    start, end = s_along + sign * half, t_along - sign * half
    middle = (start + end) / 2
    points = ((start, s_across), (middle, s_across), (middle, t_across), (end, t_across))
    if abs(end - start) <= gap:
        return points, (middle, (s_across + t_across) / 2)
    # An arrow past a layer of boxes is labelled in its first gap, where the curve
    # still runs close to its start; its middle may well be behind a box.
    return points, (start + sign * gap / 2, s_across)


#: Rough size of a relation label at the stylesheet's 11px: per character, and its height.
CHAR_WIDTH = 6.0
LABEL_HEIGHT = 13.0


def spread_labels(labels: list[tuple[Point, str]]) -> list[Point]:
    """Label positions moved up or down, a line at a time, until no two overlap.

    Arrows fanning out of one box have their labels a row apart already; this settles
    the few that still collide (two arrows through one gap), in input order so the
    result is stable.
    """
    placed: list[tuple[float, float, float, float]] = []
    result = []
    for (x, y), text in labels:
        half = len(text) * CHAR_WIDTH / 2 + 2
        for shift in (0.0, LABEL_HEIGHT, -LABEL_HEIGHT, 2 * LABEL_HEIGHT, -2 * LABEL_HEIGHT):
            box = (x - half, y + shift - LABEL_HEIGHT / 2, x + half, y + shift + LABEL_HEIGHT / 2)
            if not any(_overlap(box, other) for other in placed):
                break
        placed.append(box)
        result.append((x, y + shift))
    return result


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@lru_cache(maxsize=1 << 16)
def path_data(points: tuple[Point, ...]) -> str:
    """SVG path data through `points`: a cubic curve for four, straight lines otherwise.
    Remembered: pages of entities related alike draw the same arrows."""
    (x0, y0), *rest = points
    if len(rest) == 3:
        (x1, y1), (x2, y2), (x3, y3) = rest
        return f"M{x0:g} {y0:g}C{x1:g} {y1:g} {x2:g} {y2:g} {x3:g} {y3:g}"
    return f"M{x0:g} {y0:g}" + "".join(f"L{x:g} {y:g}" for x, y in rest)


def longest_path_layers(refs: list[str], flows: list[tuple[str, str]]) -> dict[str, int]:
    """Each ref's layer: the length of the longest chain of `flows` leading to it.

    Cycles are broken first by dropping the edges a depth-first walk (in sorted order)
    finds pointing back, so the result is a function of the input alone.
    """
    after: dict[str, list[str]] = {ref: [] for ref in refs}
    for upstream, downstream in sorted(set(flows)):
        if upstream != downstream:
            after[upstream].append(downstream)
    kept = _without_back_edges(refs, after)
    before_count = {ref: 0 for ref in refs}
    for targets in kept.values():
        for target in targets:
            before_count[target] += 1
    layer = {ref: 0 for ref in refs}
    ready = sorted(ref for ref in refs if before_count[ref] == 0)
    while ready:
        ref = ready.pop()
        for target in kept[ref]:
            layer[target] = max(layer[target], layer[ref] + 1)
            before_count[target] -= 1
            if before_count[target] == 0:
                ready.append(target)
    return layer


def _without_back_edges(refs: list[str], after: dict[str, list[str]]) -> dict[str, list[str]]:
    """`after` minus the edges that close a cycle, found by an iterative depth-first walk."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    kept: dict[str, list[str]] = {ref: [] for ref in refs}
    for start in sorted(refs):
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(after[start]))]
        while stack:
            node, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                state[node] = 2
                stack.pop()
            elif state.get(target) == 1:
                continue
            else:
                kept[node].append(target)
                if target not in state:
                    state[target] = 1
                    stack.append((target, iter(after[target])))
    return kept
