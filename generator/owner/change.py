"""Which file and line to change, checked against the catalog before anything is written.

A change is refused, with the closest names the catalog has, when the entity or the new
owner is not in the catalog, when the owner is not a Group or User, when the entity has no
`spec.owner` (Groups, Users and Locations are not owned), or when nothing would change.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from generator.model.catalog import Catalog
from generator.model.entity import Entity
from generator.model.ref import EntityRef, RefError, parse_ref
from generator.model.source import SourceTree

OWNER_KINDS = ("group", "user")


class OwnerError(Exception):
    """A change Playbill refuses; `hint` says what to do instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class OwnerChange:
    """Set `entity`'s owner to `owner` (as the user wrote it, which resolves to `owner_ref`)
    in `path`, a file of the Git repository `tree`, at `in_repo` inside it."""

    entity: EntityRef
    old_owner: str
    owner: str
    owner_ref: EntityRef
    path: Path
    tree: SourceTree
    in_repo: str

    @property
    def title(self) -> str:
        return f"Change owner of {self.entity} to {self.owner_ref}"

    @property
    def branch(self) -> str:
        """A branch name that says what it does, from characters Git always accepts."""
        words = [self.entity.kind, self.entity.name, "to", self.owner_ref.name]
        slug = "-".join("".join(c if c.isalnum() or c in "-_." else "-" for c in w)
                        for w in words)
        return f"playbill/owner/{slug.strip('.-')}"

    def description(self) -> str:
        return (f"`playbill owner set` changes `spec.owner` of `{self.entity}` in "
                f"`{self.in_repo}` from `{self.old_owner}` to `{self.owner}` "
                f"(`{self.owner_ref}`, which is in the catalog). No other line changes.")


def plan(catalog: Catalog, entity_text: str, owner_text: str) -> OwnerChange:
    """Check the request against `catalog` and say where the change goes."""
    entity = _entity(catalog, entity_text)
    old = entity.spec.get("owner")
    if not isinstance(old, str):
        raise OwnerError(f"{entity.ref} ({entity.kind}) has no spec.owner",
                         "only Components, APIs, Resources, Systems, Domains and Templates "
                         "have an owner")
    owner_ref = _owner(catalog, owner_text, entity)
    if owner_ref == parse_ref(old, "group", entity.namespace):
        raise OwnerError(f"{entity.ref} is already owned by {owner_ref}")
    path, tree = entity.document.path, _tree_of(catalog, entity)
    return OwnerChange(entity.ref, old, owner_text, owner_ref, path, tree, tree.relpath(path))


def _entity(catalog: Catalog, text: str) -> Entity:
    try:
        ref = parse_ref(text)
    except RefError as exc:
        raise OwnerError(f"{text!r} is not an entity ref: {exc}",
                         "write it as kind:name or kind:namespace/name, e.g. "
                         "component:default/billing") from None
    entity = catalog.entity(ref)
    if entity is None:
        raise OwnerError(f"{ref} is not in the catalog", _closest(catalog, ref, (ref.kind,)))
    return entity


def _owner(catalog: Catalog, text: str, entity: Entity) -> EntityRef:
    try:
        ref = parse_ref(text, "group", entity.namespace)
    except RefError as exc:
        raise OwnerError(f"new owner {text!r} is not a ref: {exc}") from None
    if ref.kind not in OWNER_KINDS:
        raise OwnerError(f"new owner {ref} is a {ref.kind}, not a group or user",
                         "an owner is a Group (team) or a User")
    if catalog.entity(ref) is None:
        raise OwnerError(f"new owner {ref} is not in the catalog",
                         _closest(catalog, ref, OWNER_KINDS))
    return ref


def _closest(catalog: Catalog, ref: EntityRef, kinds: tuple[str, ...]) -> str:
    names = [key for key, e in catalog.entities.items() if e.ref.kind in kinds]
    by_name = {catalog.entities[key].ref.name: key for key in names}
    close = difflib.get_close_matches(ref.name, list(by_name), n=3, cutoff=0.75)
    if close:
        return "did you mean " + " or ".join(sorted(by_name[n] for n in close)) + "?"
    return f"`playbill validate` lists what the catalog holds ({len(names)} {'/'.join(kinds)})"


def _tree_of(catalog: Catalog, entity: Entity) -> SourceTree:
    path = entity.document.path
    for tree in catalog.trees:
        if path is not None and tree.location_type == "url" and tree.contains(path):
            return tree
    raise OwnerError(f"{entity.file} is not in a Git repository",
                     "owner set changes files through Git: read the catalog from a "
                     "repository (a path inside one, or a url: source)")
