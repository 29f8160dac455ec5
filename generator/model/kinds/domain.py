"""Domain: a business area grouping Systems; domains may nest (`subdomainOf`)."""

from __future__ import annotations

from generator.model.kinds.common import (
    BACKSTAGE_VERSIONS, KindSpec, NonEmpty, RelationField, Strict,
)
from generator.model.relations import OWNED_BY, PART_OF


class DomainSpec(Strict):
    owner: NonEmpty
    subdomainOf: NonEmpty = None
    type: NonEmpty = None


DOMAIN = KindSpec(
    kind="Domain",
    api_versions=BACKSTAGE_VERSIONS,
    spec_model=DomainSpec,
    relation_fields=(
        RelationField("owner", "Group", OWNED_BY),
        RelationField("subdomainOf", "Domain", PART_OF),
    ),
)
