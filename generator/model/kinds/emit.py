"""Relations from spec fields, emitted as Backstage's post-processing does (spec §5.2).

Backstage sorts the string arrays first (pre-processing), then walks each kind's relation
fields in order and parses every value with the field's default kind and the *entity's*
namespace. Target kinds are not restricted and targets need not exist. A value it cannot
parse fails the whole entity; we keep going to report every bad ref at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from generator.model.kinds.common import KindSpec
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
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            orders[field] = sorted(range(len(value)), key=lambda i: js_sort_key(value[i]))
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
    """Forward relations of an entity whose (sorted) spec passed validation, in order."""
    relations: list[Relation] = []
    failures: list[RefFailure] = []
    for field in kind.relation_fields:
        value = spec.get(field.field)
        if _js_falsy(value):
            continue
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            path = ("spec", field.field, index) if isinstance(value, list) else ("spec", field.field)
            path = original_path(path, orders)
            try:
                target = parse_target(item, field.default_kind, source.namespace)
            except RefError as exc:
                failures.append(RefFailure(path, item, str(exc)))
                continue
            relations.append(Relation(source, field.relation, target, path))
    return relations, failures


def parse_target(value: Any, default_kind: str | None, namespace: str) -> EntityRef:
    """`parseEntityRef(value, {defaultKind, defaultNamespace})`, with Backstage's error
    class and wording in the RefError (`TypeError: …` or `Error: …`)."""
    if _js_falsy(value):
        raise RefError("Error: Entity reference must not be empty")
    if isinstance(value, str):
        try:
            return parse_ref(value, default_kind, namespace)
        except RefError as exc:
            name = "TypeError" if "was not on the form" in str(exc) else "Error"
            raise RefError(f"{name}: {exc}") from None
    parts = value if isinstance(value, dict) else {}
    kind = _coalesce(parts.get("kind"), default_kind)
    space = _coalesce(parts.get("namespace"), namespace)
    name = parts.get("name")
    for label, part in (("kind", kind), ("namespace", space), ("name", name)):
        if _js_falsy(part):
            hint = ' (e.g. did not start with "component:" or similar)' if label == "kind" else ""
            raise RefError(
                f"Error: Entity reference {_json(value)} had missing or empty {label}{hint}"
            )
        if not isinstance(part, str):
            raise RefError(f"TypeError: {label}.toLowerCase is not a function")
    return EntityRef(kind, space, name)


def _coalesce(value: Any, default: Any) -> Any:
    """JavaScript's `??`: only null/undefined fall back."""
    return default if value is None else value


def _js_falsy(value: Any) -> bool:
    if value is None or value is False or value == "":
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
