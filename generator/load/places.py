"""Where a relative path or URL written in a catalog file points, among the source trees.

Backstage resolves `$text` values and Location targets with the SCM integration against
the URL of the file that holds them: `./x` and `x` are relative to the file's folder, `/x`
to the repository root, and absolute URLs pass through. Playbill reads Git clones, so it
resolves the same way inside the clone, and reads an absolute URL locally when it points
into one of the trees it was given. Nothing is ever read outside a tree's root.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urlsplit

from generator.model.source import SourceTree

_ABSOLUTE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(frozen=True)
class Place:
    """A resolved reference: a path inside `tree` (may hold glob characters), or an
    absolute `url` outside every tree, or the reason it cannot be resolved."""

    tree: SourceTree | None = None
    path: str | None = None  # `/`-separated, relative to tree.root
    url: str | None = None
    problem: str | None = None

    @property
    def local(self) -> Path | None:
        if self.tree is None or self.path is None:
            return None
        return self.tree.root / self.path if self.path else self.tree.root


def is_absolute_url(value: str) -> bool:
    return bool(_ABSOLUTE_URL.match(value)) and not _WINDOWS_PATH.match(value)


def resolve(value: str, tree: SourceTree, file_rel: str, trees: Sequence[SourceTree]) -> Place:
    """Resolve `value` written in the file at `file_rel` (relative to `tree.root`)."""
    if is_absolute_url(value):
        return find_url(value, trees)
    value = value.split("#", 1)[0].split("?", 1)[0]
    if value.startswith("/"):
        joined = value.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(file_rel), value)
    return inside(tree, joined, value)


def inside(tree: SourceTree, joined: str, value: str) -> Place:
    """`joined` normalised, refused when it climbs out of the tree with `..`."""
    normal = posixpath.normpath(joined) if joined else "."
    if normal == ".." or normal.startswith("../"):
        return Place(problem=f"{value} points outside the repository {tree.name or tree.root}")
    return Place(tree, "" if normal == "." else normal)


def find_url(url: str, trees: Sequence[SourceTree]) -> Place:
    """The tree (and path in it) that an absolute URL points into, else the bare URL."""
    for tree in trees:
        if tree.web is not None:
            path = tree.web.path_of(url)
            if path is not None:
                return inside(tree, path, url)
    if url.startswith("file:"):
        local = Path(unquote(urlsplit(url).path))
        for tree in trees:
            if tree.contains(local):
                rel = tree.relpath(local)
                return Place(tree, "" if rel == "." else rel)
    return Place(url=url)
