"""GraphQL schemas and gRPC `.proto` files: read as source, highlighted, with a list of
their types and services that links into the source.

Both languages are shown as written (their authors format them for reading already);
what a reader needs on top is the table of contents, which a line-based scan finds
well enough without a full parser: declarations start a line in both languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

from generator.render.apidoc import highlight

#: Pygments lexer names by API type; anything else is highlighted as plain text.
LANGUAGES = {"graphql": "graphql", "grpc": "protobuf", "openapi": "yaml", "asyncapi": "yaml"}

_GRAPHQL = re.compile(
    r"^\s*(?:extend\s+)?(type|input|enum|interface|union|scalar|directive|schema)\b\s*@?(\w*)",
)
_PROTO = re.compile(r"^\s*(service|message|enum|rpc)\s+(\w+)\s*(?:\(\s*(stream\s+)?([\w.]+)\s*\)\s*returns\s*\(\s*(stream\s+)?([\w.]+)\s*\))?")


@dataclass(frozen=True)
class Symbol:
    """A declaration in the source: its kind (`type`, `service`, `rpc`, ...), name, the
    line it starts on (the highlighted source has `id="src-<line>"`), and for an rpc its
    request and response types."""

    kind: str
    name: str
    line: int
    detail: str = ""
    #: For rpcs: the service they belong to.
    parent: str = ""

    @property
    def anchor(self) -> str:
        return f"src-{self.line}"


@dataclass(frozen=True)
class SourceView:
    language: str
    highlighted: Markup
    symbols: tuple[Symbol, ...]


def read(source: str, api_type: str) -> SourceView:
    """The highlighted source and its declarations."""
    language = LANGUAGES.get(api_type, "")
    if api_type == "graphql":
        symbols = graphql_symbols(source)
    elif api_type == "grpc":
        symbols = proto_symbols(source)
    else:
        symbols = ()
    return SourceView(language or "text", highlight(source, language), symbols)


def graphql_symbols(source: str) -> tuple[Symbol, ...]:
    """Top-level type-system definitions, in source order."""
    found = []
    depth = 0
    for number, line in enumerate(source.splitlines(), 1):
        code = line.split("#", 1)[0]
        if depth == 0:
            match = _GRAPHQL.match(code)
            if match:
                found.append(Symbol(match.group(1), match.group(2) or match.group(1), number))
        depth = max(0, depth + code.count("{") - code.count("}"))
    return tuple(found)


def proto_symbols(source: str) -> tuple[Symbol, ...]:
    """Services with their rpcs, then messages and enums at any nesting, in source order."""
    found = []
    service = ""
    depth = 0
    for number, line in enumerate(source.splitlines(), 1):
        code = line.split("//", 1)[0]
        match = _PROTO.match(code)
        if match:
            kind, name = match.group(1), match.group(2)
            if kind == "rpc" and match.group(4):
                request = (match.group(3) or "") + match.group(4)
                response = (match.group(5) or "") + match.group(6)
                found.append(Symbol(kind, name, number, f"({request}) returns ({response})", service))
            elif kind != "rpc":
                found.append(Symbol(kind, name, number))
            if kind == "service":
                service = name
        depth = max(0, depth + code.count("{") - code.count("}"))
        if depth == 0:
            service = ""
    return tuple(found)
