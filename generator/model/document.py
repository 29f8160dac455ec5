"""A YAML document as read from a catalog file, before validation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from generator.model.location import LocationRef

#: A path into a document, as pydantic reports it: ("spec", "providesApis", 0).
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Positions:
    """Line numbers (1-based) of every mapping key and sequence item in one document.

    Messages point at the line of the field that is wrong; a path that has no entry of its
    own (a missing required key, say) falls back to its nearest ancestor.
    """

    lines: Mapping[FieldPath, int] = field(default_factory=dict)
    start: int = 1

    def line(self, path: FieldPath = ()) -> int:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.start


@dataclass(frozen=True)
class Document:
    """One non-empty YAML document whose root is a mapping.

    `file` is what people see (a path relative to the working folder, or
    `<source>/<path in repository>` for Git sources); `path` is where it is on disk,
    resolved (the loader stores it so). `location` is the Backstage location it was read
    at and `origin` the registered root that led to it; `parent` names the read that
    produced it (the registered root or the Location entity), which is the unit Backstage
    stores or drops as a whole.
    """

    data: dict[str, Any]
    file: str
    path: Path | None
    index: int
    positions: Positions
    location: LocationRef
    origin: LocationRef
    parent: str
    source: str = ""
    commit: str | None = None

    @property
    def line(self) -> int:
        return self.positions.start

    def line_of(self, path: FieldPath) -> int:
        return self.positions.line(path)
