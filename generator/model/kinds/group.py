"""Group: a team or organisational unit; `children` is required even when empty."""

from __future__ import annotations

from generator.model.kinds.common import (
    BACKSTAGE_VERSIONS, KindSpec, NonEmpty, NonEmptyList, Profile, RelationField, Strict,
)
from generator.model.relations import CHILD_OF, HAS_MEMBER, PARENT_OF


class GroupSpec(Strict):
    type: NonEmpty
    profile: Profile = None
    parent: NonEmpty = None
    children: NonEmptyList
    members: NonEmptyList = None


GROUP = KindSpec(
    kind="Group",
    api_versions=BACKSTAGE_VERSIONS,
    spec_model=GroupSpec,
    relation_fields=(
        RelationField("parent", "Group", CHILD_OF),
        RelationField("children", "Group", PARENT_OF),
        RelationField("members", "User", HAS_MEMBER),
    ),
)
