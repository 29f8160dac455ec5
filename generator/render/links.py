"""A reference as a page shows it: the entity's title and kind when it exists, its ref
when it dangles. Every module that puts entity links on a page builds them here."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, Callable

from generator.model.catalog import Catalog, ref_key
from generator.render.reads import unwrap


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


#: The links made for the catalog last asked about (held weakly): a big build asks for
#: the same owners and systems on thousands of pages.
_MADE: tuple[Callable[[], Catalog | None], dict[str, Link]] = (lambda: None, {})


def link(catalog: Catalog, ref: Any) -> Link:
    """A link to `ref`: the entity's title when it exists, its short ref when it dangles."""
    global _MADE
    # A page being recorded reads what `_make` looks up (the memo would hide it).
    catalog = unwrap(catalog, ref)
    if _MADE[0]() is not catalog:
        _MADE = (weakref.ref(catalog), {})
    made = _MADE[1].get(ref) if isinstance(ref, str) else None
    if made is None:
        made = _make(catalog, ref)
        if isinstance(ref, str):
            _MADE[1][ref] = made
    return made


def _make(catalog: Catalog, ref: Any) -> Link:
    key = ref if isinstance(ref, str) and ref in catalog.entities else ref_key(ref)
    entity = catalog.entities.get(key)
    if entity is not None:
        return Link(key, entity.title, entity.kind, True)
    kind = key.partition(":")[0]
    return Link(key, key.partition("/")[2] or key, kind.capitalize(), False)
