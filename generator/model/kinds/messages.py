"""Words for schema and format problems: what is wrong (field, rule, value) and how to fix it.

Backstage's own texts live beside the rules (`SchemaError.ajv_text`, the expectations in
`formats`); these are Playbill's sentences for people reading a report.
"""

from __future__ import annotations

from typing import Any

from generator.model.formats import FormatViolation, js_string
from generator.model.kinds.common import SchemaError
from generator.model.kinds.emit import js_falsy

#: Hints for well-known spec fields when they are missing.
FIELD_HINTS = {
    "owner": "the owning group or user, e.g. `owner: group:my-team`",
    "type": "e.g. `type: service` (website, library, database, team, ...)",
    "lifecycle": "e.g. `lifecycle: production` (experimental, deprecated, ...)",
    "definition": "the API definition text; read it from a file with "
    "`definition: {$text: ./openapi.yaml}`",
    "children": "list the sub-groups, or write `children: []`",
    "memberOf": "list the user's groups, or write `memberOf: []`",
    "steps": "list the steps, each with an `action`",
    "action": "name the scaffolder action, e.g. `action: fetch:template`",
    "spec": "add a `spec:` mapping with the kind's required fields",
}
_TYPE_WORDS = {"string": "a string", "array": "a list", "object": "a mapping"}


def dotted(path: tuple[str | int, ...]) -> str:
    """`spec.steps[0].action`: how people read a path."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the document"


def describe(value: Any) -> str:
    """A found value as YAML shows it, with its type where that is the problem."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (int, float)):
        return f"{value} (a number)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f'"{value}"'


def unrecognized(ref: Any) -> str:
    return (
        f"InputError: No processor recognized the entity {ref} as valid, possibly caused by "
        "a foreign kind or apiVersion"
    )


def schema_message(error: SchemaError, kind: str | None = None) -> str:
    """`spec.owner is required for kind Component but missing`, and the like."""
    where = dotted(error.path)
    if error.missing is not None:
        owner = f" for kind {kind}" if kind else ""
        return f"{dotted((*error.path, error.missing))} is required{owner} but missing"
    if error.extra is not None:
        return f"{dotted((*error.path, error.extra))} is not allowed here"
    if error.message.startswith("must be ") and error.params.startswith("type: "):
        wanted = error.params[len("type: "):]
        words = " or ".join(_TYPE_WORDS.get(w, f"a {w}") for w in wanted.split(","))
        return f"{where} must be {words}, found {describe(error.value)}"
    if error.message.startswith("must NOT have fewer than"):
        return f"{where} must not be empty"
    if error.params.startswith("allowedValues: "):
        allowed = error.params[len("allowedValues: "):].replace(",", ", ")
        return f"{where} must be one of {allowed}, found {describe(error.value)}"
    return f"{where} {error.message}, found {describe(error.value)}"


def schema_hint(error: SchemaError, kind: str | None = None) -> str:
    if error.missing is not None:
        hint = FIELD_HINTS.get(error.missing, "")
        return f"add `{error.missing}`" + (f": {hint}" if hint else "")
    if error.extra is not None:
        return f"move `{error.extra}` under metadata or spec, or remove it"
    if error.params == "type: string":
        if isinstance(error.value, dict):
            return ("write a single string; refs are written `kind:namespace/name`, "
                    "compound {kind, name} objects are not accepted")
        if error.value is not None:
            return f'quote the value so YAML reads it as text, e.g. "{js_string(error.value)}"'
        return "write a value, or remove the key"
    if error.params == "type: array":
        return "write a YAML list, e.g. [a, b] (or [] for none)"
    if error.params == "type: object":
        return "write a mapping of `key: value` lines"
    if error.message.startswith("must NOT have fewer than"):
        return "write a value, or remove the key"
    return "see the Backstage descriptor format for this field"


def format_message(violation: FormatViolation) -> str:
    """`tag "Java" at metadata.tags[0] is not valid; expected ...`."""
    return (
        f'{violation.rule.name} "{js_string(violation.value)}" at {dotted(violation.path)} '
        f"is not valid; expected {violation.rule.expectation}"
    )


def envelope_error(data: Any) -> tuple[tuple, str] | None:
    """What Backstage's envelope check says about a document the loader should have
    refused (path, `<ErrorName>: <message>`), or None when the envelope is sound."""
    if _sound(data):
        return None
    if not isinstance(data, dict):
        return (), f"Error: Expected object at root, got {_js_typeof(data)}"
    for key in ("apiVersion", "kind", "metadata"):
        if key not in data:
            return (), (
                f"TypeError: <root> must have required property '{key}' - missingProperty: {key}"
            )
    for key in ("apiVersion", "kind"):
        broken = _string_error((key,), data[key])
        if broken:
            return broken
    metadata = data["metadata"]
    if not isinstance(metadata, dict):
        return ("metadata",), "TypeError: /metadata must be object - type: object"
    if "name" not in metadata:
        return ("metadata",), (
            "TypeError: /metadata must have required property 'name' - missingProperty: name"
        )
    for key in ("name", "namespace"):
        if key in metadata:
            broken = _string_error(("metadata", key), metadata[key])
            if broken:
                return broken
    annotations = metadata.get("annotations")
    if not js_falsy(annotations) and not isinstance(annotations, dict):
        return ("metadata", "annotations"), "Error: metadata.annotations must be a valid object"
    return None


def _sound(data: Any) -> bool:
    """The common case, checked cheaply: what the loader already guarantees."""
    if type(data) is not dict:
        return False
    metadata = data.get("metadata")
    if type(metadata) is not dict:
        return False
    namespace = metadata.get("namespace", "x")
    annotations = metadata.get("annotations")
    return (
        type(data.get("apiVersion")) is str and data["apiVersion"] != ""
        and type(data.get("kind")) is str and data["kind"] != ""
        and type(metadata.get("name")) is str and metadata["name"] != ""
        and type(namespace) is str and namespace != ""
        and (annotations is None or type(annotations) is dict)
    )


def _string_error(path: tuple, value: Any) -> tuple[tuple, str] | None:
    pointer = "".join(f"/{p}" for p in path)
    if not isinstance(value, str):
        return path, f"TypeError: {pointer} must be string - type: string"
    if not value:
        return path, f"TypeError: {pointer} must NOT have fewer than 1 characters - limit: 1"
    return None


def _js_typeof(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"
