"""Rewrite an entity's `spec.owner` in its YAML file, and nothing else.

ruamel.yaml's round-trip loader says where the value starts (line and column), but dumping
its tree back can still re-indent, re-wrap or re-quote other lines. So the new value is
spliced into the original text at that place instead: comments, order, quoting, anchors
and every other byte stay as they were, and the edited file is read again with
Backstage's YAML rules to prove only the owner changed.
"""

from __future__ import annotations

import re

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from generator import yaml12
from generator.model.ref import DEFAULT_NAMESPACE, EntityRef

# Node properties that may stand before a scalar: an anchor (`&team`) or a tag (`!!str`).
_PROPERTY = re.compile(r"(?:&[^\s,\[\]{}]+|![^\s,\[\]{}]*)[ \t]+")
_KEY = re.compile(r"""(?:owner|"owner"|'owner')[ \t]*:[ \t]*""")
_ALIAS = re.compile(r"\*[^\s,\[\]{}]+")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE = re.compile(r'"([^"\\]*)"')
_PLAIN_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]*")
# What may follow a plain scalar on its line: the end, a comment, a flow separator.
_PLAIN_END = re.compile(r"[ \t]*(?:$|\r$|#|[,\]}])")


class EditError(Exception):
    """The file cannot be edited safely; the message says why, in terms of the file."""


def set_owner(text: str, entity: EntityRef, owner: str) -> tuple[str, int]:
    """`text` with the `spec.owner` of `entity` set to `owner`, and the (1-based) line
    that changed. Raises EditError when the value cannot be replaced on one line."""
    spec = _spec_of(_documents(text), entity)
    try:  # the key's place: for an alias, the value's place is where its anchor is
        line, column = spec.lc.key("owner")
    except (KeyError, TypeError):
        raise EditError(f"{entity} has no spec.owner of its own to change") from None
    lines = text.split("\n")
    key = _KEY.match(lines[line], column)
    if key is None or key.end() == len(lines[line].rstrip("\r")):
        raise EditError(f"spec.owner at line {line + 1} does not have its value on the same "
                        f"line; change it by hand")
    lines[line] = _replace_value(lines[line], key.end(), str(spec["owner"]), owner, line + 1)
    edited = "\n".join(lines)
    _check(text, edited, entity, owner)
    return edited, line + 1


def _documents(text: str) -> list:
    try:
        return list(YAML(typ="rt").load_all(text))
    except YAMLError as exc:
        raise EditError(f"the file does not parse: {exc}".replace("\n", " ")) from None


def _spec_of(documents: list, entity: EntityRef) -> CommentedMap:
    found = [doc for doc in documents if _ref_of(doc) == entity]
    if not found:
        raise EditError(f"no document in the file defines {entity}")
    if len(found) > 1:
        raise EditError(f"{len(found)} documents in the file define {entity}")
    spec = found[0].get("spec")
    if not isinstance(spec, CommentedMap) or "owner" not in spec:
        raise EditError(f"{entity} has no spec.owner to change")
    return spec


def _ref_of(doc: object) -> EntityRef | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("metadata"), dict):
        return None
    kind, metadata = doc.get("kind"), doc["metadata"]
    name, namespace = metadata.get("name"), metadata.get("namespace") or DEFAULT_NAMESPACE
    if not all(isinstance(x, str) for x in (kind, name, namespace)):
        return None
    return EntityRef(kind, namespace, name)


def _replace_value(line: str, column: int, old: str, owner: str, number: int) -> str:
    """The line with the scalar (or alias) at `column` replaced, in the same quoting."""
    alias = _ALIAS.match(line, column)
    if alias:  # `owner: *team`: the anchor stays for whoever else uses it
        return line[:column] + _render(owner, "") + line[alias.end():]
    start = column
    while found := _PROPERTY.match(line, start):
        start = found.end()
    quote = line[start:start + 1] if line[start:start + 1] in ("'", '"') else ""
    end = _scalar_end(line, start, quote, old)
    if end is None:
        raise EditError(f"spec.owner at line {number} is not a one-line value Playbill can "
                        f"rewrite safely ({line.strip()!r}); change it by hand")
    return line[:start] + _render(owner, quote) + line[end:]


def _scalar_end(line: str, start: int, quote: str, old: str) -> int | None:
    """Where the value `old` written at `start` ends, or None if it is not all there."""
    if quote == "'":
        found = _SINGLE.match(line, start)
        return found.end() if found and found.group(1).replace("''", "'") == old else None
    if quote == '"':
        found = _DOUBLE.match(line, start)
        return found.end() if found and found.group(1) == old else None
    end = start + len(old)
    if line[start:end] != old or not _PLAIN_END.match(line, end):
        return None
    return end


def _render(owner: str, quote: str) -> str:
    if quote == '"' or (not quote and not _PLAIN_SAFE.fullmatch(owner)):
        return '"' + owner.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if quote == "'":
        return "'" + owner.replace("'", "''") + "'"
    return owner


def _check(before: str, after: str, entity: EntityRef, owner: str) -> None:
    """Read both texts as Backstage does: the entity's owner is the new one, and every
    other document is unchanged."""
    old, new = yaml12.parse_documents(before), yaml12.parse_documents(after)
    if len(old) != len(new) or any(doc.error for doc in new):
        raise EditError("the edit would break the file's YAML; change it by hand")
    for was, now in zip(old, new):
        if _ref_of(was.data) != entity:
            if was.data != now.data:
                raise EditError("the edit would change another document; change it by hand")
        elif not isinstance(now.data.get("spec"), dict) or now.data["spec"].get("owner") != owner:
            raise EditError("the edit did not set spec.owner; change it by hand")
