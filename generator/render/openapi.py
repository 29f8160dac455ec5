"""OpenAPI 3.x and Swagger 2.0 definitions as a reader sees them: operations grouped by
tag, each with its parameters, request body and responses, schemas as trees.

Swagger 2 is mapped onto the OpenAPI 3 shape (a `body` parameter becomes the request
body, `definitions` the components) so one template shows both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterator

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
    return _Reader(document, anchors).view()


#: Swagger 2 parameter keys that describe the value, as a schema does in OpenAPI 3.
_SWAGGER_SCHEMA_KEYS = ("type", "format", "items", "enum", "default", "minimum", "maximum",
                        "pattern")


class _Reader:
    """Reads one document; holds what every part needs (its `$ref` resolver, whether it
    is Swagger 2, the page's anchors) so the steps stay small."""

    def __init__(self, document: dict[str, Any], anchors: Anchors) -> None:
        self.document = document
        self.anchors = anchors
        self.swagger = "swagger" in document
        self.resolver = Resolver(document)

    def view(self) -> OpenApiView:
        document, resolver = self.document, self.resolver
        info = as_dict(document.get("info"))
        operations = [
            (tags, operation)
            for path, item in as_dict(document.get("paths")).items()
            for tags, operation in self._path_operations(str(path), item)
        ]
        # OpenAPI 3.1 webhooks: requests the API sends, keyed by name instead of path.
        operations += [
            (("Webhooks",), operation)
            for name, item in as_dict(document.get("webhooks")).items()
            for _, operation in self._path_operations(str(name), item)
        ]
        schemas = tuple(
            node for name, schema in self._component_schemas().items()
            if (node := resolver.schema(schema, str(name))) is not None
        )
        notes = list(resolver.notes)
        if resolver.budget <= 0:
            notes.append("Some schemas were too large to show in full; the download has everything.")
        if not operations:
            notes.append("The definition lists no operations.")
        return OpenApiView(
            format="swagger" if self.swagger else "openapi",
            spec_version=text(document.get("swagger") or document.get("openapi")),
            title=text(info.get("title")),
            version=text(info.get("version")),
            description=render_markdown(info.get("description")),
            servers=self._servers(),
            groups=self._groups(operations),
            schemas=schemas,
            notes=tuple(notes),
        )

    def _component_schemas(self) -> dict[str, Any]:
        if self.swagger:
            return as_dict(self.document.get("definitions"))
        return as_dict(as_dict(self.document.get("components")).get("schemas"))

    def _servers(self) -> tuple[Server, ...]:
        document = self.document
        if self.swagger:
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

    def _path_operations(self, path: str, item: Any) -> Iterator[tuple[tuple[str, ...], Operation]]:
        """(tags, Operation) for each method of one path item."""
        item = as_dict(self.resolver.follow(item))
        shared = as_list(item.get("parameters"))
        for method in METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield _tags(operation, path), self._operation(method, path, operation, shared)

    def _operation(
        self, method: str, path: str, operation: dict[str, Any], shared: list[Any]
    ) -> Operation:
        parameters = self._parameters([*shared, *as_list(operation.get("parameters"))])
        if self.swagger:
            request, required, description = self._swagger_request(parameters, operation)
            parameters = [p for p in parameters if p[0].location != "body"]
        else:
            request, required, description = self._request(operation.get("requestBody"))
        name = text(operation.get("operationId")) or f"{method} {path}"
        return Operation(
            method=method.upper(),
            path=path,
            anchor=self.anchors("op", name),
            operation_id=text(operation.get("operationId")),
            summary=text(operation.get("summary")),
            description=render_markdown(operation.get("description")),
            deprecated=operation.get("deprecated") is True,
            parameters=tuple(parameter for parameter, _ in parameters),
            request=request,
            request_required=required,
            request_description=description,
            responses=self._responses(operation),
        )

    def _parameters(self, raw: list[Any]) -> list[tuple[Parameter, dict[str, Any]]]:
        """Path-level then operation-level parameters; a later one with the same name and
        location replaces the earlier, as the specification says."""
        found: dict[tuple[str, str], tuple[Parameter, dict[str, Any]]] = {}
        for value in raw:
            value = as_dict(self.resolver.follow(value))
            name, location = text(value.get("name")), text(value.get("in"))
            if name:
                found[(location, name)] = (self._parameter(name, location, value), value)
        return list(found.values())

    def _parameter(self, name: str, location: str, value: dict[str, Any]) -> Parameter:
        if "schema" in value:
            schema_value = value.get("schema")
        else:
            schema_value = {k: v for k, v in value.items() if k in _SWAGGER_SCHEMA_KEYS}
        schema = self.resolver.schema(schema_value, name) if schema_value else None
        detailed = schema and (schema.children or schema.enum or schema.constraints or schema.example)
        return Parameter(
            name=name,
            location=location,
            required=value.get("required") is True or location == "path",
            type=schema.type if schema else "any",
            description=render_markdown(value.get("description")),
            deprecated=value.get("deprecated") is True,
            schema=schema if detailed else None,
        )

    def _request(self, value: Any) -> tuple[tuple[Body, ...], bool, Markup]:
        body = as_dict(self.resolver.follow(value))
        return (self._bodies(body.get("content")), body.get("required") is True,
                render_markdown(body.get("description")))

    def _swagger_request(
        self, parameters: list[tuple[Parameter, dict[str, Any]]], operation: dict[str, Any]
    ) -> tuple[tuple[Body, ...], bool, Markup]:
        """Swagger 2's `in: body` parameter as an OpenAPI 3 request body."""
        consumes = self._media_types(operation, "consumes")
        for parameter, value in parameters:
            if parameter.location == "body":
                schema = self.resolver.schema(value.get("schema"))
                bodies = tuple(Body(media, schema) for media in consumes)
                return bodies, parameter.required, parameter.description
        return (), False, Markup("")

    def _media_types(self, operation: dict[str, Any], key: str) -> list[str]:
        found = as_list(operation.get(key)) or as_list(self.document.get(key))
        return [text(media) for media in found if text(media)] or ["application/json"]

    def _bodies(self, content: Any) -> tuple[Body, ...]:
        return tuple(
            Body(str(media), self.resolver.schema(as_dict(entry).get("schema")))
            for media, entry in as_dict(content).items()
        )

    def _responses(self, operation: dict[str, Any]) -> tuple[Response, ...]:
        produces = self._media_types(operation, "produces")
        responses = []
        items = sorted(as_dict(operation.get("responses")).items(), key=lambda item: str(item[0]))
        for status, response in items:
            response = as_dict(self.resolver.follow(response))
            if self.swagger:
                schema = self.resolver.schema(response.get("schema"))
                bodies = tuple(Body(media, schema) for media in produces) if schema else ()
            else:
                bodies = self._bodies(response.get("content"))
            description = render_markdown(response.get("description"))
            responses.append(Response(str(status), description, bodies))
        return tuple(responses)

    def _groups(
        self, operations: list[tuple[tuple[str, ...], Operation]]
    ) -> tuple[OperationGroup, ...]:
        """Operations by tag, tags in the order the document declares them, then the rest
        alphabetically; an operation with two tags is listed under both."""
        declared = {
            text(tag.get("name")): tag
            for tag in map(as_dict, as_list(self.document.get("tags"))) if text(tag.get("name"))
        }
        by_tag: dict[str, list[Operation]] = {}
        for tags, operation in operations:
            for index, tag in enumerate(tags):
                # Listed again under another tag: same operation, its own id on the page.
                if index:
                    operation = replace(operation, anchor=self.anchors("op", operation.anchor))
                by_tag.setdefault(tag, []).append(operation)
        order = [tag for tag in declared if tag in by_tag] + sorted(set(by_tag) - set(declared))
        return tuple(
            OperationGroup(
                tag,
                self.anchors("tag", tag),
                render_markdown(as_dict(declared.get(tag)).get("description")),
                tuple(by_tag[tag]),
            )
            for tag in order
        )


def _tags(operation: dict[str, Any], path: str) -> tuple[str, ...]:
    """The operation's tags, or its path's first segment when it has none."""
    tags = tuple(text(tag) for tag in as_list(operation.get("tags")) if text(tag))
    if tags:
        return tags
    first = next((part for part in path.split("/") if part), "")
    return (f"/{first}" if first else "/",)
