"""Reading a repository's `mkdocs.yml` without letting it run anything.

MkDocs parses its config with PyYAML's full `Loader`, which builds arbitrary Python objects
(`!!python/object/apply:os.system`), and reads environment variables through `!ENV`, where
a portal's CI keeps its tokens. So Playbill never hands a repository's file to MkDocs: it
reads it here with a safe loader in which every tag becomes an inert marker, and the
sanitiser (`mkdocsconfig.py`) decides what each marker may become.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class PythonName:
    """`!!python/name:module.attr`: a reference to a Python object, resolved only when
    it is on the allowlist (and then only in the worker that builds the site)."""

    name: str
    line: int


@dataclass(frozen=True)
class Tagged:
    """Any other tag (`!ENV`, `!relative`, `!!python/object/...`, a custom `!include`):
    `value` is what was written after the tag."""

    tag: str
    value: Any
    line: int


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when installed
    """SafeLoader that turns tags into markers instead of failing or executing."""


def _python_name(loader: _Loader, suffix: str, node: yaml.Node) -> PythonName:
    return PythonName(suffix, node.start_mark.line + 1)


def _any_tag(loader: _Loader, tag: str, node: yaml.Node) -> Tagged:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tagged(node.tag, value, node.start_mark.line + 1)


_Loader.add_multi_constructor("tag:yaml.org,2002:python/name:", _python_name)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _any_tag)
_Loader.add_multi_constructor("!", _any_tag)


def load(text: str) -> tuple[Any, dict[tuple, int]]:
    """The document as plain data (with markers for tags) and the 1-based line of every
    mapping key and sequence item, by path: `("plugins", 2)`, `("hooks",)`.

    Raises yaml.YAMLError (with a mark) on a syntax error.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        # From the node the lines come from: what yaml.load does, without parsing again.
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}
    _collect_lines(node, (), lines)
    return data, lines


def _collect_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                child = (*path, key.value)
                lines.setdefault(child, key.start_mark.line + 1)
                _collect_lines(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for number, item in enumerate(node.value):
            child = (*path, number)
            lines[child] = item.start_mark.line + 1
            _collect_lines(item, child, lines)
