"""Catalog YAML read the way Backstage reads it: YAML 1.2 core schema, merge keys off.

Backstage parses with the npm `yaml` package; PyYAML speaks YAML 1.1, where `yes` is a
boolean, `2024-01-31` a date, `0755` octal and duplicate keys silently win. We keep
PyYAML's fast C parser for the syntax, let it tag nothing, and resolve scalars ourselves
while walking the node tree, recording the line of every key and item on the way.

PyYAML gives up on a whole stream at its first error, while Backstage reports each broken
document on its own; so the text is split into documents at column-0 markers first and
each one is parsed alone, its line numbers shifted back into place.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.cyaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.model.document import FieldPath, Positions

_STR = "tag:yaml.org,2002:str"
_PLAIN = "?"  # our tag for untagged plain scalars, resolved by the core schema below
_MAX_ALIASES = 100  # the `yaml` package's default maxAliasCount

# A document marker: `---` or `...` at column 0, then whitespace or the end of the line.
_MARKER = re.compile(r"^(---|\.\.\.)(?=[ \t\r\n]|$)", re.MULTILINE)
# A line that holds content: not blank, not a comment, not a directive (`%YAML 1.2`).
_CONTENT_LINE = re.compile(r"^(?:[ \t]+[^ \t\r\n#]|[^ \t\r\n#%])", re.MULTILINE)

# YAML 1.2 core schema, as the `yaml` package spells it (schema/core/*.js).
_NULL = re.compile(r"^(?:~|[Nn]ull|NULL)?$")
_BOOL = re.compile(r"^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT_SPECIAL = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$")
_FLOAT_EXP = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$")
# First characters that can start a non-string plain scalar; everything else is a string.
_SPECIAL_START = frozenset("~nNtTfF0123456789-+.")


@dataclass(frozen=True)
class YamlError:
    """A document Backstage cannot parse; `line`/`column` are 1-based, in the whole file."""

    message: str
    line: int
    column: int
    code: str = "yaml-syntax"  # or yaml-duplicate-key
    hint: str = ""

    @property
    def backstage(self) -> str:
        """The `YAMLParseError` text the `yaml` package would give (without its code frame)."""
        return f"YAMLParseError: {self.message} at line {self.line}, column {self.column}"


@dataclass(frozen=True)
class YamlDocument:
    """One non-empty document: plain JSON-like `data`, or `error` and data None.

    `index` counts every document of the file, empty ones included, as Backstage does.
    """

    index: int
    data: Any
    positions: Positions
    error: YamlError | None = None


class _Problem(Exception):
    """Raised while walking a node tree; becomes the document's YamlError."""

    def __init__(self, message: str, node: Node, code: str = "yaml-syntax") -> None:
        super().__init__(message)
        self.message = message
        self.line = node.start_mark.line
        self.column = node.start_mark.column
        self.code = code


class _Loader(CParser):
    """The C parser with a resolver that resolves nothing: plain untagged scalars get
    `_PLAIN` and are typed by `_scalar`, so no YAML 1.1 rule ever applies."""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return "map" if kind is MappingNode else "seq"


def parse_documents(text: str) -> list[YamlDocument]:
    """Every non-empty document of a file, broken ones included (with `error` set)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    documents = []
    for index, (offset, chunk) in enumerate(_split(text)):
        document = _parse_chunk(index, offset, chunk)
        if document is not None:
            documents.append(document)
    return documents


def parse_single(text: str) -> tuple[Any, int, YamlError | None]:
    """A file that must hold exactly one document (a `$yaml` placeholder target).

    Returns (data, number of documents, error). Unlike catalog files, empty documents
    count here (after a first one), as `parseAllDocuments` hands them to the `$yaml`
    resolver: `a: 1\n---\n` is two documents, an empty file none.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    chunks = _split(text)
    if len(chunks) > 1:
        return None, len(chunks), None
    if not chunks:
        return None, 0, None
    document = _parse_chunk(0, *chunks[0])
    if document is None:
        return None, 1, None
    return document.data, 1, document.error


def _split(text: str) -> list[tuple[int, str]]:
    """Cut the text into (line offset, text) per document, the way YAML counts them.

    `---` starts a document; `...` ends one, after which content starts the next
    implicitly. Comments and directives before a `---` travel with the document after it.
    """
    chunks: list[tuple[int, str]] = []
    pos, line, prefix_line = 0, 0, 0
    prefix = ""  # text that is not yet part of a document (before the first marker)
    opened = False  # is the text at `pos` inside an explicitly started document?
    for match in _MARKER.finditer(text):
        segment = text[pos : match.start()]
        if opened:
            chunks.append((prefix_line, prefix + segment))
        elif _CONTENT_LINE.search(segment):
            chunks.append((line, segment))
            prefix = ""
        else:
            prefix, prefix_line = segment, line
        line += segment.count("\n")
        if match.group(1) == "---":
            if opened or not prefix:
                prefix, prefix_line = "", line
            opened = True
        else:
            opened, prefix = False, ""
            # The `...` line itself belongs to nothing; skip it.
            end = text.find("\n", match.start())
            end = len(text) if end == -1 else end + 1
            line += 1
            pos = end
            continue
        pos = match.start()
    segment = text[pos:]
    if opened:
        chunks.append((prefix_line, prefix + segment))
    elif _CONTENT_LINE.search(segment):
        chunks.append((line, segment))
    return chunks


def _parse_chunk(index: int, offset: int, chunk: str) -> YamlDocument | None:
    try:
        node = _Loader(chunk).get_single_node()
    except yaml.MarkedYAMLError as exc:
        error = _syntax_error(exc, chunk, offset)
        return YamlDocument(index, None, Positions({}, _content_start(chunk, offset)), error)
    except yaml.YAMLError as exc:  # e.g. a control character in the stream
        error = _reader_error(exc, offset)
        return YamlDocument(index, None, Positions({}, _content_start(chunk, offset)), error)
    if node is None:
        return None
    start = offset + node.start_mark.line + 1
    walker = _Walker(offset)
    try:
        data = walker.value(node, ())
    except _Problem as problem:
        error = YamlError(problem.message, offset + problem.line + 1, problem.column + 1,
                          problem.code, _hint_for(problem.code))
        return YamlDocument(index, None, Positions({}, start), error)
    if data is None:
        return None
    return YamlDocument(index, data, Positions(walker.lines, start))


def _content_start(chunk: str, offset: int) -> int:
    """The line a broken document's content starts on (past comments and a bare `---`),
    where Backstage's `line` would point."""
    for match in _CONTENT_LINE.finditer(chunk):
        rest = chunk[match.start() : chunk.find("\n", match.start()) % (len(chunk) + 1)]
        if not re.match(r"^---\s*(#.*)?$", rest):
            return offset + chunk.count("\n", 0, match.start()) + 1
    return offset + 1


class _Walker:
    """Builds plain values from nodes and notes the line of every key and item."""

    def __init__(self, offset: int) -> None:
        self.offset = offset + 1  # node lines are 0-based within the chunk
        self.lines: dict[FieldPath, int] = {}
        self.aliases = 0
        self.active: set[int] = set()  # nodes being built: an alias to one is a cycle
        self.seen: set[int] = set()

    def value(self, node: Node, path: FieldPath) -> Any:
        if isinstance(node, ScalarNode):
            return _scalar(node)
        key = id(node)
        if key in self.seen:
            self.aliases += 1
            if self.aliases > _MAX_ALIASES:
                raise _Problem("Excessive alias count indicates a resource exhaustion attack", node)
        if key in self.active:
            raise _Problem("Alias refers to the node that contains it (a cycle)", node)
        self.seen.add(key)
        self.active.add(key)
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            return self._sequence(node, path)
        finally:
            self.active.discard(key)

    def _mapping(self, node: MappingNode, path: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        key_types: dict[str, type] = {}  # only keys that were not strings in the YAML
        lines, offset = self.lines, self.offset
        for key_node, value_node in node.value:
            if key_node.__class__ is ScalarNode:
                key = _scalar(key_node)
            else:
                key = self.value(key_node, path + ("?",))
            name = key if key.__class__ is str else _key_string(key)
            if name in result and key_types.get(name, str) is key.__class__:
                if not isinstance(key, (dict, list)):
                    raise _Problem("Map keys must be unique", key_node, "yaml-duplicate-key")
            if key.__class__ is not str:
                key_types[name] = key.__class__
            elif name in key_types:
                del key_types[name]
            child = path + (name,)
            lines[child] = key_node.start_mark.line + offset
            if value_node.__class__ is ScalarNode:
                result[name] = _scalar(value_node)
            else:
                result[name] = self.value(value_node, child)
        return result

    def _sequence(self, node: SequenceNode, path: FieldPath) -> list[Any]:
        result = []
        lines, offset = self.lines, self.offset
        for position, item in enumerate(node.value):
            child = path + (position,)
            lines[child] = item.start_mark.line + offset
            if item.__class__ is ScalarNode:
                result.append(_scalar(item))
            else:
                result.append(self.value(item, child))
        return result


def _scalar(node: ScalarNode) -> Any:
    """A scalar's value under the YAML 1.2 core schema, as JSON would carry it."""
    tag, text = node.tag, node.value
    if tag == _STR:
        return text
    if tag == _PLAIN:
        if not text:
            return None
        return _resolve_plain(text) if text[0] in _SPECIAL_START else text
    return _resolve_tagged(tag, text)


def _resolve_plain(text: str) -> Any:
    if _NULL.match(text):
        return None
    if _BOOL.match(text):
        return text[0] in "tT"
    if _INT_OCT.match(text):
        return int(text[2:], 8)
    if _INT.match(text):
        return int(text, 10)
    if _INT_HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT_SPECIAL.match(text) or _FLOAT_EXP.match(text) or _FLOAT.match(text):
        return _json_float(text)
    return text


_TAGGED = {
    "tag:yaml.org,2002:null": (_NULL,),
    "tag:yaml.org,2002:bool": (_BOOL,),
    "tag:yaml.org,2002:int": (_INT_OCT, _INT, _INT_HEX),
    "tag:yaml.org,2002:float": (_FLOAT_SPECIAL, _FLOAT_EXP, _FLOAT),
}


def _resolve_tagged(tag: str, text: str) -> Any:
    """`!!int 12` and friends; a tag whose pattern does not match, or an unknown or
    custom tag (`!!binary`, `!ref x`), keeps the text, as the `yaml` package does."""
    patterns = _TAGGED.get(tag)
    if patterns and any(p.match(text) for p in patterns):
        return _resolve_plain(text) if text else None
    return text


def _json_float(text: str) -> float | int | None:
    """Floats as they come out of JSON: `1.0` is 1, `.inf` and `.nan` are null."""
    lowered = text.lower()
    if lowered.endswith(("inf", "nan")):
        return None
    number = float(text)
    if math.isinf(number):
        return None
    if number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


def _key_string(key: Any) -> str:
    """Object keys are strings in JSON: `1` is "1", `true` is "true", null is ""."""
    if isinstance(key, str):
        return key
    if key is None:
        return ""
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, (int, float)):
        return str(key)
    return yaml.safe_dump(key, default_flow_style=True, width=10**9).strip()


def _syntax_error(exc: yaml.MarkedYAMLError, chunk: str, offset: int) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line if mark else 0
    column = mark.column if mark else 0
    lines = chunk.split("\n")
    if line >= len(lines) or not lines[line].strip():
        # PyYAML stops at the end of the chunk (an unclosed `[`, say), which is the next
        # document's `---`: point at the last line this document holds instead.
        filled = [n for n in range(min(line, len(lines) - 1), -1, -1) if lines[n].strip()]
        if filled:
            line, column = filled[0], len(lines[filled[0]].rstrip())
    tab = _tab_indent(chunk, line, exc)
    if tab is not None:
        return YamlError(
            "a tab character is used for indentation; YAML allows only spaces there",
            offset + line + 1,
            tab + 1,
            hint="Indent with spaces, not tabs (configure your editor to insert spaces in YAML files).",
        )
    problem = exc.problem or str(exc)
    if exc.context:
        problem = f"{problem} ({exc.context})"
    return YamlError(problem, offset + line + 1, column + 1, hint=_hint_for("yaml-syntax"))


def _tab_indent(chunk: str, line: int, exc: yaml.MarkedYAMLError) -> int | None:
    """The column of a tab in the indentation of the failing line (or the one PyYAML
    stopped after), if that is what went wrong."""
    lines = chunk.split("\n")
    for number in (line, line - 1):
        if 0 <= number < len(lines):
            text = lines[number]
            indent = text[: len(text) - len(text.lstrip(" \t"))]
            if "\t" in indent and (text.strip() or "tab" in str(exc.problem)):
                return indent.index("\t")
    return None


def _reader_error(exc: yaml.YAMLError, offset: int) -> YamlError:
    position = getattr(exc, "position", None)
    return YamlError(str(exc).replace("\n", " "), offset + 1, (position or 0) + 1,
                     hint="Remove the control character or save the file as plain UTF-8 text.")


def _hint_for(code: str) -> str:
    if code == "yaml-duplicate-key":
        return "Remove or rename one of the two keys: Backstage rejects the whole file's read."
    return "Fix the YAML syntax at this line; check indentation, quotes and `key: value` spacing."
