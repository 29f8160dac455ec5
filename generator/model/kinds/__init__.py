"""The kinds Backstage knows out of the box, one module each, like catalog-model's `kinds/`.

`KINDS` maps the exact kind name (case-sensitive, as Backstage compares it) to its
`KindSpec`: accepted apiVersions, strict pydantic spec model and relation fields.
"""

from __future__ import annotations

from generator.model.kinds.api import API
from generator.model.kinds.common import KindSpec, RelationField, SchemaError
from generator.model.kinds.component import COMPONENT
from generator.model.kinds.domain import DOMAIN
from generator.model.kinds.emit import SORTED_FIELDS, RefFailure, emit_relations
from generator.model.kinds.entity_schema import entity_schema_errors, foreign_root_fields
from generator.model.kinds.group import GROUP
from generator.model.kinds.location import LOCATION
from generator.model.kinds.resource import RESOURCE
from generator.model.kinds.system import SYSTEM
from generator.model.kinds.template import TEMPLATE
from generator.model.kinds.user import USER

#: Backstage's validator order: the built-in processor's, then the scaffolder's.
KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (API, COMPONENT, RESOURCE, GROUP, LOCATION, USER, SYSTEM, DOMAIN, TEMPLATE)
}


def kind_spec(kind: str) -> KindSpec | None:
    """The kind of that exact name; `component` or `Service` give None."""
    return KINDS.get(kind)


def similar_kind(kind: str) -> str | None:
    """A known kind that differs only in case (`component` -> `Component`), for hints."""
    folded = kind.casefold()
    return next((name for name in KINDS if name.casefold() == folded), None)


__all__ = [
    "KINDS",
    "KindSpec",
    "RefFailure",
    "RelationField",
    "SORTED_FIELDS",
    "SchemaError",
    "emit_relations",
    "entity_schema_errors",
    "foreign_root_fields",
    "kind_spec",
    "similar_kind",
]
