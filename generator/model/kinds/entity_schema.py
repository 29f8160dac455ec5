"""The entity schema every kind shares: Backstage's Entity.schema.json and EntityMeta.

This is what the SchemaValid policy checks before anything else: the root holds only
`apiVersion`, `kind`, `metadata`, `spec` (and the read-only `relations`/`status`, which the
next policy then refuses), metadata fields have the right types, labels and annotations map
to *strings*, tags are non-empty strings, links are objects with a `url`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationError

from generator.model.kinds.common import Closed, NonEmpty, SchemaError, Strict, schema_errors


class Link(Strict):
    url: NonEmpty
    title: NonEmpty = None
    icon: NonEmpty = None
    type: NonEmpty = None


class Metadata(Strict):
    """Field order is the schema's property order, which decides ajv's first error."""

    uid: NonEmpty = None
    etag: NonEmpty = None
    name: NonEmpty
    namespace: NonEmpty = None
    title: NonEmpty = None
    description: str = None
    labels: dict[Any, str] = None
    annotations: dict[Any, str] = None
    tags: list[NonEmpty] = None
    links: list[Link] = None


class Reference(Closed):
    kind: NonEmpty
    namespace: NonEmpty
    name: NonEmpty


class RelationRow(Closed):
    type: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_]+$")]
    target: Reference = None
    targetRef: NonEmpty


class StatusItem(Strict):
    type: NonEmpty
    level: str
    message: str


class Status(Strict):
    items: list[StatusItem] = None


class EntitySchema(Closed):
    apiVersion: NonEmpty
    kind: NonEmpty
    metadata: Metadata
    spec: dict = None
    relations: list[RelationRow] = None
    status: Status = None


#: Root keys an entity file may hold (NoForeignRootFields).
ROOT_FIELDS = ("apiVersion", "kind", "metadata", "spec")


def entity_schema_errors(data: dict[str, Any]) -> list[SchemaError]:
    """Every way `data` breaks the entity schema, ajv's first error first."""
    try:
        EntitySchema.model_validate(data)
    except ValidationError as exc:
        return schema_errors(exc)
    return []


def foreign_root_fields(data: dict[str, Any]) -> list[str]:
    """Root keys the schema tolerates but the NoForeignRootFields policy refuses."""
    return [key for key in data if key not in ROOT_FIELDS]
