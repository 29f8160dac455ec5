"""A validated catalog entity: what every stage after validation works with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.model.document import Document
from generator.model.ref import EntityRef
from generator.model.relations import Relation


@dataclass(frozen=True)
class Entity:
    """An entity Backstage would store, with the document it came from.

    `data` is the entity after processing (placeholders resolved, namespace defaulted,
    location annotations added). `relations` are the ones this entity emits from its own
    spec fields, in Backstage's order; the graph adds the reverse directions.
    """

    ref: EntityRef
    data: dict[str, Any]
    document: Document
    relations: tuple[Relation, ...] = ()
    known_kind: bool = True
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def metadata(self) -> dict[str, Any]:
        return self.data["metadata"]

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def name(self) -> str:
        return self.metadata["name"]

    @property
    def namespace(self) -> str:
        return self.metadata.get("namespace", "default")

    @property
    def title(self) -> str:
        return self.metadata.get("title") or self.name

    @property
    def description(self) -> str:
        return self.metadata.get("description") or ""

    @property
    def annotations(self) -> dict[str, str]:
        return self.metadata.get("annotations") or {}

    @property
    def labels(self) -> dict[str, str]:
        return self.metadata.get("labels") or {}

    @property
    def tags(self) -> list[str]:
        return list(self.metadata.get("tags") or [])

    @property
    def links(self) -> list[dict[str, Any]]:
        return list(self.metadata.get("links") or [])

    @property
    def file(self) -> str:
        return self.document.file

    @property
    def line(self) -> int:
        return self.document.line
