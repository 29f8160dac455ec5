"""Pieces every kind schema shares, and the translation of pydantic errors into Backstage's.

Backstage validates with JSON schemas through ajv; Playbill uses strict pydantic models
(no coercion: `3` is not a string, `null` is not an object) that accept the same inputs.
Optional fields default to `None` without being validated, so an *absent* field passes
while an explicit `null` fails as it does in ajv (`must be string`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Iterable

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

#: A JSON-schema `{"type": "string", "minLength": 1}`.
NonEmpty = Annotated[str, Field(min_length=1)]
#: A JSON-schema array of non-empty strings (refs in `dependsOn`, `memberOf`, ...).
NonEmptyList = list[NonEmpty]


class Strict(BaseModel):
    """An object whose known keys are type-checked and whose other keys are kept as they are."""

    model_config = ConfigDict(strict=True, extra="allow", populate_by_name=True)


class Closed(BaseModel):
    """An object with `additionalProperties: false`."""

    model_config = ConfigDict(strict=True, extra="forbid", populate_by_name=True)


class Profile(Strict):
    """`spec.profile` of Users and Groups."""

    displayName: NonEmpty = None
    email: NonEmpty = None
    picture: NonEmpty = None


def ajv_error(message: str, params: str) -> PydanticCustomError:
    """A validation error carrying ajv's own message, for rules pydantic has no type for
    (enums, `["string", "boolean"]` unions, `oneOf`)."""
    return PydanticCustomError("ajv", "{message}", {"message": message, "params": params})


def string_or_bool(value: Any) -> Any:
    """JSON-schema `type: [string, boolean]`."""
    if not isinstance(value, (str, bool)):
        raise ajv_error("must be string,boolean", "type: string,boolean")
    return value


@dataclass(frozen=True)
class SchemaError:
    """One JSON-schema violation as ajv words it.

    `path` is the instance path (the parent object for a missing property), `message` and
    `params` are ajv's, `missing` names a missing property, `value` is what was found.
    """

    path: tuple[str | int, ...]
    message: str
    params: str
    missing: str | None = None
    extra: str | None = None
    value: Any = None

    @property
    def pointer(self) -> str:
        """ajv's `instancePath` (`/metadata/annotations/example.com~1x`), `<root>` for ()."""
        if not self.path:
            return "<root>"
        return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in self.path)

    @property
    def field_path(self) -> tuple[str | int, ...]:
        """The field the error is about (the missing or extra key itself, if any)."""
        key = self.missing or self.extra
        return (*self.path, key) if key is not None else self.path

    def ajv_text(self, params: bool = True) -> str:
        """`<path> <message>`, followed by ` - <params>` as the kind validators print it."""
        text = f"{self.pointer} {self.message}"
        return f"{text} - {self.params}" if params and self.params else text


_TYPE_NAMES = {
    "string_type": "string",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "bool_type": "boolean",
}


def translate(error: ErrorDetails, prefix: tuple[str | int, ...] = ()) -> SchemaError:
    """A pydantic error in ajv's words, its location prefixed (e.g. with `("spec",)`)."""
    loc = (*prefix, *error["loc"])
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        name = str(loc[-1])
        return SchemaError(
            loc[:-1], f"must have required property '{name}'", f"missingProperty: {name}",
            missing=name,
        )
    if kind == "extra_forbidden":
        name = str(loc[-1])
        return SchemaError(
            loc[:-1], "must NOT have additional properties", f"additionalProperty: {name}",
            extra=name, value=value,
        )
    if kind in _TYPE_NAMES:
        name = _TYPE_NAMES[kind]
        return SchemaError(loc, f"must be {name}", f"type: {name}", value=value)
    if kind == "string_too_short":
        limit = error.get("ctx", {}).get("min_length", 1)
        return SchemaError(
            loc, f"must NOT have fewer than {limit} characters", f"limit: {limit}", value=value
        )
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        return SchemaError(
            loc, f'must match pattern "{pattern}"', f"pattern: {pattern}", value=value
        )
    if kind == "ajv":
        ctx = error.get("ctx", {})
        return SchemaError(loc, ctx["message"], ctx["params"], value=value)
    return SchemaError(loc, error["msg"], "", value=value)


def schema_errors(
    exc: ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[SchemaError]:
    """All errors of a failed validation, in the order ajv would report them."""
    return ajv_order([translate(e, prefix) for e in exc.errors(include_url=False)])


def ajv_order(errors: Iterable[SchemaError]) -> list[SchemaError]:
    """Reorder pydantic's errors (field order) into ajv's.

    ajv checks an object's `required` keys, then `additionalProperties`, then each property
    in schema order; pydantic reports missing and extra keys where the field sits. So a
    missing/extra key moves ahead of every other error under the same object; otherwise
    pydantic's order, which follows the schema's property order, stands.
    """
    errors = list(errors)

    def first_under(path: tuple) -> int:
        return next(
            i for i, e in enumerate(errors) if e.field_path[: len(path)] == path
        )

    def key(item: tuple[int, SchemaError]) -> tuple:
        index, error = item
        if error.missing is not None:
            return (first_under(error.path), 0, index)
        if error.extra is not None:
            return (first_under(error.path), 1, index)
        return (index, 2, index)

    return [error for _, error in sorted(enumerate(errors), key=key)]


BACKSTAGE_VERSIONS = ("backstage.io/v1alpha1", "backstage.io/v1beta1")
BUILTIN_PROCESSOR = "BuiltinKindsEntityProcessor"


@dataclass(frozen=True)
class RelationField:
    """A spec field that names other entities: each ref in it yields one `relation` from
    the entity to the target (and the graph adds the reverse). `default_kind` is None for
    `dependsOn`/`dependencyOf`, where a bare name is an error."""

    field: str
    default_kind: str | None
    relation: str


@dataclass(frozen=True)
class KindSpec:
    """What Backstage knows about one kind: accepted apiVersions, the spec schema, the
    processor that validates it (named in error texts) and its relation fields in
    emission order."""

    kind: str
    api_versions: tuple[str, ...]
    spec_model: type[BaseModel]
    relation_fields: tuple[RelationField, ...] = ()
    processor: str = BUILTIN_PROCESSOR

    def spec_errors(self, spec: dict[str, Any]) -> list[SchemaError]:
        """Every way `spec` breaks this kind's schema, ajv's first error first."""
        try:
            self.spec_model.model_validate(spec)
        except ValidationError as exc:
            return schema_errors(exc, ("spec",))
        return []
