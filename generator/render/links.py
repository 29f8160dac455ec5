"""A reference as a page shows it: the entity's title and kind when it exists, its ref
when it dangles. Every module that puts entity links on a page builds them here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.model.catalog import Catalog, ref_key


@dataclass(frozen=True)
class Link:
    """A reference as a page shows it: its label, kind and whether it has a page."""

    ref: str
    label: str
    kind: str
    exists: bool

    @property
    def name(self) -> str:
        return self.ref.partition("/")[2]


def link(catalog: Catalog, ref: Any) -> Link:
    """A link to `ref`: the entity's title when it exists, its short ref when it dangles."""
    key = ref if isinstance(ref, str) and ref in catalog.entities else ref_key(ref)
    entity = catalog.entities.get(key)
    if entity is not None:
        return Link(key, entity.title, entity.kind, True)
    kind = key.partition(":")[0]
    return Link(key, key.partition("/")[2] or key, kind.capitalize(), False)
