"""Resource: infrastructure a Component needs at runtime (database, bucket, queue)."""

from __future__ import annotations

from generator.model.kinds.common import (
    BACKSTAGE_VERSIONS, KindSpec, NonEmpty, NonEmptyList, RelationField, Strict,
)
from generator.model.relations import DEPENDENCY_OF, DEPENDS_ON, OWNED_BY, PART_OF


class ResourceSpec(Strict):
    """As for Component, `dependencyOf` is unchecked by the schema but read for relations."""

    type: NonEmpty
    owner: NonEmpty
    dependsOn: NonEmptyList = None
    system: NonEmpty = None


RESOURCE = KindSpec(
    kind="Resource",
    api_versions=BACKSTAGE_VERSIONS,
    spec_model=ResourceSpec,
    relation_fields=(
        RelationField("owner", "Group", OWNED_BY),
        RelationField("dependsOn", None, DEPENDS_ON),
        RelationField("dependencyOf", None, DEPENDENCY_OF),
        RelationField("system", "System", PART_OF),
    ),
)
