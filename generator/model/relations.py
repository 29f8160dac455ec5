"""Relation types, as Backstage names them, and the pairs they come in."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.model.ref import EntityRef

OWNED_BY = "ownedBy"
OWNER_OF = "ownerOf"
PART_OF = "partOf"
HAS_PART = "hasPart"
DEPENDS_ON = "dependsOn"
DEPENDENCY_OF = "dependencyOf"
PROVIDES_API = "providesApi"
API_PROVIDED_BY = "apiProvidedBy"
CONSUMES_API = "consumesApi"
API_CONSUMED_BY = "apiConsumedBy"
MEMBER_OF = "memberOf"
HAS_MEMBER = "hasMember"
PARENT_OF = "parentOf"
CHILD_OF = "childOf"

#: Every relation type and its reverse; each emitted relation is stored in both directions.
REVERSE: dict[str, str] = {
    OWNED_BY: OWNER_OF,
    PART_OF: HAS_PART,
    DEPENDS_ON: DEPENDENCY_OF,
    PROVIDES_API: API_PROVIDED_BY,
    CONSUMES_API: API_CONSUMED_BY,
    MEMBER_OF: HAS_MEMBER,
    CHILD_OF: PARENT_OF,
}
REVERSE.update({reverse: forward for forward, reverse in list(REVERSE.items())})


@dataclass(frozen=True, order=True)
class Relation:
    """A directed, typed edge between two entity refs."""

    source: EntityRef
    type: str
    target: EntityRef
    #: The spec field that declared it, e.g. ("spec", "dependsOn", 1); for messages only.
    field: tuple = field(default=(), compare=False)

    def reversed(self) -> "Relation":
        return Relation(self.target, REVERSE[self.type], self.source, self.field)

    def to_dict(self) -> dict:
        return {"source": str(self.source), "type": self.type, "target": str(self.target)}
