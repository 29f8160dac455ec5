"""Backstage's envelope check: the least a document needs before it can be named.

Backstage runs it (the `EntityEnvelope` JSON schema, then the annotations check) when a
location emits a document, before any policy. A failure belongs to the location that read
the file, not to an entity: the document never gets a ref, and Backstage drops every
sibling read with it (spec §1 steps 2-3, §10.3).
"""

from __future__ import annotations

from typing import Any, Mapping

from generator.model.document import FieldPath, Positions
from generator.model.problem import Problem, error
from generator.model.ref import DEFAULT_NAMESPACE, EntityRef
from generator.model.values import describe, dotted

CODE = "envelope"


def check_envelope(
    data: Mapping[str, Any],
    positions: Positions | None = None,
    file: str | None = None,
) -> list[Problem]:
    """Every envelope problem of one document (a mapping), in Backstage's (ajv's) order.

    Backstage reports only the first; Playbill reports all of them so one run fixes all.
    An empty list means the document has a usable ref (see `envelope_ref`).
    """
    positions = positions or Positions()
    found = [
        _problem(path, rule, value, positions, file)
        for path, rule, value in _envelope_issues(data)
    ]
    if not found:
        found.extend(_annotations_issue(data, positions, file))
    return found


def envelope_ref(data: Mapping[str, Any]) -> EntityRef:
    """The ref of a document that passed `check_envelope`."""
    metadata = data["metadata"]
    return EntityRef(data["kind"], metadata.get("namespace") or DEFAULT_NAMESPACE, metadata["name"])


def _envelope_issues(data: Mapping[str, Any]) -> list[tuple[FieldPath, str, Any]]:
    """(path, ajv rule, value) triples: missing root keys first, then each field in
    schema order, as ajv's allErrors run lists them."""
    issues: list[tuple[FieldPath, str, Any]] = [
        ((key,), "required", None) for key in ("apiVersion", "kind", "metadata") if key not in data
    ]
    for key in ("apiVersion", "kind"):
        if key in data:
            issues.extend(_string_issue((key,), data[key]))
    metadata = data.get("metadata")
    if "metadata" in data and not isinstance(metadata, dict):
        issues.append((("metadata",), "object", metadata))
    elif isinstance(metadata, dict):
        if "name" not in metadata:
            issues.append((("metadata", "name"), "required", None))
        else:
            issues.extend(_string_issue(("metadata", "name"), metadata["name"]))
        if "namespace" in metadata:
            issues.extend(_string_issue(("metadata", "namespace"), metadata["namespace"]))
    return issues


def _string_issue(path: FieldPath, value: Any) -> list[tuple[FieldPath, str, Any]]:
    if not isinstance(value, str):
        return [(path, "string", value)]
    if not value:
        return [(path, "minLength", value)]
    return []


def _problem(path: FieldPath, rule: str, value: Any, positions: Positions, file: str | None) -> Problem:
    field = dotted(path)
    if rule == "required":
        message = f"missing required field {field}"
        hint = _REQUIRED_HINTS.get(path, f"Add `{path[-1]}:` to the document.")
    elif rule == "object":
        message = f"{field} must be an object (a mapping of keys), got {describe(value)}"
        hint = "Write metadata as a mapping, e.g. `metadata:` followed by an indented `name: my-service`."
    elif rule == "string":
        message = f"{field} must be a string, got {describe(value)}"
        hint = (
            f'Quote the value so YAML reads it as text: {path[-1]}: "{_yaml_text(value)}"'
            if value is not None and not isinstance(value, (dict, list))
            else f"Give {field} a text value."
        )
    else:
        message = f"{field} must not be empty"
        hint = f"Give {field} a non-empty value."
    return error(
        CODE,
        message,
        hint=hint,
        file=file,
        line=positions.line(path),
        backstage=_ajv_message(path, rule),
    )


_REQUIRED_HINTS: dict[FieldPath, str] = {
    ("apiVersion",): "Add `apiVersion: backstage.io/v1alpha1` at the top of the document.",
    ("kind",): "Add `kind:` with the entity kind, e.g. `kind: Component`.",
    ("metadata",): "Add a `metadata:` mapping with at least a `name`.",
    ("metadata", "name"): "Add `name:` under metadata, e.g. `name: my-service`.",
}


def _ajv_message(path: FieldPath, rule: str) -> str:
    """Backstage's `TypeError: <instancePath> <message> - <param>: <value>` text."""
    if rule == "required":
        parent = "".join(f"/{p}" for p in path[:-1]) or "<root>"
        return f"TypeError: {parent} must have required property '{path[-1]}' - missingProperty: {path[-1]}"
    pointer = "".join(f"/{p}" for p in path)
    if rule == "minLength":
        return f"TypeError: {pointer} must NOT have fewer than 1 characters - limit: 1"
    return f"TypeError: {pointer} must be {rule} - type: {rule}"


def _annotations_issue(data: Mapping[str, Any], positions: Positions, file: str | None) -> list[Problem]:
    """`metadata.annotations` must be an object when it is truthy (Backstage treats null,
    "" and 0 as "no annotations"); a list or a string fails the whole read."""
    annotations = data["metadata"].get("annotations")
    if not annotations or isinstance(annotations, dict):
        return []
    return [
        error(
            CODE,
            f"metadata.annotations must be a mapping of keys to strings, got {describe(annotations)}",
            hint="Write annotations as `key: value` lines, not as a list (`- key: value`).",
            file=file,
            line=positions.line(("metadata", "annotations")),
            entity=str(envelope_ref(data)),
            backstage="Error: metadata.annotations must be a valid object",
        )
    ]


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
