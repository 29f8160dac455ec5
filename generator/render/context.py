"""What an entity page shows, worked out once in Python so templates only lay it out.

Every value here is plain data (strings, lists, dicts) in a fixed order: sorted refs,
relation types in `RELATION_ORDER`, so the same catalog always renders the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import quote

from generator.model.catalog import Catalog, first_target, ref_key
from generator.model.entity import Entity
from generator.model.relations import (
    API_CONSUMED_BY, API_PROVIDED_BY, CHILD_OF, CONSUMES_API, DEPENDENCY_OF, DEPENDS_ON,
    HAS_MEMBER, HAS_PART, MEMBER_OF, OWNED_BY, OWNER_OF, PARENT_OF, PART_OF, PROVIDES_API,
)
from generator.render import apis, diagram
from generator.render.links import Link, link
from generator.render.scaffolded import ScaffoldIndex, scaffolded_from
from generator.render.template_page import template_view
from generator.site_paths import definition_url

VIEW_URL = "backstage.io/view-url"
EDIT_URL = "backstage.io/edit-url"

#: How each relation type is headed on a page, in the order the sections appear.
RELATION_LABELS: dict[str, str] = {
    OWNED_BY: "Owned by",
    PART_OF: "Part of",
    HAS_PART: "Has part",
    PROVIDES_API: "Provides API",
    CONSUMES_API: "Consumes API",
    API_PROVIDED_BY: "Provided by",
    API_CONSUMED_BY: "Consumed by",
    DEPENDS_ON: "Depends on",
    DEPENDENCY_OF: "Dependency of",
    CHILD_OF: "Child of",
    PARENT_OF: "Parent of",
    MEMBER_OF: "Member of",
    HAS_MEMBER: "Has member",
    OWNER_OF: "Owner of",
}
RELATION_ORDER = list(RELATION_LABELS)
#: How many refs one list on a page shows. A root group of a big company owns thousands of
#: entities; its page names the first ones and links to the filtered catalog for the rest.
LIST_LIMIT = 50
#: Relations whose full list the catalog table can show, by its filter.
_CATALOG_FILTER = {OWNER_OF: "owner", HAS_PART: "system"}


@dataclass(frozen=True)
class Links:
    """At most LIST_LIMIT links of a longer list: `total` says how long it really is and
    `more_url` (from the site root) where the catalog shows all of them, when it can."""

    items: list[Any] = field(default_factory=list)
    total: int = 0
    more_url: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def capped(catalog: Catalog, refs: list[str], more: tuple[str, str] | None = None) -> Links:
    """Links to the first LIST_LIMIT of `refs` (already sorted); `more` is a catalog
    filter (name, value) that lists them all."""
    url = f"catalog.html?{more[0]}={quote(more[1], safe=':/')}" if more else None
    return Links([link(catalog, ref) for ref in refs[:LIST_LIMIT]], len(refs), url)


def entity_context(catalog: Catalog, entity: Entity, depth: int,
                   scaffolded: ScaffoldIndex | None = None) -> dict[str, Any]:
    """Everything the entity page template needs, for any kind. `scaffolded` (built once
    per build by `scaffold_index`) lists what was made from each template."""
    ref = str(entity.ref)
    edges = _out_edges(catalog, ref)  # once: owner, system and relations all read it
    owner = _first_of(edges, OWNED_BY)
    system = _first_of(edges, PART_OF)
    view = apis.describe(entity, deferred=True)  # read only if the page is rendered
    context: dict[str, Any] = {
        "entity": entity,
        "ref": ref,
        "kind": entity.kind,
        "type": _text(entity.spec.get("type")),
        "lifecycle": _text(entity.spec.get("lifecycle")),
        "owner": link(catalog, owner) if owner else None,
        "system": link(catalog, system) if system else None,
        "links": _links(entity),
        "annotations": sorted(entity.annotations.items()),
        "labels": sorted(entity.labels.items()),
        "relations": relation_groups(catalog, ref, edges),
        "source": _source(entity),
        "problems": catalog.problems_for(ref),
        "api": view,
        "definition_url": definition_url(entity.namespace, view.download_name) if view else None,
        "diagram": diagram.draw(catalog, ref, depth),
        "system_diagram": None,
        "group": None,
        "user": None,
        "parts": None,
        "providers": [],
        "consumers": [],
        "profile": _profile(entity),
        "scaffold": None,
        "scaffolded_from": scaffolded_from(catalog, entity),
    }
    kind = entity.kind.lower()
    if kind == "group":
        context["group"] = group_view(catalog, ref)
    elif kind == "user":
        context["user"] = user_view(catalog, ref)
    elif kind in ("system", "domain"):
        context["parts"] = parts_by_kind(catalog, ref)
        context["system_diagram"] = diagram.draw_system(catalog, ref)
    elif kind == "api":
        context["providers"] = _links_of(catalog, ref, API_PROVIDED_BY)
        context["consumers"] = _links_of(catalog, ref, API_CONSUMED_BY)
    elif kind == "template":
        context["scaffold"] = template_view(catalog, entity, (scaffolded or {}).get(ref, ()))
    return context


def relation_groups(catalog: Catalog, ref: str,
                    grouped: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """Every relation of `ref`, grouped by type in `RELATION_ORDER`, targets sorted.
    `grouped` is `ref`'s targets by relation type when the caller has them already."""
    grouped = _out_edges(catalog, ref) if grouped is None else grouped
    order = RELATION_ORDER + sorted(set(grouped) - set(RELATION_ORDER))
    return [
        {"type": kind, "label": RELATION_LABELS.get(kind, kind),
         "targets": capped(catalog, sorted(grouped[kind]),
                           (_CATALOG_FILTER[kind], ref) if kind in _CATALOG_FILTER else None)}
        for kind in order if kind in grouped
    ]


def group_view(catalog: Catalog, ref: str) -> dict[str, Any]:
    """Members, sub-groups, the chain of parents up to the root, and what the group owns
    itself and through its sub-groups (each with the sub-group that owns it)."""
    direct = _owned(catalog, [ref])
    direct_set = set(direct)
    through = [other for other in _owned(catalog, _subgroups(catalog, ref))
               if other not in direct_set]
    rows = [{"entity": link(catalog, other), "owner": link(catalog, catalog.owner_of(other))}
            for other in through[:LIST_LIMIT]]
    return {
        "members": capped(catalog, _owned(catalog, [ref], HAS_MEMBER)),
        "children": capped(catalog, _targets(catalog, ref, PARENT_OF)),
        "parents": parent_chain(catalog, ref),
        "owned": capped(catalog, direct, ("owner", ref)),
        "owned_through": Links(rows, len(through)),
    }


def user_view(catalog: Catalog, ref: str) -> dict[str, Any]:
    """The groups a user is in and what the user owns personally."""
    return {
        "groups": capped(catalog, _targets(catalog, ref, MEMBER_OF)),
        "owned": capped(catalog, _owned(catalog, [ref]), ("owner", ref)),
    }


def parent_chain(catalog: Catalog, ref: str) -> list[Link]:
    """Parent, grandparent, ... up to the root; stops at a cycle instead of looping."""
    chain: list[Link] = []
    seen = {ref_key(ref)}
    current = catalog.target(ref, CHILD_OF)
    while current and current not in seen:
        seen.add(current)
        chain.append(link(catalog, current))
        current = catalog.target(current, CHILD_OF)
    return chain


def parts_by_kind(catalog: Catalog, ref: str) -> list[dict[str, Any]]:
    """A System's components, APIs and resources (a Domain's systems), grouped by kind."""
    grouped: dict[str, list[str]] = {}
    for target in _targets(catalog, ref, HAS_PART):
        grouped.setdefault(target.partition(":")[0], []).append(target)
    return [{"kind": link(catalog, refs[0]).kind,
             "links": capped(catalog, refs, ("system", ref) if kind != "system" else None)}
            for kind, refs in sorted(grouped.items())]


def _owned(catalog: Catalog, owners: list[str], relation: str = OWNER_OF) -> list[str]:
    """Sorted refs of existing entities that `owners` own (or, for HAS_MEMBER, have as
    members): what `Catalog.owned_by` answers, read from the adjacency without building
    networkx edge views, which cost more than the rest of a group's page."""
    found = {target for owner in owners for target in _out_edges(catalog, owner).get(relation, ())}
    return sorted(target for target in found if target in catalog.entities)


def _subgroups(catalog: Catalog, ref: str) -> list[str]:
    """`ref` and every group below it through parentOf, safe against parent cycles."""
    seen = {ref_key(ref)}
    todo = list(seen)
    while todo:
        for child in _out_edges(catalog, todo.pop()).get(PARENT_OF, ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return sorted(seen)


def _links_of(catalog: Catalog, ref: str, relation: str) -> Links:
    return capped(catalog, _targets(catalog, ref, relation))


def _targets(catalog: Catalog, ref: str, relation: str) -> list[str]:
    return sorted(_out_edges(catalog, ref).get(relation, ()))


def _out_edges(catalog: Catalog, ref: str) -> dict[str, list[str]]:
    """Targets by relation type, read from the graph's adjacency (node keys are the
    lower-cased refs, edge keys the relation types), which is many times faster than
    networkx's edge views on a page that asks several questions of the same node."""
    adjacency = catalog.graph._adj  # the dicts themselves: `.adj` builds a view per call
    key = ref if ref in adjacency else ref_key(ref)
    grouped: dict[str, list[str]] = {}
    for target, kinds in adjacency.get(key, {}).items():
        for kind in kinds:
            grouped.setdefault(kind, []).append(target)
    return grouped


def _first_of(edges: dict[str, list[str]], relation: str) -> str | None:
    return first_target(edges.get(relation, ()), relation)


def _source(entity: Entity) -> dict[str, Any]:
    """The file an entity was read from, with the Git host's view and edit URLs if known,
    and for an owned entity the `playbill owner set` command that changes its owner."""
    annotations = entity.annotations
    owned = isinstance(entity.spec.get("owner"), str)
    return {
        "file": entity.file,
        "line": entity.line,
        "view_url": _web_url(annotations.get(VIEW_URL)),
        "edit_url": _web_url(annotations.get(EDIT_URL)),
        "owner_command": f"playbill owner set {entity.ref} NEW_OWNER" if owned else None,
    }


def _web_url(url: Any) -> str | None:
    text = str(url or "")
    return text if text.startswith(("https://", "http://")) else None


def _links(entity: Entity) -> list[dict[str, str]]:
    """`metadata.links` that are safe to put in an href, with a title to show."""
    shown = []
    for item in entity.links:
        if isinstance(item, dict) and _web_url(item.get("url")):
            url = str(item["url"])
            shown.append({"url": url, "title": str(item.get("title") or url),
                          "type": _text(item.get("type"))})
    return shown


def _profile(entity: Entity) -> dict[str, str]:
    profile = entity.spec.get("profile")
    if not isinstance(profile, dict):
        return {}
    return {key: str(profile[key]) for key in ("displayName", "email", "picture") if profile.get(key)}


def _text(value: Any) -> str:
    return str(value) if isinstance(value, (str, int, float)) and value != "" else ""
