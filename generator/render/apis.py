"""API definitions made readable: what an API page shows of its `spec.definition`.

`describe` picks a reader by what the definition says it is (an `openapi:`, `swagger:` or
`asyncapi:` key wins over `spec.type`, which people get wrong) and never fails: a
definition that cannot be read is shown as raw text with a note saying why. The raw text
is always kept for the download and the "source" view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from markupsafe import Markup

from generator.model.entity import Entity
from generator.render import asyncapi, openapi, sourceapis
from generator.render.apidoc import Anchors, as_dict, parse_definition

#: File extension of the raw definition download, by `spec.type`.
EXTENSIONS = {"openapi": "yaml", "asyncapi": "yaml", "graphql": "graphql", "grpc": "proto"}

#: A definition that is only an address: people link the real file instead of `$text`.
_URL = re.compile(r"^https?://\S+$")

#: Above this size the raw text is not highlighted (it is still shown and downloadable):
#: highlighting a huge generated definition would cost more than the rest of its page.
HIGHLIGHT_LIMIT = 200_000


@dataclass(frozen=True)
class ApiView:
    """What `partials/api.html` renders for one API entity.

    `format` says which of `openapi`, `asyncapi`, `source` is filled in: "openapi" (also
    for Swagger 2), "asyncapi", "source" (GraphQL, gRPC, anything else readable as
    text), or "empty". `notes` are problems reading the definition, shown to the reader.
    """

    type: str
    raw: str
    download_name: str
    format: str = "empty"
    openapi: openapi.OpenApiView | None = None
    asyncapi: asyncapi.AsyncApiView | None = None
    source: sourceapis.SourceView | None = None
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        view = self.openapi or self.asyncapi
        return view.title if view else ""

    @property
    def version(self) -> str:
        view = self.openapi or self.asyncapi
        return view.version if view else ""

    @property
    def line_count(self) -> int:
        return self.raw.count("\n") + (0 if self.raw.endswith("\n") or not self.raw else 1)


@dataclass
class DeferredApiView:
    """An ApiView read only when first asked for more than its three inputs: a warm build
    needs the download file of every API page it reuses, and parsing and highlighting a
    definition costs more than the rest of its page."""

    type: str
    raw: str
    download_name: str

    @cached_property
    def view(self) -> ApiView:
        return read_definition(self.type, self.raw, self.download_name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy and pickle probe for these before __dict__ exists
            raise AttributeError(name)
        return getattr(self.view, name)


def describe(entity: Entity, deferred: bool = False) -> ApiView | DeferredApiView | None:
    """The view of an API entity's definition, or None for other kinds; `deferred`: read
    when first used."""
    if entity.kind != "API":
        return None
    api_type = str(entity.spec.get("type", "")).lower()
    raw = entity.spec.get("definition")
    raw = raw if isinstance(raw, str) else ""
    extension = EXTENSIONS.get(api_type, "txt")
    download_name = f"{entity.name.lower()}.definition.{extension}"
    if deferred:
        return DeferredApiView(api_type, raw, download_name)
    return read_definition(api_type, raw, download_name)


def read_definition(api_type: str, raw: str, download_name: str) -> ApiView:
    """The view of definition text `raw` declared as `api_type`."""
    base = ApiView(api_type, raw, download_name)
    if not raw.strip():
        return ApiView(api_type, raw, download_name, "empty", notes=("The API has no definition.",))
    if _URL.match(raw.strip()):
        return ApiView(api_type, raw, download_name, "link")
    if api_type in ("openapi", "asyncapi") or _looks_structured(raw):
        document, error = parse_definition(raw)
        flavour = _flavour(document)
        if flavour == "openapi":
            view = openapi.read(as_dict(document), Anchors())
            return ApiView(api_type, raw, download_name, "openapi", openapi=view, notes=view.notes)
        if flavour == "asyncapi":
            view = asyncapi.read(as_dict(document), Anchors())
            return ApiView(api_type, raw, download_name, "asyncapi", asyncapi=view,
                           notes=view.notes)
        if api_type in ("openapi", "asyncapi"):
            note = error or (
                f"The definition does not declare an `{api_type}` version; shown as text.")
            return _source(base, note)
    return _source(base, None)


def _looks_structured(raw: str) -> bool:
    """A definition typed `graphql` or anything else may still be an OpenAPI document."""
    head = raw.lstrip()[:200]
    return head.startswith(("openapi:", "swagger:", "asyncapi:", "{"))


def _flavour(document: Any) -> str:
    document = as_dict(document)
    if "openapi" in document or "swagger" in document:
        return "openapi" if isinstance(document.get("paths", {}), dict) else ""
    if "asyncapi" in document:
        return "asyncapi"
    return ""


def _source(base: ApiView, note: str | None) -> ApiView:
    api_type = base.type if base.type in sourceapis.LANGUAGES else ""
    if len(base.raw) > HIGHLIGHT_LIMIT:
        view = sourceapis.SourceView("text", Markup(""), ())
        notes = (note,) if note else ()
        notes += ("The definition is too large to highlight; it is shown as plain text.",)
    else:
        view = sourceapis.read(base.raw, api_type)
        notes = (note,) if note else ()
    return ApiView(base.type, base.raw, base.download_name, "source", source=view, notes=notes)
