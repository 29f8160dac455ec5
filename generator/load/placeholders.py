"""`$text`, `$json` and `$yaml` placeholders, resolved as Backstage's PlaceholderProcessor
does: anywhere in the entity, only as single-key objects, before validation.

A failure is the entity's own (only that document is lost); a URL outside every source
tree is not fetched, and a stand-in value is used with a warning, as the oracle does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Sequence
from urllib.parse import urlsplit

from generator.load.places import Place, is_absolute_url, resolve
from generator.model.document import FieldPath, Positions
from generator.model.location import LocationRef
from generator.model.problem import Problem, error, warning
from generator.model.source import SourceTree
from generator.yaml12 import parse_single

RESOLVERS = ("text", "json", "yaml")
_WRAP = "InputError: Processor PlaceholderProcessor threw an error while preprocessing; caused by Error: "


@dataclass
class PlaceholderContext:
    """The entity file the placeholders are written in, and where messages point."""

    tree: SourceTree
    file_rel: str  # the entity file, relative to tree.root
    location: LocationRef  # where Backstage read that file
    trees: Sequence[SourceTree]
    positions: Positions
    file: str  # display path
    entity: str  # ref
    problems: list[Problem] = field(default_factory=list)
    failed: bool = False


class _Failure(Exception):
    def __init__(self, message: str, hint: str, backstage: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint
        self.backstage = backstage or message


def resolve_placeholders(data: Any, context: PlaceholderContext) -> Any:
    """`data` with every placeholder replaced; failures go to `context.problems` and set
    `context.failed` (the document must then not be passed on)."""
    return _walk(data, (), context)


def _walk(data: Any, path: FieldPath, context: PlaceholderContext) -> Any:
    if isinstance(data, list):
        return [_walk(item, path + (i,), context) for i, item in enumerate(data)]
    if not isinstance(data, dict):
        return data
    if not any(isinstance(k, str) and k.startswith("$") for k in data):
        return {k: _walk(v, path + (k,), context) for k, v in data.items()}
    if len(data) != 1:
        return data  # a `$` key among others: left alone and not searched further
    (key, value), = data.items()
    if key[1:] not in RESOLVERS:
        return data
    try:
        return _resolve(key, value, path, context)
    except _Failure as failure:
        context.failed = True
        context.problems.append(
            error(
                "placeholder",
                f"{'.'.join(map(str, path))}: {failure.message}",
                hint=failure.hint,
                file=context.file,
                line=context.positions.line(path),
                entity=context.entity,
                backstage=_WRAP + failure.backstage,
            )
        )
        return data


def _resolve(key: str, value: Any, path: FieldPath, context: PlaceholderContext) -> Any:
    if not isinstance(value, str):
        text = (f"Placeholder {key} expected a string value parameter, in the form of an "
                "absolute URL or a relative path")
        raise _Failure(text, f"Write a path or URL as the value, e.g. `{key}: ./openapi.yaml`.")
    place = _place_of(key, value, context)
    if place.url is not None:
        context.problems.append(_not_read(key, value, path, context))
        return value if key == "$text" else {}
    content = _read(key, value, place)
    if key == "$text":
        return content
    if key == "$json":
        return _parse_json(key, value, content)
    return _parse_yaml(key, value, content)


def _place_of(key: str, value: str, context: PlaceholderContext) -> Place:
    tree = context.tree
    if tree.location_type == "file" and not is_absolute_url(value):
        base = context.location.target
        raise _Failure(
            f"Placeholder {key} could not form a URL out of {base} and {value}, "
            "TypeError: Invalid URL",
            "Backstage resolves relative placeholders only for url locations. Playbill reads "
            "this folder as a plain file location; run it inside the Git repository, or list "
            "the repository in catalog_sources.yaml, so it is read as a url location.",
        )
    if is_absolute_url(value) and tree.web is not None and _other_repository(value, tree):
        raise _Failure(
            "Placeholder may only reference files from the same repository as the entity",
            f"Copy the file into this repository and point at it with a relative path "
            f"(e.g. `{key}: ./file`).",
        )
    place = resolve(value, tree, context.file_rel, context.trees)
    if place.problem:
        raise _Failure(
            f"Placeholder {key} could not read location {value}, {place.problem}",
            "Placeholders may only read files inside the same repository; remove the `..`.",
        )
    return place


def _other_repository(url: str, tree: SourceTree) -> bool:
    """Backstage refuses a placeholder URL on the entity's own Git host outside its repo."""
    base = tree.web.base
    return urlsplit(url).netloc == urlsplit(base).netloc and not url.startswith(base + "/")


def _read(key: str, value: str, place: Place) -> str:
    local = place.local
    if local is None or not local.is_file():
        raise _Failure(
            f"Placeholder {key} could not read location {value}, NotFoundError: "
            f"{place.path or '/'} does not exist in {place.tree.name or place.tree.root}",
            "Check the path: relative paths start from the entity file's folder, `/` from "
            "the repository root.",
        )
    return local.read_bytes().decode("utf-8", errors="replace")


def _parse_json(key: str, value: str, content: str) -> Any:
    try:
        return json.loads(content)
    except ValueError as exc:
        raise _Failure(
            f"Placeholder {key} failed to parse JSON data at {value}, SyntaxError: {exc}",
            f"Fix the JSON in {value}, or use $text to include it as a string.",
        ) from None


def _parse_yaml(key: str, value: str, content: str) -> Any:
    data, count, problem = parse_single(content)
    if count != 1:
        raise _Failure(
            f"Placeholder {key} expected to find exactly one document of data at {value}, "
            f"found {count}",
            f"Keep exactly one YAML document in {value} (no `---` separators).",
        )
    if problem is not None:
        raise _Failure(
            f"Placeholder {key} found an error in the data at {value}, {problem.backstage}",
            f"Fix the YAML in {value} (line {problem.line}).",
        )
    return data


def _not_read(key: str, value: str, path: FieldPath, context: PlaceholderContext) -> Problem:
    stand_in = "the URL itself" if key == "$text" else "an empty object {}"
    return warning(
        "placeholder-not-read",
        f"{'.'.join(map(str, path))}: {key} points at {value}, outside every source Playbill "
        f"reads; it was not fetched and {stand_in} stands in for its content",
        hint="List the repository that holds it in catalog_sources.yaml to have it read, "
        "or use a relative path to a file in this repository.",
        file=context.file,
        line=context.positions.line(path),
        entity=context.entity,
        backstage="accepted: Backstage fetches the URL when it processes the entity",
    )
