"""System: a set of Components, APIs and Resources that work together."""

from __future__ import annotations

from generator.model.kinds.common import (
    BACKSTAGE_VERSIONS, KindSpec, NonEmpty, RelationField, Strict,
)
from generator.model.relations import OWNED_BY, PART_OF


class SystemSpec(Strict):
    owner: NonEmpty
    domain: NonEmpty = None
    type: NonEmpty = None


SYSTEM = KindSpec(
    kind="System",
    api_versions=BACKSTAGE_VERSIONS,
    spec_model=SystemSpec,
    relation_fields=(
        RelationField("owner", "Group", OWNED_BY),
        RelationField("domain", "Domain", PART_OF),
    ),
)
