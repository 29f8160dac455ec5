"""Recently changed entities: the newest commits that touched the files entities live in.

"Recent" is a property of the Git history, not of the clock, so the home page stays
byte-identical for the same commits. Trees that are not Git repositories have no history
and contribute nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pygit2

from generator.model.catalog import Catalog
from generator.model.entity import Entity
from generator.model.source import SourceTree

#: How far back to look: a bound on work for huge histories, not a promise.
MAX_COMMITS = 400
_ORDER = pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.TIME


@dataclass(frozen=True)
class Change:
    """The last commit (within MAX_COMMITS) that touched an entity's file."""

    ref: str
    commit: str
    date: str  # committer date, YYYY-MM-DD (UTC)
    summary: str
    author: str
    time: int


def recently_changed(catalog: Catalog, limit: int = 10) -> list[Change]:
    """Up to `limit` entities whose files changed most recently, newest first.

    Ties (one commit touching many files) are broken by ref, so the list is stable.
    """
    changes: list[Change] = []
    by_source: dict[str, list[tuple[str, Entity]]] = {}
    for ref, entity in catalog.entities.items():  # once, not once per tree
        by_source.setdefault(entity.document.source, []).append((ref, entity))
    for tree in catalog.trees:
        files = _files_of(tree, [*by_source.get(tree.name, ()), *by_source.get("", ())])
        if files and tree.commit:
            changes += _changes_in(tree, files, limit)
    changes.sort(key=lambda c: (-c.time, c.ref))
    seen: set[str] = set()
    unique = [c for c in changes if not (c.ref in seen or seen.add(c.ref))]
    return unique[:limit]


def _files_of(tree: SourceTree, entities: list[tuple[str, Entity]]) -> dict[str, list[str]]:
    """Entity refs by the path of their file inside `tree`, for `entities` (those read
    from it or from no named source)."""
    by_path: dict[str, list[str]] = {}
    try:
        root = os.path.join(tree.resolved_root, "")  # with its final separator
    except OSError:
        return by_path
    for ref, entity in entities:
        path = entity.document.path
        if path is None:
            continue
        # `tree.relpath(path)` as plain text: the loader stores documents' paths resolved,
        # and resolving 10,000 of them again took most of this page's time.
        text = str(path)
        if text.startswith(root):
            by_path.setdefault(text[len(root):].replace(os.sep, "/"), []).append(ref)
    return by_path


def _changes_in(tree: SourceTree, files: dict[str, list[str]], limit: int) -> list[Change]:
    """Walk the history from the tree's pinned commit, newest first, until `limit`
    entities are found; each path is claimed by the first (newest) commit changing it."""
    try:
        repo = pygit2.Repository(str(tree.root))
        start = repo.get(tree.commit)
    except (pygit2.GitError, KeyError, ValueError):
        return []
    if start is None:
        return []
    prefix = _prefix(repo, tree)
    wanted = {prefix + rel: refs for rel, refs in files.items()}
    found: list[Change] = []
    claimed: set[str] = set()
    for count, commit in enumerate(repo.walk(start.id, _ORDER)):
        if count >= MAX_COMMITS or len(found) >= limit:
            break
        touched = _touched(commit, wanted)
        about = _about(commit) if touched else ()  # once for all the refs it touched
        for path in touched:
            if path not in claimed:
                claimed.add(path)
                # A commit's changes tie on time and then sort by ref, so past the first
                # `limit` refs of a file none can make the list (a file may hold hundreds).
                found += [Change(ref, *about) for ref in sorted(wanted[path])[:limit]]
    return found


def _prefix(repo: pygit2.Repository, tree: SourceTree) -> str:
    """The tree's root inside the repository (`""` when it is the work tree itself)."""
    workdir = Path(repo.workdir or "").resolve()
    try:
        rel = tree.resolved_root.relative_to(workdir).as_posix()
    except ValueError:
        return ""
    return "" if rel == "." else rel + "/"


def _touched(commit: pygit2.Commit, wanted: dict[str, list[str]]) -> list[str]:
    """Wanted paths that differ between `commit` and its first parent (or that it adds).

    A tree diff only descends into folders whose ids changed, so this costs what the
    commit changed, not what the repository holds.
    """
    if commit.parents:
        diff = commit.parents[0].tree.diff_to_tree(commit.tree)
    else:
        diff = commit.tree.diff_to_tree(swap=True)
    paths = {delta.new_file.path for delta in diff.deltas}
    return sorted(paths & wanted.keys())


def _about(commit: pygit2.Commit) -> tuple[str, str, str, str, int]:
    """A Change's fields after `ref`: commit id, date, summary, author and time."""
    moment = datetime.fromtimestamp(commit.commit_time, tz=timezone.utc)
    message = commit.message.strip()
    return (str(commit.id), moment.strftime("%Y-%m-%d"),
            message.splitlines()[0] if message else "", commit.author.name,
            commit.commit_time)
