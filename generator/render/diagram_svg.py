"""The repeated markup of a relation diagram: one element per edge, label and node.

`partials/diagram.html` keeps the figure's structure (the SVG's title, markers, caption,
the text list's frame); the loops over edges and nodes are written here instead. They run
for every arrow and box of every page (a team's page draws thirty boxes and as many
arrows), and in the template each value costs an attribute lookup, an escape call and a
generator step: over 10,000 pages that was the largest single share of the render. Here
each element is one f-string, numbers are formatted without escaping (they need none) and
a title is escaped once per node, not once per use. Each element starts a line of its own,
unindented (a diff of two sites shows a moved box as its lines), and coordinates are
written as the path data writes them (`572`, `124.5`: whole, half and quarter pixels, see
`diagram_layout`), which took a diagram, almost half of an entity page, down by an eighth.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from generator.render.templates import escape_text

if TYPE_CHECKING:
    from generator.render.diagram import Diagram, Node


def description(d: Diagram) -> Markup:
    """The SVG's <desc> text: each relation as a sentence, then how many were left out."""
    by_ref = d.by_ref
    text = "; ".join(f"{by_ref[e.source].title} {e.type} {by_ref[e.target].title}"
                     for e in d.edges) or "No relations."
    if d.hidden:
        text += f" ({d.hidden} more not shown)"
    return escape(text)


def edges(d: Diagram) -> Markup:
    """One <path> per arrow, all ending in the diagram's arrowhead marker."""
    marker = escape(d.id)
    return Markup("".join(
        f'\n<path class="edge edge-{escape_text(e.type.lower())}" d="{escape_text(e.path)}" '
        f'marker-end="url(#{marker}-arrow)"/>' for e in d.edges))


def labels(d: Diagram) -> Markup:
    """One <text> per labelled arrow, naming its relation."""
    return Markup("".join(
        f'\n<text class="edge-label" x="{e.label_x:g}" y="{e.label_y:g}">'
        f'{escape_text(e.type)}</text>'
        for e in d.edges if e.labelled))


def nodes(d: Diagram, root: str) -> Markup:
    """One box per node; a box of another entity with a page is a link to that page."""
    base = escape(root)
    return Markup("".join(_node(node, base) for node in d.nodes))


def _node(node: Node, root: Markup) -> str:
    head, kind, label, tail = _node_text(node.ref, node.title, node.label, node.kind,
                                         node.href, node.exists, node.current,
                                         node.external, root)
    x, y = node.x, node.y
    return (f'{head}\n<rect x="{x:g}" y="{y:g}" width="{node.width:g}" '
            f'height="{node.height:g}" rx="6"/>\n'
            f'<text class="node-kind" x="{x + 10:g}" y="{y + 16:g}">{kind}</text>\n'
            f'<text class="node-label" x="{x + 10:g}" y="{y + 34:g}">{label}</text>'
            f"{tail}")


@lru_cache(maxsize=1 << 17)
def _node_text(ref: str, title: str, label: str, kind: str, href: str | None, exists: bool,
               current: bool, external: bool, root: Markup) -> tuple[str, str, str, str]:
    """A box's markup around its coordinates: the same entity is drawn on many pages."""
    linked = href and not current
    kind = escape_text(kind)
    classes = (f"node kind-{kind}{' current' if current else ''}"
               f"{'' if exists else ' missing'}{' external' if external else ''}")
    missing = "" if exists else ", not in the catalog"
    head = (f'<g class="{classes}">\n'
            f"<title>{escape_text(title)} ({kind}{missing})</title>")
    if linked:
        head = (f'<a href="{root}{escape_text(href)}" class="node-link" '
                f'data-node="{escape_text(ref)}">{head}')
    tail = "\n</g>" + ("</a>" if linked else "")
    return "\n" + head, kind, escape_text(label), tail


def text_items(d: Diagram, root: str) -> Markup:
    """The <li> of each arrow in the text list: both ends as links (or the page's own
    entity, or a missing one, as plain text) with their kinds, and the relation between."""
    by_ref, base = d.by_ref, escape(root)
    return Markup("".join(
        f"\n<li>{_end(by_ref[e.source], base)} <span class=\"relation\">{escape_text(e.type)}"
        f"</span> {_end(by_ref[e.target], base)}</li>" for e in d.edges))


def _end(node: Node, root: Markup) -> str:
    return _end_text(node.title, node.kind, node.href, node.current, root)


@lru_cache(maxsize=1 << 17)
def _end_text(title: str, kind: str, href: str | None, current: bool, root: Markup) -> str:
    title, kind = escape_text(title), escape_text(kind)
    if href and not current:
        shown = f'<a href="{root}{escape_text(href)}">{title}</a>'
    else:
        shown = f'<span class="{"current" if current else "missing"}">{title}</span>'
    return f'{shown}<span class="badge kind-{kind}">{kind}</span>'
