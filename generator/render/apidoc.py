"""What every API definition view shares: reading the text, safe Markdown, JSON Schemas
as readable trees, and local `$ref`s followed without looping.

Definitions are written by many hands and read by a build that must not stop: anything
odd (a `$ref` to nowhere, a schema that refers to itself, a description that is a list)
becomes a note or a shorter tree, never an exception.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import markdown
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from generator import yaml12

#: How deep a schema tree goes, and how many nodes one definition may expand in all:
#: enough for any real API, and a bound on definitions built to explode.
MAX_DEPTH = 8
MAX_NODES = 3000

#: A URL's scheme, after the whitespace and control characters browsers ignore in it.
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")
_SAFE_SCHEMES = frozenset(("http", "https", "mailto"))


def parse_definition(text: str) -> tuple[Any, str | None]:
    """The definition as data, or (None, why not). JSON is tried first: it is also YAML,
    but a JSON parser is strict and fast; YAML is read as YAML 1.2, as the catalog is."""
    stripped = text.strip()
    if not stripped:
        return None, "The definition is empty."
    if stripped[0] in "{[":
        try:
            return json.loads(stripped), None
        except ValueError:
            pass
    try:
        documents = yaml12.parse_documents(text)
    except Exception as error:  # noqa: BLE001 - a definition never stops the build
        return None, f"The definition could not be read: {error}"
    if not documents:
        return None, "The definition is empty."
    first = documents[0]
    if first.error is not None:
        return None, f"The definition is not valid YAML or JSON: {first.error}"
    return first.data, None


class _SafeLinks(Treeprocessor):
    """Turns links with a scheme that runs code (`javascript:`, `data:`) into text."""

    def run(self, root):  # type: ignore[no-untyped-def]
        for element in root.iter("a"):
            scheme = _SCHEME.match(_IGNORED_IN_URL.sub("", element.get("href", "")))
            if scheme and scheme.group(1).lower() not in _SAFE_SCHEMES:
                element.attrib.clear()
                element.tag = "span"
        return None


def _markdown() -> markdown.Markdown:
    """Markdown with raw HTML turned into text and images left out: descriptions come
    from any repository, and the portal must work offline."""
    md = markdown.Markdown(extensions=["fenced_code", "tables"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    for name in ("image_link", "image_reference"):
        if name in md.inlinePatterns:
            md.inlinePatterns.deregister(name)
    md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)
    return md


_MD = _markdown()


def render_markdown(text: Any) -> Markup:
    """A description as safe HTML; anything that is not a string shows as nothing."""
    if not isinstance(text, str) or not text.strip():
        return Markup("")
    return _convert(text)


@lru_cache(maxsize=4096)
def _convert(text: str) -> Markup:
    """Cached: generated catalogs repeat the same descriptions across many APIs."""
    _MD.reset()
    return Markup(_MD.convert(text))


def text(value: Any) -> str:
    """A scalar as display text; containers and None as ''."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def slug(value: str) -> str:
    """An id fragment: lower-case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


class Anchors:
    """Hands out unique element ids on one page: `prefix-slug`, then `-2`, `-3`…"""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def __call__(self, prefix: str, name: str) -> str:
        base = f"{prefix}-{slug(name)}"
        anchor, count = base, 1
        while anchor in self._used:
            count += 1
            anchor = f"{base}-{count}"
        self._used.add(anchor)
        return anchor


@dataclass(frozen=True)
class SchemaNode:
    """One line of a schema tree: a property, an array's items, or an alternative."""

    name: str
    type: str
    required: bool = False
    description: Markup = Markup("")
    #: Allowed values, an example, and facts like `format: uuid`, `≥ 1`, `read-only`.
    enum: tuple[str, ...] = ()
    example: str = ""
    constraints: tuple[str, ...] = ()
    #: The component the node came from (`Cart` for `#/components/schemas/Cart`).
    ref: str = ""
    children: tuple["SchemaNode", ...] = ()
    #: Why the tree stops here: a schema that contains itself, or the depth limit.
    note: str = ""


@dataclass
class Resolver:
    """Follows local `$ref`s in one definition and counts the nodes it has expanded."""

    document: Any
    budget: int = MAX_NODES
    notes: list[str] = field(default_factory=list)

    def lookup(self, ref: str) -> Any:
        """The value a local JSON pointer names, or None (remote refs are not followed)."""
        if not ref.startswith("#"):
            return None
        value = self.document
        for part in [p for p in ref[1:].split("/") if p]:
            part = unquote(part).replace("~1", "/").replace("~0", "~")
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return None
        return value

    def follow(self, value: Any, limit: int = 10) -> Any:
        """A value with its `$ref` chain followed (parameters, responses, messages)."""
        seen = 0
        while isinstance(value, dict) and isinstance(value.get("$ref"), str) and seen < limit:
            target = self.lookup(value["$ref"])
            if target is None:
                return value
            value, seen = target, seen + 1
        return value

    def schema(self, value: Any, name: str = "", required: bool = False) -> SchemaNode | None:
        """The tree of a schema; None when there is no schema at all."""
        if not isinstance(value, (dict, bool)):
            return None
        return self._node(value, name, required, (), 0)

    def _node(
        self, value: Any, name: str, required: bool, path: tuple[str, ...], depth: int
    ) -> SchemaNode:
        self.budget -= 1
        if isinstance(value, bool):
            return SchemaNode(name, "any" if value else "nothing", required)
        ref_name = ""
        ref = value.get("$ref")
        if isinstance(ref, str):
            ref_name = ref.rsplit("/", 1)[-1]
            if ref in path:
                return SchemaNode(name, ref_name, required, ref=ref_name,
                                  note="recursive: contains itself, shown above")
            target = self.lookup(ref)
            if not isinstance(target, (dict, bool)):
                return SchemaNode(name, ref_name or ref, required,
                                  note=f"unresolved reference {ref}")
            if isinstance(target, bool):
                return SchemaNode(name, "any" if target else "nothing", required, ref=ref_name)
            path = (*path, ref)
            value = {**target, **{k: v for k, v in value.items() if k != "$ref"}}
        if depth >= MAX_DEPTH or self.budget <= 0:
            return SchemaNode(name, _type_of(value, ref_name), required, ref=ref_name,
                              note="not expanded further")
        value = self._merged(value, path)
        children = self._children(value, path, depth)
        return SchemaNode(
            name=name,
            type=_type_of(value, ref_name),
            required=required,
            description=render_markdown(value.get("description") or value.get("title")),
            enum=tuple(text(item) or json.dumps(item) for item in as_list(value.get("enum"))[:50]),
            example=_example(value),
            constraints=_constraints(value),
            ref=ref_name,
            children=children,
        )

    def _merged(self, value: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
        """`allOf` folded into one object: properties and required lists combined."""
        parts = as_list(value.get("allOf"))
        if not parts:
            return value
        merged: dict[str, Any] = {k: v for k, v in value.items() if k != "allOf"}
        properties = dict(as_dict(merged.get("properties")))
        required = list(as_list(merged.get("required")))
        for part in parts:
            ref = as_dict(part).get("$ref")
            if isinstance(ref, str) and ref in path:
                continue
            resolved = as_dict(self.follow(part))
            resolved = self._merged(resolved, (*path, ref) if isinstance(ref, str) else path)
            properties.update(as_dict(resolved.get("properties")))
            required.extend(as_list(resolved.get("required")))
            for key in ("type", "description"):
                merged.setdefault(key, resolved.get(key))
        if properties:
            merged["properties"] = properties
            merged.setdefault("type", "object")
        merged["required"] = required
        return merged

    def _children(
        self, value: dict[str, Any], path: tuple[str, ...], depth: int
    ) -> tuple[SchemaNode, ...]:
        required = {name for name in as_list(value.get("required")) if isinstance(name, str)}
        children = [
            self._node(schema, str(prop), prop in required, path, depth + 1)
            for prop, schema in as_dict(value.get("properties")).items()
            if isinstance(schema, (dict, bool)) and self.budget > 0
        ]
        items = value.get("items")
        if isinstance(items, (dict, bool)):
            children.append(self._node(items, "[items]", False, path, depth + 1))
        extra = value.get("additionalProperties")
        if isinstance(extra, dict):
            children.append(self._node(extra, "[any key]", False, path, depth + 1))
        for keyword in ("oneOf", "anyOf"):
            for index, option in enumerate(as_list(value.get(keyword)), 1):
                if isinstance(option, (dict, bool)) and self.budget > 0:
                    label = f"[{'one' if keyword == 'oneOf' else 'any'} of: option {index}]"
                    children.append(self._node(option, label, False, path, depth + 1))
        return tuple(children)


def _type_of(value: dict[str, Any], ref_name: str) -> str:
    """`string`, `string (uuid)`, `array of Cart`, `Cart` for an object from a component."""
    kind = value.get("type")
    if isinstance(kind, list):
        kind = " | ".join(text(item) for item in kind)
    kind = text(kind)
    if not kind:
        if "properties" in value:
            kind = "object"
        elif "oneOf" in value or "anyOf" in value:
            kind = "one of" if "oneOf" in value else "any of"
        elif "enum" in value:
            kind = "enum"
        elif "const" in value:
            kind = "constant"
        else:
            kind = "any"
    if kind == "array":
        items = as_dict(value.get("items"))
        ref = items.get("$ref")
        inner = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else text(items.get("type"))
        kind = f"array of {inner}" if inner else "array"
    elif kind == "object" and ref_name:
        kind = ref_name
    fmt = text(value.get("format"))
    if fmt:
        kind = f"{kind} ({fmt})"
    if value.get("nullable") is True:
        kind += " | null"
    return kind


def _example(value: dict[str, Any]) -> str:
    for key in ("example", "const", "default"):
        if key in value and not isinstance(value[key], (dict, list)):
            prefix = "" if key == "example" else f"{key}: "
            return prefix + (text(value[key]) if value[key] is not None else "null")
    examples = as_list(value.get("examples"))
    if examples and not isinstance(examples[0], (dict, list)):
        return text(examples[0])
    return ""


_BOUNDS = (
    ("minimum", "≥ {}"), ("maximum", "≤ {}"), ("exclusiveMinimum", "> {}"),
    ("exclusiveMaximum", "< {}"), ("minLength", "length ≥ {}"), ("maxLength", "length ≤ {}"),
    ("minItems", "items ≥ {}"), ("maxItems", "items ≤ {}"), ("pattern", "pattern {}"),
    ("multipleOf", "multiple of {}"),
)


def _constraints(value: dict[str, Any]) -> tuple[str, ...]:
    found = [template.format(text(value[key])) for key, template in _BOUNDS
             if key in value and text(value[key]) not in ("", "true", "false")]
    found += [word for key, word in (("readOnly", "read-only"), ("writeOnly", "write-only"),
                                     ("deprecated", "deprecated"), ("uniqueItems", "unique"))
              if value.get(key) is True]
    return tuple(found)


def highlight(source: str, language: str) -> Markup:
    """Source as HTML with class-based spans (styled by assets/highlight.css for both
    themes), lines wrapped in `<span id="src-N">` so symbol lists can link to them."""
    from pygments import highlight as pygmentize

    return Markup(pygmentize(source, _lexer(language), _formatter()))


@lru_cache(maxsize=None)
def _formatter():  # type: ignore[no-untyped-def]
    """One formatter for every page: building one compiles a whole style sheet."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(cssclass="highlight", linespans="src", wrapcode=True)


@lru_cache(maxsize=64)
def _lexer(language: str):  # type: ignore[no-untyped-def]
    """Lexers by name, looked up once: the lookup scans every installed lexer."""
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    lexer.add_filter(_plain_tokens())
    lexer.add_filter("tokenmerge")
    return lexer


def _plain_tokens():  # type: ignore[no-untyped-def]
    """A filter that makes whitespace, punctuation and "errors" plain text: neither
    theme colours them, a span each made highlighted pages several times the size of
    their source, and a lexer's error is only a construct it does not know (GraphQL
    block strings), not something to draw a red box around."""
    from pygments.filter import simplefilter
    from pygments.token import Error, Punctuation, Text, Whitespace

    plain = (Whitespace, Punctuation, Error)

    @simplefilter
    def plain_tokens(self, lexer, stream, options):  # type: ignore[no-untyped-def]
        for token, value in stream:
            yield (Text if any(token in kind for kind in plain) else token), value

    return plain_tokens()
