"""API definitions made readable: what an API page shows of its `spec.definition`."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.entity import Entity

#: File extension of the raw definition download, by `spec.type`.
EXTENSIONS = {"openapi": "yaml", "asyncapi": "yaml", "graphql": "graphql", "grpc": "proto"}


@dataclass(frozen=True)
class ApiView:
    """What `partials/api.html` renders for one API entity."""

    type: str
    raw: str
    download_name: str


def describe(entity: Entity) -> ApiView | None:
    """The view of an API entity's definition, or None for other kinds."""
    if entity.kind != "API":
        return None
    api_type = str(entity.spec.get("type", "")).lower()
    raw = entity.spec.get("definition")
    raw = raw if isinstance(raw, str) else ""
    extension = EXTENSIONS.get(api_type, "txt")
    return ApiView(api_type, raw, f"{entity.name.lower()}.definition.{extension}")
