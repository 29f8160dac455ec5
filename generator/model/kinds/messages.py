"""Words for schema and format problems: what is wrong (field, rule, value) and how to fix it.

Backstage's own texts live beside the rules (`SchemaError.ajv_text`, the expectations in
`formats`); these are Playbill's sentences for people reading a report.
"""

from __future__ import annotations

from typing import Any

from generator.model.formats import FormatViolation, js_string
from generator.model.kinds.common import SchemaError
from generator.model.values import describe, dotted

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
