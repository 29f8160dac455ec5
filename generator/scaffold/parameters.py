"""The values a user gives a template: defaults, validation, and the fields a form shows.

Backstage's backend checks task parameters against every form step's schema in turn
(router.ts, with the `jsonschema` package); `schema_of` merges the steps into one schema
that means the same (`allOf`), and `check_values` reports each violation with the
parameter's name and the rule it breaks. `parameter_fields` flattens the steps into the
fields a GitHub `workflow_dispatch` form or the portal page shows, and `coerce_values`
turns the text such a form sends back into the types the schema asks for.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from generator.model.problem import Problem, error, warning
from generator.scaffold.template import ParameterStep, Template

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

#: Keys of a step that constrain values beyond its own properties.
_CONDITIONAL = ("dependencies", "oneOf", "anyOf", "allOf", "if", "then", "else", "not")


@dataclass(frozen=True)
class Field:
    """One form field: what a workflow input or a portal form row needs to know."""

    name: str
    type: str = "string"
    title: str = ""
    description: str = ""
    default: Any = None
    enum: tuple[Any, ...] = ()
    enum_names: tuple[str, ...] = ()
    required: bool = False
    secret: bool = False
    conditional: bool = False  # only asked for when another field has some value
    step: int = 0
    ui: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] = field(default_factory=dict)

    @property
    def has_default(self) -> bool:
        return "default" in self.schema

    @property
    def choices(self) -> tuple[str, ...]:
        """The enum as text, as a `choice` input needs it."""
        return tuple(json.dumps(v) if not isinstance(v, str) else v for v in self.enum)


def _without_ui(schema: Any) -> Any:
    """A schema with `ui:*` hints removed, at every level (jsonschema ignores them, but
    the merged schema should be plain)."""
    if isinstance(schema, Mapping):
        return {k: _without_ui(v) for k, v in schema.items() if not str(k).startswith("ui:")}
    if isinstance(schema, list):
        return [_without_ui(item) for item in schema]
    return schema


def schema_of(template: Template) -> dict[str, Any]:
    """All form steps as one JSON schema: their properties and required lists merged, and
    each step's conditional parts (`dependencies`, `oneOf`, `if`/`then` …) kept in `allOf`."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditions: list[dict[str, Any]] = []
    for step in template.parameters:
        properties.update(_without_ui(step.properties))
        required.extend(r for r in step.required if r not in required)
        conditional = {k: _without_ui(step.schema[k]) for k in _CONDITIONAL if k in step.schema}
        if conditional:
            conditions.append(conditional)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if conditions:
        schema["allOf"] = conditions
    if template.title:
        schema["title"] = template.title
    return schema


def apply_defaults(template: Template, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with every missing field's `default` filled in, as the form would have
    done: top-level properties, nested object properties, and the properties of a
    `dependencies` branch that the values select."""
    result = copy.deepcopy(dict(values))
    for step in template.parameters:
        _fill(step.properties, result)
        for branch in _selected_branches(step.schema.get("dependencies"), result):
            _fill(branch.get("properties") or {}, result)
    return result


def _fill(properties: Mapping[str, Any], values: dict[str, Any]) -> None:
    for name, schema in properties.items():
        if not isinstance(schema, Mapping):
            continue
        if name not in values and "default" in schema:
            values[name] = copy.deepcopy(schema["default"])
        nested = schema.get("properties")
        if isinstance(nested, Mapping) and isinstance(values.get(name, {}), dict):
            inner = values.get(name, {})
            _fill(nested, inner)
            if inner:
                values[name] = inner


def _selected_branches(dependencies: Any, values: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    """The `dependencies` schemas that apply to `values`: for a oneOf, the branches whose
    other constraints the values meet (rjsf shows exactly those fields)."""
    if not isinstance(dependencies, Mapping):
        return []
    chosen = []
    for name, dependency in dependencies.items():
        if name not in values or not isinstance(dependency, Mapping):
            continue
        branches = dependency.get("oneOf") or dependency.get("anyOf")
        if not isinstance(branches, list):
            chosen.append(dependency)
            continue
        for branch in branches:
            if isinstance(branch, Mapping) and _matches_selector(branch, name, values):
                chosen.append(branch)
    return chosen


def _matches_selector(branch: Mapping[str, Any], name: str, values: Mapping[str, Any]) -> bool:
    selector = (branch.get("properties") or {}).get(name)
    if not isinstance(selector, Mapping):
        return True
    from jsonschema import Draft7Validator  # imported here: see check_values

    selector = _without_ui(selector)
    return Draft7Validator(selector).is_valid(values[name])


def check_values(template: Template, values: Mapping[str, Any]) -> list[Problem]:
    """Every way `values` break the template's form, each naming the parameter and the
    rule; values no field asks for are warnings (Backstage ignores them, typos are likely)."""
    # Imported here: a build without Templates never needs jsonschema (~35 ms).
    from jsonschema import Draft7Validator

    schema = schema_of(template)
    where = {"file": template.file, "entity": template.ref}
    problems = [
        error("scaffold-parameter", _describe(err), hint=_hint(err, schema), **where)
        for err in sorted(Draft7Validator(schema).iter_errors(dict(values)), key=_error_order)
    ]
    known = {f.name for f in parameter_fields(template)}
    for name in values:
        if known and name not in known:
            problems.append(warning(
                "scaffold-unknown-parameter",
                f'parameter "{name}" is not a field of template {template.name}',
                hint="known parameters: " + ", ".join(sorted(known)), **where))
    return problems


def _error_order(err: ValidationError) -> tuple:
    return (tuple(str(p) for p in err.absolute_path), err.validator)


def _parameter_name(err: ValidationError) -> str:
    path = [str(p) for p in err.absolute_path]
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else ""
        path.append(missing)
    return ".".join(path) or "(parameters)"


def _describe(err: ValidationError) -> str:
    """`parameter "name": must match pattern "^[a-z]+$" (rule pattern), got "Foo"`."""
    name = _parameter_name(err)
    rule, expected = err.validator, err.validator_value
    value = json.dumps(err.instance, ensure_ascii=False, default=str)
    if len(value) > 80:
        value = value[:77] + "..."
    texts = {
        "required": lambda: "is required",
        "type": lambda: f"must be of type {_types(expected)}",
        "enum": lambda: "must be one of " + ", ".join(json.dumps(v, ensure_ascii=False) for v in expected or []),
        "const": lambda: f"must be {json.dumps(expected, ensure_ascii=False)}",
        "pattern": lambda: f'must match pattern "{expected}"',
        "minLength": lambda: f"must be at least {expected} characters long",
        "maxLength": lambda: f"must be at most {expected} characters long",
        "minimum": lambda: f"must be >= {expected}", "maximum": lambda: f"must be <= {expected}",
        "exclusiveMinimum": lambda: f"must be > {expected}", "exclusiveMaximum": lambda: f"must be < {expected}",
        "minItems": lambda: f"must have at least {expected} items",
        "maxItems": lambda: f"must have at most {expected} items",
        "uniqueItems": lambda: "must not repeat items", "format": lambda: f"must be a valid {expected}",
        "multipleOf": lambda: f"must be a multiple of {expected}",
        "oneOf": lambda: "must match exactly one of its alternatives",
        "anyOf": lambda: "must match at least one of its alternatives",
        "additionalProperties": lambda: "has properties the form does not define",
    }
    text = texts[rule]() if rule in texts else err.message
    got = "" if rule == "required" else f", got {value}"
    return f'parameter "{name}" {text} (rule {rule}){got}'


def _types(expected: Any) -> str:
    if isinstance(expected, list):
        return " or ".join(str(t) for t in expected)
    return str(expected)


def _hint(err: ValidationError, schema: Mapping[str, Any]) -> str:
    name = _parameter_name(err).split(".")[0]
    prop = (schema.get("properties") or {}).get(name)
    if isinstance(prop, Mapping) and prop.get("description"):
        return f"{name}: {prop['description']}"
    return ""


def parameter_fields(template: Template) -> list[Field]:
    """Every field of every form step, in order, once each (the first definition wins);
    fields only a `dependencies` branch defines come last, marked conditional."""
    fields: dict[str, Field] = {}
    for step in template.parameters:
        required = set(step.required)
        for name, schema in step.properties.items():
            if isinstance(schema, Mapping) and name not in fields:
                fields[name] = _field(name, schema, step, name in required, conditional=False)
    for step in template.parameters:
        for name, schema in _branch_properties(step.schema.get("dependencies")):
            if name not in fields:
                fields[name] = _field(name, schema, step, False, conditional=True)
    return list(fields.values())


def _branch_properties(dependencies: Any) -> Iterable[tuple[str, Mapping[str, Any]]]:
    if not isinstance(dependencies, Mapping):
        return []
    found = []
    for dependency in dependencies.values():
        if not isinstance(dependency, Mapping):
            continue
        branches = dependency.get("oneOf") or dependency.get("anyOf") or [dependency]
        for branch in branches if isinstance(branches, list) else []:
            props = branch.get("properties") if isinstance(branch, Mapping) else None
            if isinstance(props, Mapping):
                found.extend((n, s) for n, s in props.items() if isinstance(s, Mapping))
    return found


def _field(name: str, schema: Mapping[str, Any], step: ParameterStep, required: bool,
           conditional: bool) -> Field:
    ui = {k: v for k, v in schema.items() if str(k).startswith("ui:")}
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((t for t in kind if t != "null"), "string")
    enum = schema.get("enum")
    options = ui.get("ui:options") if isinstance(ui.get("ui:options"), Mapping) else {}
    names = schema.get("enumNames") or options.get("enumNames")
    secret = ui.get("ui:field") == "Secret" or ui.get("ui:widget") == "password"
    return Field(
        name=name, type=str(kind), title=str(schema.get("title") or ""),
        description=str(schema.get("description") or ""), default=schema.get("default"),
        enum=tuple(enum) if isinstance(enum, list) else (),
        enum_names=tuple(str(n) for n in names) if isinstance(names, list) else (),
        required=required, secret=secret, conditional=conditional, step=step.index,
        ui=ui, schema=dict(schema),
    )


def coerce_values(template: Template, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values from text ones (`-f key=value`, workflow inputs): `true`/`false` for
    booleans, numbers for numbers, JSON (or comma-separated text) for arrays, JSON for
    objects. Values that are not text, or do not convert, are kept as given, so
    `check_values` can name them."""
    types = {f.name: f.type for f in parameter_fields(template)}
    return {name: _coerce(value, types.get(name, "string")) for name, value in raw.items()}


def _coerce(value: Any, kind: str) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if kind in ("number", "integer"):
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() and kind == "integer" or text.lstrip("-").isdigit() else number
    if kind in ("array", "object"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return [part.strip() for part in text.split(",") if part.strip()] if kind == "array" else value
        return parsed
    return value
