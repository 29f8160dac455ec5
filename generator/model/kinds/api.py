"""API: an interface a Component provides or consumes; `definition` is its text."""

from __future__ import annotations

from generator.model.kinds.common import (
    BACKSTAGE_VERSIONS, KindSpec, NonEmpty, RelationField, Strict,
)
from generator.model.relations import OWNED_BY, PART_OF


class ApiSpec(Strict):
    """`definition` must be a string: `$json`/`$yaml` placeholders give objects and fail."""

    type: NonEmpty
    lifecycle: NonEmpty
    owner: NonEmpty
    system: NonEmpty = None
    definition: NonEmpty


API = KindSpec(
    kind="API",
    api_versions=BACKSTAGE_VERSIONS,
    spec_model=ApiSpec,
    relation_fields=(
        RelationField("owner", "Group", OWNED_BY),
        RelationField("system", "System", PART_OF),
    ),
)
