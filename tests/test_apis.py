"""API definition views: the example's real definitions, small fixtures for each format
and for what goes wrong ($ref cycles, broken YAML, hostile descriptions), and the
partials rendered over site_templates/."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pytest

from generator import sources
from generator.read import read_catalog
from generator.render import apis
from generator.render.apidoc import Anchors, Resolver, parse_definition, render_markdown

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "example" / "apis" / "definitions"


@pytest.fixture(scope="module")
def example_views() -> dict[str, apis.ApiView]:
    found = sources.trees_for_paths([ROOT / "example"])
    catalog = read_catalog(found.trees)
    views = {ref: apis.describe(entity) for ref, entity in catalog.entities.items()}
    return {ref: view for ref, view in views.items() if view is not None}


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "site_templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render(env: jinja2.Environment, view: apis.ApiView) -> str:
    return env.get_template("partials/api.html").render(
        api=view, root="../../../", definition_url="entity/default/api/x.yaml", has_download=True
    )


def operations(view: apis.ApiView) -> dict[str, apis.openapi.Operation]:
    return {op.operation_id or f"{op.method} {op.path}": op
            for group in view.openapi.groups for op in group.operations}


# --- the example catalog ---------------------------------------------------------------


def test_non_api_entities_have_no_view(example_views):
    assert all(ref.startswith("api:") for ref in example_views)
    assert len(example_views) == 5


def test_checkout_openapi_operations_parameters_and_schemas(example_views):
    view = example_views["api:default/checkout-api"]
    assert view.format == "openapi" and view.notes == ()
    assert view.openapi.title == "Checkout API" and view.openapi.spec_version == "3.1.0"
    ops = operations(view)
    assert {"createCart", "getCart", "addCartLine", "placeOrder", "getOrder"} <= set(ops)
    get_cart = ops["getCart"]
    assert (get_cart.method, get_cart.path) == ("GET", "/carts/{cartId}")
    # the path-level `$ref: '#/components/parameters/CartId'` is resolved
    assert [(p.name, p.location, p.required) for p in get_cart.parameters] == [("cartId", "path", True)]
    cart = get_cart.responses[0].bodies[0].schema
    assert cart.type == "Cart" and cart.ref == "Cart"
    lines = next(child for child in cart.children if child.name == "lines")
    assert lines.required and lines.type == "array of CartLine"
    # the `404` response is a `$ref` to components/responses
    assert [r.status for r in get_cart.responses] == ["200", "404"]
    add = ops["addCartLine"]
    body = add.request[0]
    assert add.request_required and body.media_type == "application/json"
    quantity = next(child for child in body.schema.children if child.name == "quantity")
    assert quantity.required and "≥ 1" in quantity.constraints and "≤ 20" in quantity.constraints
    place = ops["placeOrder"]
    assert any(p.name == "Idempotency-Key" and p.location == "header" for p in place.parameters)


def test_anchors_are_unique_on_a_page(example_views):
    for view in example_views.values():
        html_ids = []
        if view.openapi:
            html_ids = [g.anchor for g in view.openapi.groups] + [
                op.anchor for g in view.openapi.groups for op in g.operations]
        if view.asyncapi:
            html_ids = [c.anchor for c in view.asyncapi.channels] + [
                o.anchor for c in view.asyncapi.channels for o in c.operations] + [
                m.anchor for c in view.asyncapi.channels for o in c.operations for m in o.messages]
        assert len(html_ids) == len(set(html_ids))


def test_order_events_asyncapi_channels_and_messages(example_views):
    view = example_views["api:default/order-events"]
    assert view.format == "asyncapi"
    channels = {channel.name: channel for channel in view.asyncapi.channels}
    assert set(channels) == {"orders.placed", "orders.shipped", "orders.cancelled"}
    operation = channels["orders.placed"].operations[0]
    assert (operation.action, operation.operation_id) == ("subscribe", "onOrderPlaced")
    message = operation.messages[0]
    assert message.name == "OrderPlaced"
    payload = {child.name: child for child in message.payload.children}
    assert payload["orderId"].type == "string (uuid)" and payload["orderId"].required
    assert payload["lines"].children[0].name == "[items]"
    assert message.headers is not None and message.headers.ref == "EventHeaders"
    assert view.asyncapi.servers[0].url.startswith("production: kafka.internal.example.com:9092")


def test_grpc_is_highlighted_with_services_and_rpcs(example_views):
    view = example_views["api:default/payments-grpc"]
    assert view.format == "source" and view.source.language == "protobuf"
    symbols = {(s.kind, s.name) for s in view.source.symbols}
    assert {("service", "Payments"), ("rpc", "Authorize"), ("message", "Money"), ("enum", "Status")} <= symbols
    authorize = next(s for s in view.source.symbols if s.name == "Authorize")
    assert authorize.parent == "Payments"
    assert authorize.detail == "(AuthorizeRequest) returns (Payment)"
    raw_lines = (DEFINITIONS / "payments.proto").read_text().splitlines()
    assert "rpc Authorize" in raw_lines[authorize.line - 1]
    html = str(view.source.highlighted)
    assert 'class="highlight"' in html and f'id="src-{authorize.line}"' in html
    assert '<span class="k' in html  # keywords carry pygments' classes, no inline styles
    assert "style=" not in html


def test_graphql_types_are_listed_in_source_order(example_views):
    view = example_views["api:default/storefront-graphql"]
    assert view.source.language == "graphql"
    names = [s.name for s in view.source.symbols]
    assert names[:3] == ["DateTime", "Money", "Category"]
    assert "Query" in names
    assert "Mutation" in names or len(names) > 5


def test_download_names_follow_the_type(example_views):
    assert example_views["api:default/payments-grpc"].download_name == "payments-grpc.definition.proto"
    assert example_views["api:default/order-events"].download_name == "order-events.definition.yaml"
    assert example_views["api:default/storefront-graphql"].download_name.endswith(".graphql")


# --- fixtures of our own ---------------------------------------------------------------

SWAGGER = """
swagger: "2.0"
info: {title: Pets, version: "1"}
host: pets.example.com
basePath: /v1
schemes: [https]
paths:
  /pets:
    post:
      tags: [pets]
      operationId: addPet
      consumes: [application/json]
      parameters:
        - in: body
          name: pet
          required: true
          schema: {$ref: '#/definitions/Pet'}
        - {in: query, name: dryRun, type: boolean}
      responses:
        "200":
          description: Created
          schema: {$ref: '#/definitions/Pet'}
definitions:
  Pet:
    type: object
    required: [name]
    properties:
      name: {type: string, example: Rex}
      kind: {type: string, enum: [dog, cat]}
"""


def test_swagger_2_body_parameter_becomes_the_request_body():
    view = apis.read_definition("openapi", SWAGGER, "pets.definition.yaml")
    assert view.openapi.format == "swagger"
    assert view.openapi.servers[0].url == "https://pets.example.com/v1"
    op = operations(view)["addPet"]
    assert [p.name for p in op.parameters] == ["dryRun"]
    assert op.parameters[0].type == "boolean"
    assert op.request_required and op.request[0].schema.ref == "Pet"
    name, kind = op.request[0].schema.children
    assert (name.name, name.required, name.example) == ("name", True, "Rex")
    assert kind.enum == ("dog", "cat")
    assert op.responses[0].bodies[0].schema.type == "Pet"
    assert [s.name for s in view.openapi.schemas] == ["Pet"]


OPENAPI_31 = {
    "openapi": "3.1.0",
    "info": {"title": "Tree", "version": "2"},
    "tags": [{"name": "nodes", "description": "Nodes of **the** tree"}],
    "paths": {
        "/nodes/{id}": {
            "parameters": [{"name": "id", "in": "path", "schema": {"type": ["string", "null"]}}],
            "get": {
                "tags": ["nodes", "extra"],
                "operationId": "getNode",
                "responses": {"200": {"description": "ok", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}},
            },
        }
    },
    "components": {"schemas": {
        "Node": {"type": "object", "properties": {
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            "parent": {"$ref": "#/components/schemas/Node"},
            "data": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"x": {"type": "integer"}}}]},
            "either": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/Missing"}]},
        }},
        "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
    }},
}


def test_openapi_31_json_with_cycles_allof_oneof_and_two_tags():
    view = apis.read_definition("openapi", json.dumps(OPENAPI_31), "t.definition.yaml")
    assert view.format == "openapi"
    groups = view.openapi.groups
    assert [g.name for g in groups] == ["nodes", "extra"]
    assert "<strong>the</strong>" in str(groups[0].description)
    first, second = groups[0].operations[0], groups[1].operations[0]
    assert first.operation_id == second.operation_id and first.anchor != second.anchor
    assert first.parameters[0].type == "string | null" and first.parameters[0].required
    node = first.responses[0].bodies[0].schema
    children = {child.name: child for child in node.children}
    assert "recursive" in children["parent"].note and children["parent"].children == ()
    assert "recursive" in children["children"].children[0].note
    data = {child.name: child for child in children["data"].children}
    assert set(data) == {"id", "x"} and data["id"].required
    options = children["either"].children
    assert [o.name for o in options] == ["[one of: option 1]", "[one of: option 2]"]
    assert "unresolved reference" in options[1].note


def test_a_self_referencing_ref_chain_does_not_loop():
    document = {"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}}
    resolver = Resolver(document)
    assert resolver.follow({"$ref": "#/a"}) in ({"$ref": "#/a"}, {"$ref": "#/b"})
    node = resolver.schema({"$ref": "#/a"})
    assert node is not None and node.children == ()


def test_exploding_refs_stop_at_the_node_budget():
    # every level refers to the next twice: 2**30 nodes if expanded naively
    schemas = {f"L{i}": {"type": "object", "properties": {
        "left": {"$ref": f"#/components/schemas/L{i + 1}"},
        "right": {"$ref": f"#/components/schemas/L{i + 1}"}}} for i in range(30)}
    document = {"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {"/": {"get": {
        "responses": {"200": {"description": "d", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/L0"}}}}}}}},
        "components": {"schemas": schemas}}
    view = apis.read_definition("openapi", json.dumps(document), "x.yaml")
    assert view.format == "openapi"
    assert any("too large" in note for note in view.notes)


ASYNCAPI_3 = """
asyncapi: 3.0.0
info: {title: Lights, version: 1.0.0}
servers:
  mosquitto: {host: test.mosquitto.org, protocol: mqtt}
channels:
  lightingMeasured:
    address: smartylighting/{streetlightId}/measured
    parameters:
      streetlightId: {description: The ID of the streetlight.}
    messages:
      lightMeasured: {$ref: '#/components/messages/lightMeasured'}
      unused: {name: Unused, payload: {type: string}}
operations:
  onLightMeasured:
    action: receive
    channel: {$ref: '#/channels/lightingMeasured'}
    messages:
      - $ref: '#/channels/lightingMeasured/messages/lightMeasured'
  sendLight:
    action: send
    channel: {$ref: '#/channels/lightingMeasured'}
    messages:
      - $ref: '#/channels/lightingMeasured/messages/lightMeasured'
components:
  messages:
    lightMeasured:
      name: LightMeasured
      contentType: application/json
      payload:
        type: object
        properties:
          lumens: {type: integer, minimum: 0}
"""


def test_asyncapi_3_operations_are_found_under_their_channel():
    view = apis.read_definition("asyncapi", ASYNCAPI_3, "l.yaml")
    assert view.format == "asyncapi" and view.asyncapi.spec_version == "3.0.0"
    (channel,) = view.asyncapi.channels
    assert channel.address == "smartylighting/{streetlightId}/measured"
    assert [p.name for p in channel.parameters] == ["streetlightId"]
    assert [(o.action, o.operation_id) for o in channel.operations] == [
        ("receive", "onLightMeasured"), ("send", "sendLight")]
    message = channel.operations[0].messages[0]
    assert message.name == "LightMeasured" and message.content_type == "application/json"
    assert message.payload.children[0].name == "lumens"
    assert "≥ 0" in message.payload.children[0].constraints
    assert [m.name for m in channel.messages] == ["Unused"]
    anchors = [m.anchor for o in channel.operations for m in o.messages]
    assert len(set(anchors)) == 2
    assert view.asyncapi.servers[0].url == "mosquitto: test.mosquitto.org (mqtt)"


@pytest.mark.parametrize("raw, note", [
    ("openapi: 3.0.0\npaths: [unclosed\n", "not valid YAML"),
    ("just: [a, mapping\n", "not valid YAML"),
    ("title: nothing declared\n", "does not declare"),
    ("", "no definition"),
])
def test_broken_definitions_keep_the_raw_text_and_say_why(raw, note):
    view = apis.read_definition("openapi", raw, "b.definition.yaml")
    assert view.raw == raw
    assert any(note in text for text in view.notes), view.notes
    assert view.format in ("source", "empty")


def test_openapi_typed_as_graphql_is_still_read_as_openapi():
    view = apis.read_definition("graphql", SWAGGER.lstrip(), "p.definition.graphql")
    assert view.format == "openapi"


def test_unknown_types_are_shown_as_text():
    view = apis.read_definition("wsdl", "<definitions/>", "w.definition.txt")
    assert view.format == "source" and view.source.language == "text"
    assert "&lt;definitions/&gt;" in str(view.source.highlighted)


def test_parse_definition_prefers_json_and_reads_yaml_12():
    assert parse_definition('{"a": 1}') == ({"a": 1}, None)
    data, error = parse_definition("on: yes\nversion: 1.10\n")
    assert error is None and data == {"on": "yes", "version": 1.1}


def test_markdown_is_rendered_with_html_escaped_and_unsafe_links_dropped():
    html = str(render_markdown("Use `a<b` **now** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://e.com)"))
    assert "<strong>now</strong>" in html and "<code>a&lt;b</code>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and '<a href="https://e.com">ok</a>' in html
    assert str(render_markdown(["not", "text"])) == ""


def test_anchors_hand_out_unique_ids():
    anchors = Anchors()
    assert [anchors("op", "Get Cart"), anchors("op", "get-cart"), anchors("op", "")] == [
        "op-get-cart", "op-get-cart-2", "op-x"]


# --- the partials ----------------------------------------------------------------------


def test_partial_renders_every_example_view(env, example_views):
    for ref, view in example_views.items():
        html = render(env, view)
        assert 'href="../../../assets/api.css"' in html
        if view.format == "openapi":
            op = next(iter(operations(view).values()))
            assert f'id="{op.anchor}"' in html and f'href="#{op.anchor}"' in html
            assert "Download " + view.download_name in html
            assert 'href="../../../entity/default/api/x.yaml"' in html
        if view.format == "source":
            assert 'href="../../../assets/highlight.css"' in html
            assert 'class="highlight"' in html


def test_partial_escapes_hostile_text(env):
    hostile = {
        "openapi": "3.0.0",
        "info": {"title": "<script>alert('title')</script>", "version": "1",
                 "description": "<img src=x onerror=alert(1)> *fine*"},
        "paths": {"/x/<script>": {"get": {
            "operationId": "<b>op</b>",
            "summary": "<script>alert('summary')</script>",
            "parameters": [{"name": "<i>p</i>", "in": "query", "description": "<script>p</script>"}],
            "responses": {"200": {"description": "<script>r</script>"}}}}},
    }
    html = render(env, apis.read_definition("openapi", json.dumps(hostile), "h.yaml"))
    assert "<script>" not in html and "<img" not in html and "<b>op</b>" not in html
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html
    assert "<em>fine</em>" in html


def test_partial_shows_notes_and_raw_text_of_broken_definitions(env):
    view = apis.read_definition("openapi", "openapi: [\n<script>", "b.yaml")
    html = render(env, view)
    assert 'class="api-note"' in html and "not valid YAML" in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_partial_renders_nothing_without_a_view(env):
    assert env.get_template("partials/api.html").render(api=None, root="").strip() == ""


def test_a_definition_that_is_only_a_url_is_linked_not_fetched(env):
    url = "https://github.com/acme/svc/blob/main/openapi.json"
    view = apis.read_definition("openapi", url + "\n", "s.definition.yaml")
    assert view.format == "link" and view.notes == ()
    assert f'<a href="{url}" rel="noopener">' in render(env, view)
    hostile = apis.read_definition("openapi", "javascript:alert(1)", "s.definition.yaml")
    assert hostile.format == "source"


def test_openapi_31_webhooks_are_listed_as_their_own_group():
    document = {"openapi": "3.1.0", "info": {"title": "w", "version": "1"},
                "webhooks": {"newPet": {"post": {"operationId": "onNewPet", "responses": {
                    "200": {"description": "ok"}}}}}}
    view = apis.read_definition("openapi", json.dumps(document), "w.yaml")
    (group,) = view.openapi.groups
    assert group.name == "Webhooks"
    assert (group.operations[0].method, group.operations[0].path) == ("POST", "newPet")
    assert view.notes == ()


def test_a_deferred_view_reads_its_definition_only_when_a_page_is_rendered(example_views, env):
    """Entity pages get deferred views, so that a warm build's reused pages never parse or
    highlight their definitions; rendered, a deferred view is the view, byte for byte."""
    assert len(example_views) >= 5
    for view in example_views.values():
        deferred = apis.DeferredApiView(view.type, view.raw, view.download_name)
        assert (deferred.raw, deferred.download_name) == (view.raw, view.download_name)
        assert "view" not in vars(deferred)  # nothing read yet
        assert render(env, deferred) == render(env, view)
        assert deferred.view == view
    with pytest.raises(AttributeError):
        apis.DeferredApiView("openapi", "", "x.yaml").no_such_field
