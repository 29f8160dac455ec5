"""The graph stage: Backstage's stored relation rows, and the warnings Backstage never gives."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from generator.graph import build_graph, shortest_cycle
from generator.model.values import dotted
from generator.model import Document, Entity, LocationRef, Positions, Severity
from generator.model.catalog import Catalog
from generator.model.ref import parse_ref
from generator.model.relations import REVERSE, Relation

SHARED = Path(__file__).resolve().parents[2] / "shared"
CASES = SHARED / "oracle" / "cases"

#: Spec §5.2, per kind: (field, default kind, forward relation type), in emission order.
FIELDS = {
    "Component": [
        ("owner", "group", "ownedBy"),
        ("subcomponentOf", "component", "partOf"),
        ("providesApis", "api", "providesApi"),
        ("consumesApis", "api", "consumesApi"),
        ("dependsOn", None, "dependsOn"),
        ("dependencyOf", None, "dependencyOf"),
        ("system", "system", "partOf"),
    ],
    "API": [("owner", "group", "ownedBy"), ("system", "system", "partOf")],
    "Resource": [
        ("owner", "group", "ownedBy"),
        ("dependsOn", None, "dependsOn"),
        ("dependencyOf", None, "dependencyOf"),
        ("system", "system", "partOf"),
    ],
    "System": [("owner", "group", "ownedBy"), ("domain", "domain", "partOf")],
    "Domain": [("owner", "group", "ownedBy"), ("subdomainOf", "domain", "partOf")],
    "Group": [
        ("parent", "group", "childOf"),
        ("children", "group", "parentOf"),
        ("members", "user", "hasMember"),
    ],
    "User": [("memberOf", "group", "memberOf")],
    "Template": [("owner", "group", "ownedBy")],
}


def emit(data: dict) -> tuple[Relation, ...]:
    """The forward relations an entity emits, as the validator will (arrays sorted first)."""
    namespace = data["metadata"].get("namespace", "default")
    source = parse_ref(f'{data["kind"]}:{namespace}/{data["metadata"]["name"]}')
    spec = data.get("spec") or {}
    relations = []
    for name, default_kind, kind in FIELDS.get(data["kind"], []):
        value = spec.get(name)
        if value is None:
            continue
        items = [(i, v) for i, v in enumerate(value)] if isinstance(value, list) else [(None, value)]
        for index, text in sorted(items, key=lambda item: item[1]):
            path = ("spec", name) if index is None else ("spec", name, index)
            target = parse_ref(text, default_kind, namespace)
            relations.append(Relation(source, kind, target, path))
    return tuple(relations)


def make(
    kind: str,
    name: str,
    spec: dict | None = None,
    file: str = "catalog-info.yaml",
    lines: dict | None = None,
    start: int = 1,
    namespace: str = "default",
) -> Entity:
    data = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec or {},
    }
    location = LocationRef("file", f"/repo/{file}")
    document = Document(
        data=data,
        file=file,
        path=None,
        index=0,
        positions=Positions(lines or {}, start),
        location=location,
        origin=location,
        parent=str(location),
    )
    return Entity(parse_ref(f"{kind}:{namespace}/{name}"), data, document, emit(data))


def rows(graph) -> set[tuple[str, str, str]]:
    return {(s, k, t) for s, t, k in graph.edges(keys=True)}


def codes(result) -> list[str]:
    return [p.code for p in result.problems]


# --- rows in both directions -------------------------------------------------------------

PAIRS = [
    ("Component", {"owner": "team-a"}, "ownedBy", "group:default/team-a"),
    ("Component", {"subcomponentOf": "big"}, "partOf", "component:default/big"),
    ("Component", {"providesApis": ["pay"]}, "providesApi", "api:default/pay"),
    ("Component", {"consumesApis": ["pay"]}, "consumesApi", "api:default/pay"),
    ("Component", {"dependsOn": ["resource:db"]}, "dependsOn", "resource:default/db"),
    ("Component", {"dependencyOf": ["component:up"]}, "dependencyOf", "component:default/up"),
    ("Component", {"system": "shop"}, "partOf", "system:default/shop"),
    ("API", {"owner": "team-a"}, "ownedBy", "group:default/team-a"),
    ("API", {"system": "shop"}, "partOf", "system:default/shop"),
    ("Resource", {"owner": "user:jdoe"}, "ownedBy", "user:default/jdoe"),
    ("Resource", {"dependsOn": ["resource:disk"]}, "dependsOn", "resource:default/disk"),
    ("Resource", {"dependencyOf": ["component:x"]}, "dependencyOf", "component:default/x"),
    ("Resource", {"system": "shop"}, "partOf", "system:default/shop"),
    ("System", {"owner": "team-a"}, "ownedBy", "group:default/team-a"),
    ("System", {"domain": "sales"}, "partOf", "domain:default/sales"),
    ("Domain", {"owner": "team-a"}, "ownedBy", "group:default/team-a"),
    ("Domain", {"subdomainOf": "sales"}, "partOf", "domain:default/sales"),
    ("Group", {"parent": "eng"}, "childOf", "group:default/eng"),
    ("Group", {"children": ["sub"]}, "parentOf", "group:default/sub"),
    ("Group", {"members": ["jdoe"]}, "hasMember", "user:default/jdoe"),
    ("User", {"memberOf": ["team-a"]}, "memberOf", "group:default/team-a"),
    ("Template", {"owner": "team-a"}, "ownedBy", "group:default/team-a"),
]


@pytest.mark.parametrize("kind, spec, relation, target", PAIRS)
def test_every_relation_is_stored_in_both_directions(kind, spec, relation, target):
    entity = make(kind, "me", spec)
    me = str(entity.ref)
    graph = build_graph([entity]).graph
    assert rows(graph) == {(me, relation, target), (target, REVERSE[relation], me)}
    assert graph.nodes[me]["exists"] is True
    assert graph.nodes[target]["exists"] is False


def test_nodes_carry_ref_parts_and_title():
    entity = make("Component", "web", {"owner": "group:ops/Team-A"})
    entity.data["metadata"]["title"] = "Web shop"
    graph = build_graph([entity]).graph
    assert graph.nodes["component:default/web"] == {
        "kind": "component", "namespace": "default", "name": "web",
        "title": "Web shop", "exists": True,
    }
    assert graph.nodes["group:ops/team-a"] == {
        "kind": "group", "namespace": "ops", "name": "team-a", "title": "team-a", "exists": False,
    }


def test_rows_declared_from_both_sides_are_stored_once():
    parent = make("Group", "eng", {"children": ["team-a"], "members": ["jdoe"]})
    child = make("Group", "team-a", {"parent": "eng", "children": []})
    user = make("User", "jdoe", {"memberOf": ["eng"]})
    result = build_graph([parent, child, user])
    assert result.graph.number_of_edges() == 4
    assert rows(result.graph) == {
        ("group:default/eng", "parentOf", "group:default/team-a"),
        ("group:default/team-a", "childOf", "group:default/eng"),
        ("group:default/eng", "hasMember", "user:default/jdoe"),
        ("user:default/jdoe", "memberOf", "group:default/eng"),
    }
    assert result.problems == []


def test_target_kinds_are_not_restricted():
    component = make("Component", "web", {"owner": "component:lib", "system": "domain:sales"})
    lib = make("Component", "lib", {"owner": "team"})
    result = build_graph([component, lib])
    assert ("component:default/web", "ownedBy", "component:default/lib") in rows(result.graph)
    assert ("component:default/lib", "ownerOf", "component:default/web") in rows(result.graph)
    assert ("domain:default/sales", "hasPart", "component:default/web") in rows(result.graph)
    # an owner of an unusual kind that exists is fine; the missing domain is dangling
    assert sorted(codes(result)) == ["dangling-relation", "owner-not-found"]
    assert {p.entity for p in result.problems} == {
        "component:default/web", "component:default/lib",
    }


# --- warnings ----------------------------------------------------------------------------


def test_missing_owner_is_reported_once_with_its_own_code():
    entity = make(
        "Component", "web", {"owner": "team-x"},
        file="svc/catalog-info.yaml", lines={("spec", "owner"): 9}, start=2,
    )
    [problem] = build_graph([entity]).problems
    assert problem.severity is Severity.WARNING
    assert problem.code == "owner-not-found"
    assert (problem.file, problem.line, problem.entity) == (
        "svc/catalog-info.yaml", 9, "component:default/web",
    )
    assert 'spec.owner "team-x"' in problem.message
    assert "group:default/team-x" in problem.message
    assert problem.hint == "create group:default/team-x or fix the spelling in spec.owner"
    assert problem.backstage.startswith("accepted")


def test_dangling_target_points_at_the_declaring_item():
    api = make("API", "pay", {"owner": "team"})
    team = make("Group", "team", {"children": []})
    entity = make(
        "Component", "web", {"owner": "team", "providesApis": ["pay", "search"]},
        lines={("spec", "providesApis", 0): 11, ("spec", "providesApis", 1): 12},
    )
    [problem] = build_graph([entity, api, team]).problems
    assert problem.code == "dangling-relation"
    assert problem.line == 12
    assert 'spec.providesApis[1] "search"' in problem.message
    assert "api:default/search" in problem.message
    assert "api:default/search" in problem.hint and "spec.providesApis[1]" in problem.hint


def test_dangling_line_falls_back_to_the_field_then_the_document():
    entity = make(
        "Group", "eng", {"members": ["ghost"], "children": ["lost"]},
        lines={("spec", "members"): 7}, start=3,
    )
    lines = {p.message.split()[1]: p.line for p in build_graph([entity]).problems}
    assert lines == {"spec.members[0]": 7, "spec.children[0]": 3}


def test_dependency_cycle_is_one_problem_listing_refs_in_order():
    # a dependsOn b, b dependsOn c, and a declares itself a dependency of c: a → b → c → a
    a = make("Component", "a", {"owner": "t", "dependsOn": ["component:b"],
                                "dependencyOf": ["resource:c"]},
             file="a.yaml", lines={("spec", "dependsOn", 0): 6})
    b = make("Component", "b", {"owner": "t", "dependsOn": ["resource:c"]}, file="b.yaml")
    c = make("Resource", "c", {"owner": "t"}, file="c.yaml")
    team = make("Group", "t", {"children": []})
    [problem] = build_graph([a, b, c, team]).problems
    assert problem.code == "dependency-cycle"
    assert problem.severity is Severity.WARNING
    assert (problem.file, problem.line, problem.entity) == ("a.yaml", 6, "component:default/a")
    assert ("component:default/a → component:default/b → resource:default/c → "
            "component:default/a") in problem.message
    assert "component:default/a spec.dependsOn[0]" in problem.message
    assert "component:default/b spec.dependsOn[0]" in problem.message
    assert "component:default/a spec.dependencyOf[0]" in problem.message
    assert "dependsOn/dependencyOf" in problem.hint


def test_self_dependency_is_a_cycle():
    a = make("Component", "a", {"owner": "t", "dependsOn": ["component:a"]})
    team = make("Group", "t", {"children": []})
    assert codes(build_graph([a, team])) == ["dependency-cycle"]


def test_each_strongly_connected_component_is_reported_once():
    # a <-> b and b <-> c: one component, several cycles, one problem
    spec = lambda *deps: {"owner": "t", "dependsOn": [f"component:{d}" for d in deps]}
    entities = [
        make("Component", "a", spec("b")),
        make("Component", "b", spec("a", "c")),
        make("Component", "c", spec("b")),
        make("Component", "x", spec("y")),
        make("Component", "y", spec("x")),
        make("Component", "z", spec("a")),
        make("Group", "t", {"children": []}),
    ]
    problems = build_graph(entities).problems
    assert codes(build_graph(entities)) == ["dependency-cycle", "dependency-cycle"]
    messages = sorted(p.message for p in problems)
    assert "component:default/a → component:default/b → component:default/a" in messages[0]
    assert "component:default/x → component:default/y → component:default/x" in messages[1]


def test_group_parent_cycle():
    # a's parent is b, b's is c (declared from either side), and a lists c as its child
    a = make("Group", "a", {"parent": "b", "children": ["c"]}, lines={("spec", "parent"): 5})
    b = make("Group", "b", {"children": [], "parent": "c"})
    c = make("Group", "c", {"children": ["b"]})
    d = make("Group", "d", {"parent": "d", "children": []})
    problems = build_graph([a, b, c, d]).problems
    assert [p.code for p in problems] == ["group-cycle", "group-cycle"]
    first = min(problems, key=lambda p: p.entity)
    assert first.entity == "group:default/a" and first.line == 5
    assert ("group:default/a → group:default/b → group:default/c → group:default/a"
            in first.message)
    assert "group:default/a spec.children[0]" in first.message
    assert any("group:default/d → group:default/d" in p.message for p in problems)


def test_shortest_cycle_prefers_short_then_small():
    import networkx as nx

    graph = nx.DiGraph([("a", "z"), ("z", "a"), ("a", "b"), ("b", "c"), ("c", "a")])
    assert shortest_cycle(graph, "a", set(graph)) == ["a", "z"]


def test_dotted():
    assert dotted(("spec", "dependsOn", 1)) == "spec.dependsOn[1]"
    assert dotted(("spec", "owner")) == "spec.owner"
    assert dotted(()) == ""


# --- determinism and speed -------------------------------------------------------------


def _messy_catalog() -> list[Entity]:
    deps = lambda *names: [f"component:{n}" for n in names]
    return [
        make("Component", "a", {"owner": "ghost-team", "dependsOn": deps("b", "zz")}, file="a.yaml"),
        make("Component", "b", {"owner": "t", "dependsOn": deps("a"), "system": "s"}, file="b.yaml"),
        make("Group", "t", {"children": ["u"], "members": ["nobody"]}, file="t.yaml"),
        make("Group", "u", {"parent": "t", "children": ["t"]}, file="t.yaml", start=9),
        make("User", "jdoe", {"memberOf": ["t", "missing"]}, file="jdoe.yaml"),
    ]


def test_output_does_not_depend_on_input_order():
    entities = _messy_catalog()
    first = build_graph(entities)
    for seed in range(5):
        shuffled = entities[:]
        random.Random(seed).shuffle(shuffled)
        again = build_graph(shuffled)
        assert again.problems == first.problems
        assert list(again.graph.nodes(data=True)) == list(first.graph.nodes(data=True))
        assert list(again.graph.edges(keys=True)) == list(first.graph.edges(keys=True))
    assert first.problems == sorted(first.problems, key=lambda p: p.sort_key())
    assert sorted(codes(first)) == [
        "dangling-relation", "dangling-relation", "dangling-relation", "dangling-relation",
        "dependency-cycle", "group-cycle", "owner-not-found",
    ]


def test_ten_thousand_entities_one_ring_is_one_cycle():
    """At catalog scale a ring through every entity is one warning, not an explosion of
    cycles (speed is measured in bench/, not here)."""
    entities = []
    for i in range(10_000):
        spec = {
            "owner": f"team-{i % 50}",
            "system": f"system-{i % 100}",
            "providesApis": [f"api-{i}"],
            "consumesApis": [f"api-{(i * 7) % 10_000}"],
            "dependsOn": [f"component:c{(i + 1) % 10_000}"],
        }
        entities.append(make("Component", f"c{i}", spec))
    result = build_graph(entities)
    assert result.graph.number_of_edges() == 100_000
    assert codes(result).count("dependency-cycle") == 1  # one ring through all 10,000


# --- against Backstage's own relations (the oracle) -----------------------------------------


def _oracle(case: str) -> tuple[list[Entity], dict[str, set[tuple[str, str, str]]]]:
    """The case's documents Backstage accepted, as entities, and its relation rows per ref."""
    expected = {}
    for line in (CASES / "expected.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["file"] == f"cases/{case}" and record["valid"]:
            expected[record["ref"]] = {
                (r["source"], r["type"], r["target"]) for r in record["relations"]
            }
    entities = []
    for data in yaml.safe_load_all((CASES / case).read_text()):
        entity = make(data["kind"], data["metadata"]["name"], data.get("spec"))
        if str(entity.ref) in expected:
            entities.append(entity)
    return entities, expected


@pytest.mark.conformance
@pytest.mark.skipif(not CASES.is_dir(), reason="needs ../shared/oracle")
@pytest.mark.parametrize("case", ["01-valid-component.yaml", "17-group-user.yaml"])
def test_rows_match_backstage(case):
    entities, expected = _oracle(case)
    assert entities, "the case should have valid entities"
    graph = build_graph(entities).graph
    all_rows = set().union(*expected.values())
    assert rows(graph) == all_rows
    catalog = Catalog.create(entities, graph, [], [])
    for ref in {source for source, _, _ in all_rows}:
        public = [(str(r.source), r.type, str(r.target)) for r in catalog.relations_of(ref)]
        assert set(public) == {row for row in all_rows if row[0] == ref}
        assert len(public) == len(set(public))
        assert public == sorted(public, key=lambda row: (row[1], row[2]))


def test_edges_equal_those_networkx_add_edge_builds():
    """build_graph fills networkx's adjacency directly for speed; it must be the same graph."""
    result = build_graph(_messy_catalog())
    expected = type(result.graph)()
    expected.add_nodes_from(result.graph.nodes(data=True))
    for source, target, kind in sorted(result.graph.edges(keys=True)):
        expected.add_edge(source, target, kind)
    import networkx as nx

    assert nx.utils.graphs_equal(result.graph, expected)
    assert sorted(result.graph.in_edges("group:default/t", keys=True)) == sorted(
        expected.in_edges("group:default/t", keys=True)
    )
    assert result.graph.number_of_edges() == expected.number_of_edges()
    assert nx.utils.graphs_equal(result.graph.reverse(), expected.reverse())
