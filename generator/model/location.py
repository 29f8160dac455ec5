"""Location refs: where Backstage says an entity was read from (`<type>:<target>`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocationRef:
    """A Backstage location: `type` is `url` (read from a Git repository) or `file`.

    Git sources are `url` locations, so relative placeholders and Location targets resolve
    inside the repository exactly as they do for a Backstage URL registration; plain local
    folders outside any Git work tree are `file` locations with Backstage's file semantics.
    """

    type: str
    target: str

    def __str__(self) -> str:
        return f"{self.type}:{self.target}"

    @classmethod
    def parse(cls, text: str) -> "LocationRef":
        """Split on the first colon only, as Backstage does (`url:https://…`)."""
        kind, sep, target = text.partition(":")
        if not sep or not kind or not target:
            raise ValueError(f'Unable to parse location ref "{text}", expected <type>:<target>')
        return cls(kind, target)
