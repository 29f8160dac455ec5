"""Small helpers the browser tests share: where an entity's page is, what a row shows."""

from __future__ import annotations

from generator.model.catalog import Catalog
from generator.model.relations import OWNED_BY

#: Entities the tests visit; all are in the bundled example (example/).
COMPONENT = "component:default/checkout-service"
API = "api:default/checkout-api"
GROUP = "group:default/team-checkout"
SYSTEM = "system:default/checkout"


def entity_path(ref: str) -> str:
    """The page of `ref` from the site root, as the shared contract fixes it."""
    kind, rest = ref.split(":", 1)
    namespace, name = rest.split("/", 1)
    return f"entity/{namespace}/{kind}/{name}.html"


def owned_by(catalog: Catalog, owner: str) -> set[str]:
    """Refs whose ownedBy relation points at `owner` (what the owner filter must keep)."""
    return {
        ref for ref in catalog.entities
        if any(str(r.target) == owner and r.type == OWNED_BY for r in catalog.relations_of(ref))
    }


def visible_rows(page) -> list[str]:
    """The data-ref of every catalog row a person can see (hidden rows are filtered out)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#catalog-table tbody tr[data-ref]')]
               .filter(row => row.checkVisibility())
               .map(row => row.dataset.ref)"""
    )


def background(page) -> str:
    """The page's computed background colour (the body's, or the root's behind a clear body)."""
    return page.evaluate(
        """() => {
            const body = getComputedStyle(document.body).backgroundColor;
            const transparent = body === 'transparent' || body === 'rgba(0, 0, 0, 0)';
            return transparent ? getComputedStyle(document.documentElement).backgroundColor : body;
        }"""
    )


def luminance(css_colour: str) -> float:
    """Relative luminance (0 black .. 1 white) of an `rgb(...)`/`rgba(...)` colour."""
    inner = css_colour[css_colour.index("(") + 1:css_colour.index(")")]
    parts = [p for p in inner.replace("/", " ").replace(",", " ").split()][:3]
    channels = [float(p) / 255 for p in parts]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
