"""Component: a piece of software (service, website, library) someone owns."""

from __future__ import annotations

from generator.model.kinds.common import (
    BACKSTAGE_VERSIONS, KindSpec, NonEmpty, NonEmptyList, RelationField, Strict,
)
from generator.model.relations import (
    CONSUMES_API, DEPENDENCY_OF, DEPENDS_ON, OWNED_BY, PART_OF, PROVIDES_API,
)


class ComponentSpec(Strict):
    """`dependencyOf` is not in Backstage's schema (anything goes), but relations read it."""

    type: NonEmpty
    lifecycle: NonEmpty
    owner: NonEmpty
    system: NonEmpty = None
    subcomponentOf: NonEmpty = None
    providesApis: NonEmptyList = None
    consumesApis: NonEmptyList = None
    dependsOn: NonEmptyList = None


COMPONENT = KindSpec(
    kind="Component",
    api_versions=BACKSTAGE_VERSIONS,
    spec_model=ComponentSpec,
    relation_fields=(
        RelationField("owner", "Group", OWNED_BY),
        RelationField("subcomponentOf", "Component", PART_OF),
        RelationField("providesApis", "API", PROVIDES_API),
        RelationField("consumesApis", "API", CONSUMES_API),
        RelationField("dependsOn", None, DEPENDS_ON),
        RelationField("dependencyOf", None, DEPENDENCY_OF),
        RelationField("system", "System", PART_OF),
    ),
)
