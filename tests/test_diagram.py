"""Relation diagrams: which nodes and arrows a page gets, that the layout is stable and
capped, and that the partial makes well-formed, accessible SVG."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

import jinja2
import pytest

from generator import sources
from generator.read import read_catalog
from generator.model.catalog import Catalog
from generator.render import diagram
from generator.render.diagram_layout import longest_path_layers

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    found = sources.trees_for_paths([ROOT / "example"])
    return read_catalog(found.trees)


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "site_templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render(env: jinja2.Environment, drawn: diagram.Diagram) -> str:
    return env.get_template("partials/diagram.html").render(diagram=drawn, root="../../../")


def svg_of(html: str) -> ET.Element:
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    return ET.fromstring(html[start:end])


def big_team_catalog(tmp_path: Path, members: int) -> Catalog:
    """One team owning `members` components, one of which depends on a missing one."""
    documents = ["apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: big}\n"
                 "spec: {type: team, children: []}\n"]
    for index in range(members):
        documents.append(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
            f"metadata: {{name: c{index:03d}}}\n"
            "spec: {type: service, lifecycle: production, owner: big"
            + (", dependsOn: ['component:ghost']" if index == 0 else "") + "}\n")
    (tmp_path / "catalog-info.yaml").write_text("---\n".join(documents))
    return read_catalog(sources.trees_for_paths([tmp_path]).trees)


def test_neighbourhood_draws_each_pair_once_in_its_forward_direction(catalog):
    drawn = diagram.draw(catalog, "component:default/checkout-service")
    edges = {(e.source, e.type, e.target) for e in drawn.edges}
    assert ("component:default/checkout-service", "ownedBy", "group:default/team-checkout") in edges
    assert ("component:default/checkout-service", "providesApi", "api:default/checkout-api") in edges
    assert not {e.type for e in drawn.edges} & {"ownerOf", "hasPart", "apiProvidedBy", "dependencyOf"}
    pairs = [frozenset((e.source, e.target)) for e in drawn.edges]
    assert len(pairs) == len(set(pairs))
    # depth 1: every arrow touches the page's entity
    assert all("component:default/checkout-service" in (e.source, e.target) for e in drawn.edges)


def test_node_titles_are_read_from_the_graph(catalog, env):
    drawn = diagram.draw(catalog, "component:default/checkout-service")
    titles = {node.ref: node.title for node in drawn.nodes}
    assert titles["group:default/team-checkout"] == catalog.graph.nodes[
        "group:default/team-checkout"]["title"]
    assert 'class="diagram-svg"' in render(env, drawn)


def test_current_node_sits_between_what_it_points_at_and_what_points_at_it(catalog):
    drawn = diagram.draw(catalog, "component:default/payment-gateway")
    nodes = drawn.by_ref
    me = nodes["component:default/payment-gateway"]
    assert me.current and sum(node.current for node in drawn.nodes) == 1
    assert nodes["group:default/team-checkout"].x > me.x  # ownedBy: to the right
    assert nodes["component:default/checkout-service"].x < me.x  # depends on it: to the left


def test_hrefs_point_at_entity_pages(catalog):
    drawn = diagram.draw(catalog, "group:default/team-checkout")
    for node in drawn.nodes:
        kind, rest = node.ref.split(":", 1)
        namespace, name = rest.split("/", 1)
        assert node.href == f"entity/{namespace}/{kind}/{name}.html"


def test_same_catalog_gives_byte_identical_svg(catalog, env):
    first = render(env, diagram.draw(catalog, "group:default/team-checkout", 2))
    again = read_catalog(sources.trees_for_paths([ROOT / "example"]).trees)
    second = render(env, diagram.draw(again, "group:default/team-checkout", 2))
    assert first == second
    assert diagram.draw(catalog, "system:default/checkout") == diagram.draw(again, "system:default/checkout")


def test_node_cap_counts_the_rest(tmp_path):
    big = big_team_catalog(tmp_path, 60)
    drawn = diagram.draw(big, "group:default/big", max_nodes=30)
    assert len(drawn.nodes) == 30 and drawn.hidden == 31  # the team and 29 of its 60 components
    assert drawn.by_ref["group:default/big"].current
    # forty arrows saying ownedBy carry the name once
    assert sum(edge.labelled for edge in drawn.edges if edge.type == "ownedBy") == 1


def test_the_cap_keeps_some_of_every_kind_and_side(catalog):
    drawn = diagram.draw(catalog, "group:default/team-checkout", max_nodes=6)
    kinds = {node.kind for node in drawn.nodes if not node.current}
    assert len(drawn.nodes) == 6 and len(kinds) == 5
    assert "group:default/engineering" in drawn.by_ref  # the parent, on the other side


def test_dangling_targets_are_drawn_without_a_link(tmp_path, env):
    big = big_team_catalog(tmp_path, 3)
    drawn = diagram.draw(big, "component:default/c000")
    ghost = drawn.by_ref["component:default/ghost"]
    assert not ghost.exists and ghost.href is None
    html = render(env, drawn)
    assert 'class="node kind-component missing"' in html
    assert "entity/default/component/ghost.html" not in html


def test_unknown_ref_gives_an_empty_diagram(catalog, env):
    drawn = diagram.draw(catalog, "component:default/nowhere")
    assert drawn.nodes == () and drawn.empty
    assert render(env, drawn).strip() == ""


def test_depth_zero_is_the_entity_alone(catalog):
    drawn = diagram.draw(catalog, "component:default/checkout-service", depth=0)
    assert [node.ref for node in drawn.nodes] == ["component:default/checkout-service"]
    assert drawn.empty


def test_depth_two_reaches_further_and_joins_rings(catalog):
    one = diagram.draw(catalog, "component:default/checkout-service", 1)
    two = diagram.draw(catalog, "component:default/checkout-service", 2)
    assert len(two.nodes) > len(one.nodes)
    assert ("group:default/team-checkout", "childOf", "group:default/engineering") in {
        (e.source, e.type, e.target) for e in two.edges}


def test_system_diagram_flows_from_consumers_to_providers(catalog):
    drawn = diagram.draw_system(catalog, "system:default/checkout")
    assert drawn.view == "system" and drawn.id == "diagram-system"
    nodes = drawn.by_ref
    assert {"component:default/checkout-service", "api:default/checkout-api",
            "resource:default/orders-db"} <= set(nodes)
    assert "system:default/checkout" not in nodes
    types = {e.type for e in drawn.edges}
    assert types <= {"providesApi", "consumesApi", "dependsOn"}
    # an outside consumer of the system's API is drawn, marked external, above the API
    bff = nodes["component:default/storefront-bff"]
    assert bff.external and bff.y < nodes["api:default/checkout-api"].y
    assert nodes["api:default/checkout-api"].y < nodes["component:default/checkout-service"].y
    assert nodes["component:default/checkout-service"].y < nodes["resource:default/orders-db"].y


def test_domain_diagram_draws_systems(catalog):
    drawn = diagram.draw_system(catalog, "domain:default/commerce")
    kinds = {node.kind for node in drawn.nodes}
    assert kinds <= {"system", "domain", "component", "api", "resource"}
    assert any(node.kind == "system" for node in drawn.nodes)


def test_longest_path_layers_survive_cycles():
    layers = longest_path_layers(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    assert layers["a"] == 0 and layers["b"] == 1 and layers["c"] == 2 and layers["d"] == 3


def test_svg_is_well_formed_and_accessible(catalog, env):
    for ref in ("component:default/checkout-service", "system:default/checkout"):
        drawn = diagram.draw_system(catalog, ref) if ref.startswith("system") else diagram.draw(catalog, ref)
        html = render(env, drawn)
        svg = svg_of(html)
        assert svg.get("role") == "group"  # "img" would hide the node links (axe: nested-interactive)
        title_id, desc_id = svg.get("aria-labelledby"), svg.get("aria-describedby")
        assert svg.find(f"{SVG}title").get("id") == title_id
        desc = svg.find(f"{SVG}desc")
        assert desc.get("id") == desc_id and "dependsOn" in desc.text
        marker = svg.find(f"{SVG}defs/{SVG}marker").get("id")
        paths = svg.findall(f"{SVG}g/{SVG}path")
        assert len(paths) == len(drawn.edges)
        assert all(p.get("marker-end") == f"url(#{marker})" for p in paths)
        links = svg.findall(f"{SVG}g/{SVG}a")
        assert links and all(a.get("href").startswith("../../../entity/") for a in links)
        # the text list carries the same relations as ordinary links
        assert html.count("<li>") == len(drawn.edges)


def test_titles_are_escaped(tmp_path, env):
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        "metadata: {name: evil, title: '<script>alert(1)</script> & co'}\n"
        "spec: {type: service, lifecycle: production, owner: group:nobody}\n")
    evil = read_catalog(sources.trees_for_paths([tmp_path]).trees)
    html = render(env, diagram.draw(evil, "component:default/evil"))
    assert "<script>" not in html
    svg_of(html)  # still well-formed XML


def test_timing_for_every_page_of_the_example(catalog, capsys):
    """Reported, not asserted: bench/ owns speed targets."""
    start = time.perf_counter()
    for ref in catalog.entities:
        diagram.draw(catalog, ref)
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n  diagrams for {len(catalog.entities)} entities: {elapsed * 1000:.1f} ms")


def test_a_system_without_parts_has_an_empty_diagram(tmp_path, env):
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: System\n"
        "metadata: {name: lonely}\nspec: {owner: group:nobody}\n")
    lonely = read_catalog(sources.trees_for_paths([tmp_path]).trees)
    drawn = diagram.draw_system(lonely, "system:default/lonely")
    assert drawn.nodes == () and drawn.view == "system"
    assert render(env, drawn).strip() == ""


def test_arrows_that_skip_layers_pass_no_box(catalog):
    drawn = diagram.draw_system(catalog, "system:default/checkout")
    long_edges = [edge for edge in drawn.edges if len(edge.points) == 6]
    assert long_edges, "the checkout system has dependencies two layers down"
    for edge in long_edges:
        for (x0, y0), (x1, y1) in zip(edge.points, edge.points[1:]):
            for node in drawn.nodes:
                if node.ref in (edge.source, edge.target):
                    continue
                inside_x = node.x < max(x0, x1) and min(x0, x1) < node.x + node.width
                inside_y = node.y < max(y0, y1) and min(y0, y1) < node.y + node.height
                assert not (inside_x and inside_y), (edge.source, edge.target, node.ref)


def test_every_node_and_arrow_is_drawn_with_its_own_values(tmp_path, env):
    """The per-node and per-edge markup (generator/render/diagram_svg.py) carries each
    Node's geometry, kind, flags and full title, and each Edge's path and label, escaped."""
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        "metadata: {name: evil, title: '<b>\"Evil\" & co</b> with a long title'}\n"
        "spec: {type: service, lifecycle: production, owner: group:nobody,"
        " dependsOn: ['component:ghost']}\n---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: nobody, title: 'A&B'}\n"
        "spec: {type: team, children: []}\n")
    evil = read_catalog(sources.trees_for_paths([tmp_path]).trees)
    drawn = diagram.draw(evil, "component:default/evil")
    html = render(env, drawn)
    svg = svg_of(html)
    boxes = svg.findall(f"{SVG}g[@class='diagram-nodes']//{SVG}g")
    assert len(boxes) == len(drawn.nodes) == 3
    for node, box in zip(drawn.nodes, boxes):
        classes = box.get("class").split()
        assert classes[:2] == ["node", f"kind-{node.kind}"]
        assert ("current" in classes) == node.current and ("missing" in classes) == (not node.exists)
        missing = "" if node.exists else ", not in the catalog"
        assert box.find(f"{SVG}title").text == f"{node.title} ({node.kind}{missing})"
        rect = box.find(f"{SVG}rect")
        assert [float(rect.get(a)) for a in ("x", "y", "width", "height")] == [
            node.x, node.y, node.width, node.height]
        kind, label = box.findall(f"{SVG}text")
        assert (kind.text, label.text) == (node.kind, node.label)
        assert float(label.get("x")) == node.x + 10 and float(label.get("y")) == node.y + 34
    links = svg.findall(f"{SVG}g[@class='diagram-nodes']/{SVG}a")
    assert [a.get("data-node") for a in links] == ["group:default/nobody"]
    assert links[0].get("href") == "../../../entity/default/group/nobody.html"
    paths = svg.findall(f"{SVG}g[@class='diagram-edges']/{SVG}path")
    assert [p.get("d") for p in paths] == [edge.path for edge in drawn.edges]
    assert [p.get("class") for p in paths] == [f"edge edge-{e.type.lower()}" for e in drawn.edges]
    labels = svg.findall(f"{SVG}g[@class='diagram-edge-labels']/{SVG}text")
    assert [(float(t.get("x")), float(t.get("y")), t.text) for t in labels] == [
        (e.label_x, e.label_y, e.type) for e in drawn.edges if e.labelled]
    desc = svg.find(f"{SVG}desc").text
    assert desc == ('<b>"Evil" & co</b> with a long title dependsOn ghost; '
                    '<b>"Evil" & co</b> with a long title ownedBy A&B')
    # the text list: the page's own entity as plain text, the missing one marked, one link
    items = html[html.index("<ul>"):html.index("</ul>")]
    assert items.count("<li>") == 2
    assert '<span class="current">&lt;b&gt;&#34;Evil&#34; &amp; co&lt;/b&gt;' in items
    assert '<span class="missing">ghost</span><span class="badge kind-component">' in items
    assert '<a href="../../../entity/default/group/nobody.html">A&amp;B</a>' in items


def test_a_neighbourhood_reads_its_arrows_from_the_entity_alone(catalog, tmp_path):
    """Depth 1 takes its rows from the entity's own adjacency; the general walk over every
    drawn ref finds the same ones, in every page of the example and in a capped team."""
    big = big_team_catalog(tmp_path, 60)
    cases = [(catalog, ref, diagram.MAX_NODES) for ref in sorted(catalog.entities)]
    cases += [(big, "group:default/big", 30), (big, "component:default/c000", 30)]
    for found, ref, cap in cases:
        graph = found.graph
        layers = diagram._rings(graph, ref, 1)
        drawn = {other: layers[other] for other in diagram._sample(graph, layers, cap)}
        walked = diagram._rows(graph, drawn, diagram._FORWARD,
                               lambda a, b, ref=ref: ref in (a, b))
        assert diagram._own_rows(graph, ref, drawn, diagram._FORWARD) == walked, ref


def test_the_widest_diagrams_write_their_coordinates_exactly(tmp_path, env):
    """Coordinates are written short (`760`, not `760.0`) and still exactly, up to the
    widest canvas the node cap allows: thirty parts of a system side by side."""
    documents = ["apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: wide}\n"
                 "spec: {owner: big}\n"]
    documents += [f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: p{i:02d}}}\n"
                  "spec: {type: service, lifecycle: production, owner: big, system: wide}\n"
                  for i in range(40)]
    (tmp_path / "catalog-info.yaml").write_text("---\n".join(documents))
    wide = read_catalog(sources.trees_for_paths([tmp_path]).trees)
    for drawn in (diagram.draw_system(wide, "system:default/wide"),
                  diagram.draw(wide, "system:default/wide")):
        html = render(env, drawn)
        svg = svg_of(html)
        assert (float(svg.get("width")), float(svg.get("height"))) == (drawn.width, drawn.height)
        rects = svg.findall(f"{SVG}g[@class='diagram-nodes']//{SVG}rect")
        assert [(float(r.get("x")), float(r.get("y"))) for r in rects] == [
            (node.x, node.y) for node in drawn.nodes]
        assert '.0"' not in html and len(drawn.nodes) == 30
    assert drawn.height > 1600 and diagram.draw_system(wide, "system:default/wide").width > 5700
