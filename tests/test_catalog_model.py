"""The Catalog noun: look-ups every later stage (render, search, docs) relies on."""

from __future__ import annotations

import itertools
import json

import pytest

from generator.graph import build_graph
from generator.model import Document, Entity, LocationRef, Positions, Problem, Severity
from generator.model.catalog import Catalog, ref_key
from generator.model.ref import EntityRef, RefError, parse_ref, ref_text
from generator.model.relations import Relation
from generator.model.source import SourceTree
from generator.render.exports import graph_dict


def make(ref: str, title: str | None = None, **fields: str | list[str]) -> Entity:
    """An entity whose forward relations are given directly: `ownedBy="group:default/x"`."""
    entity_ref = parse_ref(ref)
    metadata = {"name": entity_ref.name, "namespace": entity_ref.namespace}
    if title:
        metadata["title"] = title
    data = {"apiVersion": "backstage.io/v1alpha1", "kind": entity_ref.kind.capitalize(),
            "metadata": metadata, "spec": {}}
    location = LocationRef("file", f"/repo/{entity_ref.name}.yaml")
    document = Document(data, f"{entity_ref.name}.yaml", None, 0, Positions(), location,
                        location, str(location))
    relations = tuple(
        Relation(entity_ref, kind, parse_ref(target))
        for kind, targets in fields.items()
        for target in ([targets] if isinstance(targets, str) else targets)
    )
    return Entity(entity_ref, data, document, relations)


def catalog_of(*entities: Entity, problems: list[Problem] = ()) -> Catalog:
    related = build_graph(entities)
    return Catalog.create(entities, related.graph, [*problems, *related.problems], [])


@pytest.fixture
def org() -> Catalog:
    """eng ⊃ platform ⊃ storage; jdoe in platform; things owned at every level."""
    return catalog_of(
        make("group:default/eng", parentOf=["group:default/platform"]),
        make("group:default/platform", childOf="group:default/eng", hasMember="user:default/jdoe"),
        make("group:default/storage", childOf="group:default/platform"),
        make("user:default/jdoe", memberOf=["group:default/platform"]),
        make("user:default/asmith", memberOf=["group:default/storage"]),
        make("system:default/shop", "Shop", ownedBy="group:default/eng"),
        make("component:default/web", ownedBy="group:default/platform",
             partOf="system:default/shop", dependsOn=["resource:default/db"]),
        make("resource:default/db", ownedBy="group:default/storage"),
        make("api:default/pay", ownedBy="user:default/jdoe"),
    )


def test_entity_lookup_accepts_refs_and_strings_in_any_case(org):
    web = org.entity("component:default/web")
    assert web is not None and web.name == "web"
    assert org.entity("Component:Default/WEB") is web
    assert org.entity("component:web") is web
    assert org.entity(EntityRef("Component", "default", "Web")) is web
    assert org.entity("component:default/nope") is None
    assert org.entity("no kind at all") is None


def test_entities_are_sorted_by_ref(org):
    assert list(org.entities) == sorted(org.entities)


def test_relations_of_is_backstages_public_relations(org):
    def public(ref):
        return [(r.type, str(r.target)) for r in org.relations_of(ref)]

    # a group's relations include the rows its members and owned entities emitted
    assert public("group:default/platform") == [
        ("childOf", "group:default/eng"),
        ("hasMember", "user:default/jdoe"),
        ("ownerOf", "component:default/web"),
        ("parentOf", "group:default/storage"),
    ]
    assert public("component:default/web") == [
        ("dependsOn", "resource:default/db"),
        ("ownedBy", "group:default/platform"),
        ("partOf", "system:default/shop"),
    ]
    assert all(r.source == parse_ref("component:default/web")
               for r in org.relations_of("component:web"))
    assert org.relations_of("component:default/ghost") == []


def test_relations_of_a_missing_target_lists_the_reverse_rows():
    catalog = catalog_of(make("component:default/web", ownedBy="group:default/ghost"))
    [row] = catalog.relations_of("group:default/ghost")
    assert (row.type, row.target) == ("ownerOf", parse_ref("component:default/web"))
    assert catalog.entity("group:default/ghost") is None


def test_relations_keep_names_with_slashes_and_colons():
    catalog = catalog_of(make("component:default/web", ownedBy="group:ops/a/b:c"))
    [row] = catalog.relations_of("component:web")
    assert row.target == EntityRef("group", "ops", "a/b:c")
    [exported] = catalog.to_json_dict()["entities"]
    assert exported["relations"] == [{"type": "ownedBy", "targetRef": "group:ops/a/b:c"}]


def test_neighbourhood(org):
    assert org.neighbourhood("resource:db", 0) == {"resource:default/db"}
    assert org.neighbourhood("resource:db", 1) == {
        "resource:default/db", "component:default/web", "group:default/storage",
    }
    two = org.neighbourhood("resource:db", 2)
    assert {"system:default/shop", "group:default/platform", "user:default/asmith"} <= two
    assert "api:default/pay" not in two
    assert org.neighbourhood("resource:db", 10) == set(org.graph.nodes)
    assert org.neighbourhood("component:default/nope", 3) == set()


def test_owned_by_directly_and_through_sub_groups(org):
    def names(entities):
        return [str(e.ref) for e in entities]

    assert names(org.owned_by("group:platform")) == ["component:default/web"]
    assert names(org.owned_by("group:default/eng")) == ["system:default/shop"]
    assert names(org.owned_by("group:eng", transitive=True)) == [
        "component:default/web", "resource:default/db", "system:default/shop",
    ]
    assert names(org.owned_by("user:jdoe")) == ["api:default/pay"]
    assert org.owned_by("group:nope", transitive=True) == []


def test_owned_by_survives_a_parent_cycle():
    catalog = catalog_of(
        make("group:default/a", childOf="group:default/b"),
        make("group:default/b", childOf="group:default/a"),
        make("component:default/x", ownedBy="group:default/b"),
    )
    assert [str(e.ref) for e in catalog.owned_by("group:a", transitive=True)] == [
        "component:default/x"
    ]
    assert catalog.subgroups("group:a") == {"group:default/a", "group:default/b"}


def test_members_of(org):
    # declared on either side (group `members` or user `memberOf`), listed once
    assert [e.name for e in org.members_of("group:platform")] == ["jdoe"]
    assert [e.name for e in org.members_of("group:storage")] == ["asmith"]
    assert org.members_of("group:eng") == []


def test_problems_are_sorted_and_found_per_entity():
    mine = Problem(Severity.ERROR, "name-format", "bad name", file="a.yaml", line=3,
                   entity="Component:default/Web")
    other = Problem(Severity.WARNING, "yaml-syntax", "oops", file="0.yaml", line=1)
    catalog = catalog_of(make("component:default/web", ownedBy="group:default/ghost"),
                         problems=[mine, other])
    # by file, then line
    assert [p.code for p in catalog.problems] == ["yaml-syntax", "name-format",
                                                  "owner-not-found"]
    assert {p.code for p in catalog.problems_for("component:web")} == {
        "owner-not-found", "name-format",
    }
    assert catalog.problems_for("component:default/other") == []


def test_counts_by_kind(org):
    assert org.counts_by_kind() == {
        "Api": 1, "Component": 1, "Group": 3, "Resource": 1, "System": 1, "User": 2,
    }


def test_to_json_dict_is_backstage_shaped_and_deterministic(org):
    exported = org.to_json_dict()
    json.dumps(exported)  # serialisable as is
    refs = [f'{e["kind"].lower()}:{e["metadata"]["namespace"]}/{e["metadata"]["name"]}'
            for e in exported["entities"]]
    assert refs == sorted(refs) and len(refs) == 9
    shop = next(e for e in exported["entities"] if e["metadata"]["name"] == "shop")
    assert shop["metadata"]["title"] == "Shop"
    assert shop["relations"] == [
        {"type": "hasPart", "targetRef": "component:default/web"},
        {"type": "ownedBy", "targetRef": "group:default/eng"},
    ]
    assert exported["problems"] == []
    # the same catalog read in another order exports the same bytes
    shuffled = list(org.entities.values())[::-1]
    again = Catalog.create(shuffled, build_graph(shuffled).graph, [], [])
    assert json.dumps(again.to_json_dict()) == json.dumps(exported)


def test_exports_read_off_the_adjacency_agree_with_networkx_and_relations_of(org):
    # catalog.json and graph.json read the graph's adjacency dict directly, for speed
    exported = org.to_json_dict()
    for ref, entity in zip(org.entities, exported["entities"]):
        assert entity["relations"] == [{"type": r.type, "targetRef": str(r.target)}
                                       for r in org.relations_of(ref)]
    edges = graph_dict(org)["edges"]
    assert [(e["source"], e["type"], e["target"]) for e in edges] == \
        sorted({(s, k, t) for s, t, k in org.graph.edges(keys=True)})
    assert len(edges) == org.graph.number_of_edges() > 0


def test_catalog_keeps_trees_and_is_frozen(tmp_path):
    tree = SourceTree("local", tmp_path)
    catalog = Catalog.create([], build_graph([]).graph, [], [tree])
    assert catalog.trees == (tree,)
    assert catalog.counts_by_kind() == {}
    with pytest.raises(AttributeError):
        catalog.problems = ()  # type: ignore[misc]


def test_ref_key():
    assert ref_key("Group:Ops/Team-A") == "group:ops/team-a"
    assert ref_key(EntityRef("Group", "Ops", "Team-A")) == "group:ops/team-a"
    assert ref_key("group:team-a") == "group:default/team-a"
    assert ref_text("Group", "Ops", "Team-A") == str(EntityRef("Group", "Ops", "Team-A"))


def test_ref_key_takes_a_key_as_it_is_and_parses_anything_else():
    """Its shortcut for a string that is already a key must give what parsing gives."""
    def parsed(text: str) -> str:
        try:
            return str(parse_ref(text))
        except RefError:
            return text.lower()

    pieces = ["", "a", "B", ":", "/", "x:y", "é", "İ", "-", "a/b", ":/", "//"]
    texts = {"".join(combo) for n in range(1, 5) for combo in itertools.product(pieces, repeat=n)}
    texts |= {"component:default/svc-1", "api:ns/a:b/c", "a/b:c", "k:n//x", "k::n/x", "ǅ:a/b"}
    assert [t for t in sorted(texts) if ref_key(t) != parsed(t)] == []
    assert ref_key("component:default/svc-1") == "component:default/svc-1"
    assert ref_key("Component:svc-1") == "component:default/svc-1"
