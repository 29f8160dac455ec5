"""Relations from spec fields, emitted as Backstage's post-processing does (spec §5.2).

Backstage sorts the string arrays first (pre-processing), then walks each kind's relation
fields in order and parses every value with the field's default kind and the *entity's*
namespace. Target kinds are not restricted and targets need not exist. A value it cannot
parse fails the whole entity; we keep going to report every bad ref at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from generator.model.kinds.common import KindSpec, RelationField
from generator.model.ref import EntityRef, RefError, parse_ref
from generator.model.relations import Relation

#: Spec arrays Backstage sorts before validating and emitting (when every item is a string).
SORTED_FIELDS = (
    "providesApis", "consumesApis", "dependsOn", "dependencyOf", "memberOf", "children",
    "members",
)


@dataclass(frozen=True)
class RefFailure:
    """A value Backstage's `parseEntityRef` throws on: `error` is `<ErrorName>: <message>`."""

    path: tuple[str | int, ...]
    value: Any
    error: str


def js_sort_key(text: str) -> bytes:
    """JavaScript's default sort compares UTF-16 code units, not code points."""
    return text.encode("utf-16-be", "surrogatepass")


def sort_order(spec: dict[str, Any]) -> dict[str, list[int]]:
    """For each array Backstage sorts: the original indexes in sorted order, so errors and
    relations can point at the line the author wrote."""
    orders = {}
    for field in SORTED_FIELDS:
        value = spec.get(field)
        if type(value) is not list or len(value) < 2:
            continue
        try:
            if value == sorted(value) and "".join(value).isascii():
                continue  # already sorted, the common case
        except TypeError:
            continue  # not all strings: Backstage leaves it alone
        if all(type(v) is str for v in value):
            order = sorted(range(len(value)), key=lambda i: js_sort_key(value[i]))
            if order != list(range(len(value))):
                orders[field] = order
    return orders


def sorted_spec(spec: dict[str, Any], orders: dict[str, list[int]]) -> dict[str, Any]:
    """A copy of `spec` with those arrays sorted (the input is left alone)."""
    if not orders:
        return spec
    copy = dict(spec)
    for field, order in orders.items():
        copy[field] = [spec[field][i] for i in order]
    return copy


def original_path(path: tuple, orders: dict[str, list[int]]) -> tuple:
    """Map `("spec", field, sorted index, ...)` back to the index the author wrote."""
    if len(path) >= 3 and path[0] == "spec" and path[1] in orders and isinstance(path[2], int):
        order = orders[path[1]]
        if path[2] < len(order):
            return (path[0], path[1], order[path[2]], *path[3:])
    return path


def emit_relations(
    kind: KindSpec,
    source: EntityRef,
    spec: dict[str, Any],
    orders: dict[str, list[int]],
) -> tuple[list[Relation], list[RefFailure]]:
    """Forward relations of an entity whose (sorted) spec passed validation, in order.

    `orders` (from `sort_order`) maps sorted positions back to the author's, so each
    relation's `field` points at the line that declared it.
    """
    relations: list[Relation] = []
    failures: list[RefFailure] = []
    for field in kind.relation_fields:
        name = field.field
        value = spec.get(name)
        if value is None:
            continue
        if type(value) is list:
            order = orders.get(name)
            for index, item in enumerate(value):
                path = ("spec", name, order[index] if order else index)
                _emit(relations, failures, source, field, path, item)
        elif not js_falsy(value):
            _emit(relations, failures, source, field, ("spec", name), value)
    return relations, failures


def _emit(
    relations: list[Relation], failures: list[RefFailure], source: EntityRef,
    field: RelationField, path: tuple, value: Any,
) -> None:
    try:
        target = parse_target(value, field.default_kind, source.namespace)
    except RefError as exc:
        failures.append(RefFailure(path, value, str(exc)))
    else:
        relations.append(Relation(source, field.relation, target, path))


def parse_target(value: Any, default_kind: str | None, namespace: str) -> EntityRef:
    """`parseEntityRef(value, {defaultKind, defaultNamespace})`, with Backstage's error
    class and wording in the RefError (`TypeError: …` or `Error: …`)."""
    if type(value) is str and value:
        return _parse_string(value, default_kind, namespace)
    if js_falsy(value):
        raise RefError("Error: Entity reference must not be empty")
    parts = value if isinstance(value, dict) else {}
    kind = _coalesce(parts.get("kind"), default_kind)
    space = _coalesce(parts.get("namespace"), namespace)
    name = parts.get("name")
    for label, part in (("kind", kind), ("namespace", space), ("name", name)):
        if js_falsy(part):
            hint = ' (e.g. did not start with "component:" or similar)' if label == "kind" else ""
            raise RefError(
                f"Error: Entity reference {_json(value)} had missing or empty {label}{hint}"
            )
        if not isinstance(part, str):
            raise RefError(f"TypeError: {label}.toLowerCase is not a function")
    return EntityRef(kind, space, name)


@lru_cache(maxsize=65536)
def _parse_string(value: str, default_kind: str | None, namespace: str) -> EntityRef:
    """Refs repeat (owners, systems); EntityRef is immutable, so parse each one once.
    Errors are not cached: lru_cache does not remember exceptions."""
    try:
        return parse_ref(value, default_kind, namespace)
    except RefError as exc:
        name = "TypeError" if "was not on the form" in str(exc) else "Error"
        raise RefError(f"{name}: {exc}") from None


def _coalesce(value: Any, default: Any) -> Any:
    """JavaScript's `??`: only null/undefined fall back."""
    return default if value is None else value


def js_falsy(value: Any) -> bool:
    if value is None or value is False or value == "":
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
