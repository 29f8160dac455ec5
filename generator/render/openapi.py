"""OpenAPI 3.x and Swagger 2.0 definitions as a reader sees them: operations grouped by
tag, each with its parameters, request body and responses, schemas as trees.

Swagger 2 is mapped onto the OpenAPI 3 shape (a `body` parameter becomes the request
body, `definitions` the components) so one template shows both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from markupsafe import Markup

from generator.render.apidoc import (
    Anchors,
    Resolver,
    SchemaNode,
    as_dict,
    as_list,
    render_markdown,
    text,
)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Server:
    url: str
    description: Markup = Markup("")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    type: str
    description: Markup = Markup("")
    deprecated: bool = False
    schema: SchemaNode | None = None


@dataclass(frozen=True)
class Body:
    """One media type of a request or response body."""

    media_type: str
    schema: SchemaNode | None


@dataclass(frozen=True)
class Response:
    status: str
    description: Markup
    bodies: tuple[Body, ...] = ()


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    anchor: str
    operation_id: str = ""
    summary: str = ""
    description: Markup = Markup("")
    deprecated: bool = False
    parameters: tuple[Parameter, ...] = ()
    request: tuple[Body, ...] = ()
    request_required: bool = False
    request_description: Markup = Markup("")
    responses: tuple[Response, ...] = ()


@dataclass(frozen=True)
class OperationGroup:
    """The operations under one tag (or, untagged, under one first path segment)."""

    name: str
    anchor: str
    description: Markup
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class OpenApiView:
    format: str  # "openapi" or "swagger"
    spec_version: str
    title: str
    version: str
    description: Markup
    servers: tuple[Server, ...]
    groups: tuple[OperationGroup, ...]
    schemas: tuple[SchemaNode, ...]
    notes: tuple[str, ...]


def read(document: dict[str, Any], anchors: Anchors) -> OpenApiView:
    """The view of a parsed OpenAPI 3 or Swagger 2 document."""
    swagger = "swagger" in document
    resolver = Resolver(document)
    info = as_dict(document.get("info"))
    operations = [
        (tags, operation)
        for path, item in as_dict(document.get("paths")).items()
        for tags, operation in _path_operations(str(path), resolver.follow(item), resolver, swagger, document, anchors)
    ]
    # OpenAPI 3.1 webhooks: requests the API sends, keyed by name instead of path.
    operations += [
        (("Webhooks",), operation)
        for name, item in as_dict(document.get("webhooks")).items()
        for _, operation in _path_operations(str(name), resolver.follow(item), resolver, swagger, document, anchors)
    ]
    component_schemas = as_dict(document.get("definitions")) if swagger else as_dict(as_dict(document.get("components")).get("schemas"))
    schemas = tuple(
        node for name, schema in component_schemas.items()
        if (node := resolver.schema(schema, str(name))) is not None
    )
    notes = list(resolver.notes)
    if resolver.budget <= 0:
        notes.append("Some schemas were too large to show in full; the download has everything.")
    if not operations:
        notes.append("The definition lists no operations.")
    return OpenApiView(
        format="swagger" if swagger else "openapi",
        spec_version=text(document.get("swagger") or document.get("openapi")),
        title=text(info.get("title")),
        version=text(info.get("version")),
        description=render_markdown(info.get("description")),
        servers=_servers(document, swagger),
        groups=_groups(operations, document, anchors),
        schemas=schemas,
        notes=tuple(notes),
    )


def _servers(document: dict[str, Any], swagger: bool) -> tuple[Server, ...]:
    if swagger:
        host = text(document.get("host"))
        if not host:
            return ()
        base = text(document.get("basePath"))
        schemes = [text(s) for s in as_list(document.get("schemes")) if text(s)] or ["https"]
        return tuple(Server(f"{scheme}://{host}{base}") for scheme in schemes)
    return tuple(
        Server(text(server.get("url")), render_markdown(server.get("description")))
        for server in map(as_dict, as_list(document.get("servers")))
        if text(server.get("url"))
    )


def _path_operations(path, item, resolver, swagger, document, anchors):
    """(tags, Operation) for each method of one path item."""
    item = as_dict(item)
    shared = as_list(item.get("parameters"))
    for method in METHODS:
        operation = item.get(method)
        if not isinstance(operation, dict):
            continue
        yield _tags(operation, path), _operation(method, path, operation, shared, resolver, swagger, document, anchors)


def _tags(operation: dict[str, Any], path: str) -> tuple[str, ...]:
    tags = tuple(text(tag) for tag in as_list(operation.get("tags")) if text(tag))
    if tags:
        return tags
    first = next((part for part in path.split("/") if part), "")
    return (f"/{first}" if first else "/",)


def _operation(method, path, operation, shared, resolver, swagger, document, anchors) -> Operation:
    parameters = _parameters([*shared, *as_list(operation.get("parameters"))], resolver)
    if swagger:
        request, required, description = _swagger_request(parameters, operation, document, resolver)
        parameters = [p for p in parameters if p[0].location != "body"]
    else:
        request, required, description = _request(operation.get("requestBody"), resolver)
    name = text(operation.get("operationId")) or f"{method} {path}"
    return Operation(
        method=method.upper(),
        path=path,
        anchor=anchors("op", name),
        operation_id=text(operation.get("operationId")),
        summary=text(operation.get("summary")),
        description=render_markdown(operation.get("description")),
        deprecated=operation.get("deprecated") is True,
        parameters=tuple(parameter for parameter, _ in parameters),
        request=request,
        request_required=required,
        request_description=description,
        responses=_responses(operation.get("responses"), resolver, swagger, document, operation),
    )


def _parameters(raw: list[Any], resolver: Resolver) -> list[tuple[Parameter, dict[str, Any]]]:
    """Path-level then operation-level parameters; a later one with the same name and
    location replaces the earlier, as the specification says."""
    found: dict[tuple[str, str], tuple[Parameter, dict[str, Any]]] = {}
    for value in raw:
        value = as_dict(resolver.follow(value))
        name, location = text(value.get("name")), text(value.get("in"))
        if not name:
            continue
        schema_value = value.get("schema") if "schema" in value else {k: v for k, v in value.items() if k in ("type", "format", "items", "enum", "default", "minimum", "maximum", "pattern")}
        schema = resolver.schema(schema_value, name) if schema_value else None
        parameter = Parameter(
            name=name,
            location=location,
            required=value.get("required") is True or location == "path",
            type=schema.type if schema else "any",
            description=render_markdown(value.get("description")),
            deprecated=value.get("deprecated") is True,
            schema=schema if schema and (schema.children or schema.enum or schema.constraints or schema.example) else None,
        )
        found[(location, name)] = (parameter, value)
    return list(found.values())


def _request(value: Any, resolver: Resolver) -> tuple[tuple[Body, ...], bool, Markup]:
    body = as_dict(resolver.follow(value))
    return _bodies(body.get("content"), resolver), body.get("required") is True, render_markdown(body.get("description"))


def _swagger_request(parameters, operation, document, resolver) -> tuple[tuple[Body, ...], bool, Markup]:
    """Swagger 2's `in: body` parameter (or form fields) as an OpenAPI 3 request body."""
    consumes = as_list(operation.get("consumes")) or as_list(document.get("consumes")) or ["application/json"]
    for parameter, value in parameters:
        if parameter.location == "body":
            schema = resolver.schema(value.get("schema"))
            bodies = tuple(Body(text(media), schema) for media in consumes)
            return bodies, parameter.required, parameter.description
    return (), False, Markup("")


def _bodies(content: Any, resolver: Resolver) -> tuple[Body, ...]:
    return tuple(
        Body(str(media), resolver.schema(as_dict(entry).get("schema")))
        for media, entry in as_dict(content).items()
    )


def _responses(value, resolver, swagger, document, operation) -> tuple[Response, ...]:
    produces = as_list(operation.get("produces")) or as_list(document.get("produces")) or ["application/json"]
    responses = []
    for status, response in sorted(as_dict(value).items(), key=lambda item: str(item[0])):
        response = as_dict(resolver.follow(response))
        if swagger:
            schema = resolver.schema(response.get("schema"))
            bodies = tuple(Body(text(media), schema) for media in produces) if schema else ()
        else:
            bodies = _bodies(response.get("content"), resolver)
        responses.append(Response(str(status), render_markdown(response.get("description")), bodies))
    return tuple(responses)


def _groups(operations, document, anchors: Anchors) -> tuple[OperationGroup, ...]:
    """Operations by tag, tags in the order the document declares them, then the rest
    alphabetically; an operation with two tags is listed under both."""
    declared = {text(tag.get("name")): tag for tag in map(as_dict, as_list(document.get("tags"))) if text(tag.get("name"))}
    by_tag: dict[str, list[Operation]] = {}
    for tags, operation in operations:
        for index, tag in enumerate(tags):
            # Listed again under another tag: same operation, its own id on the page.
            copy = operation if index == 0 else replace(operation, anchor=anchors("op", operation.anchor))
            by_tag.setdefault(tag, []).append(copy)
    order = [tag for tag in declared if tag in by_tag] + sorted(set(by_tag) - set(declared))
    return tuple(
        OperationGroup(tag, anchors("tag", tag), render_markdown(as_dict(declared.get(tag)).get("description")), tuple(by_tag[tag]))
        for tag in order
    )
