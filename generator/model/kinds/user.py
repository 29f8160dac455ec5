"""User: a person; `memberOf` is required even when empty."""

from __future__ import annotations

from generator.model.kinds.common import (
    BACKSTAGE_VERSIONS, KindSpec, NonEmptyList, Profile, RelationField, Strict,
)
from generator.model.relations import MEMBER_OF


class UserSpec(Strict):
    profile: Profile = None
    memberOf: NonEmptyList


USER = KindSpec(
    kind="User",
    api_versions=BACKSTAGE_VERSIONS,
    spec_model=UserSpec,
    relation_fields=(RelationField("memberOf", "Group", MEMBER_OF),),
)
