"""fs:rename, fs:delete and fs:readdir: file moves inside the work folder.

Every path an action takes from a template goes through `safe_child`, Backstage's
`resolveSafeChildPath`: a template can name files only inside the work folder, never `../x`
nor `/etc/x`, so a template from another team cannot read or overwrite the runner's files.
"""

from __future__ import annotations

import os
import re
import shutil
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from generator.scaffold.actions.registry import ActionContext, ActionError, builtin

_MAGIC = re.compile(r"[*?\[{]")


def safe_child(root: Path, rel: Any, what: str = "path") -> Path:
    """`root / rel`, refusing absolute paths and any path that leaves `root` (symlinks
    included) with a message naming the value."""
    if not isinstance(rel, str):
        raise ActionError(f"{what} must be a string, got {type(rel).__name__}")
    if PurePosixPath(rel).is_absolute() or Path(rel).is_absolute():
        raise ActionError(
            f"{what} `{rel}` is absolute; it must be relative to the work folder"
        )
    base = root.resolve()
    target = (base / rel).resolve()
    if target != base and base not in target.parents:
        raise ActionError(
            f"{what} `{rel}` points outside the work folder; `..` may not leave it"
        )
    return target


def relative(root: Path, path: Path) -> str:
    """How a workspace path is shown in logs and outputs: `/`-separated, relative."""
    return path.relative_to(root.resolve()).as_posix() or "."


def has_magic(pattern: str) -> bool:
    return bool(_MAGIC.search(pattern))


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """globby's matching with `dot: true`: `**` crosses folders (hidden ones too), `*` and
    `?` stay in one, `[...]` and `{a,b}` work."""
    out, i = [], 0
    pattern = pattern[2:] if pattern.startswith("./") else pattern
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and pattern.find("]", i + 2) != -1:
            end = pattern.find("]", i + 2)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        elif pattern[i] == "{" and pattern.find("}", i) != -1:
            end = pattern.find("}", i)
            options = [glob_regex(o).pattern[: -len(r"\Z")] for o in pattern[i + 1 : end].split(",")]
            out.append("(?:" + "|".join(options) + ")")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def walk(root: Path) -> list[str]:
    """Every entry below `root` as globby lists it: relative, `/`-separated, folders with a
    trailing `/`, hidden ones included, symlinks not followed; sorted, parents first."""
    entries = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        rel = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        entries.extend(prefix + d + "/" for d in dirs)
        entries.extend(prefix + f for f in sorted(files))
    return sorted(entries)


def matching(entries: list[str], patterns: list[str]) -> set[str]:
    """The entries (from `walk`) some pattern matches; a pattern without a trailing `/` also
    matches a folder of that name, as globby's `markDirectories` does."""
    found = set()
    for pattern in patterns:
        regex = glob_regex(pattern.rstrip("/") or pattern)
        for entry in entries:
            if regex.match(entry.rstrip("/")):
                found.add(entry)
    return found


def _files_list(input: dict[str, Any]) -> list[Any]:
    files = input.get("files")
    if not isinstance(files, list):
        raise ActionError("files must be an Array")
    return files


RENAME_SCHEMA = {
    "type": "object",
    "required": ["files"],
    "properties": {
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["from", "to"],
                "properties": {
                    "from": {"type": "string"},
                    "to": {"type": "string"},
                    "overwrite": {"type": "boolean"},
                },
            },
        }
    },
}


@builtin("fs:rename", schema=RENAME_SCHEMA)
def rename(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Renames files and folders in the work folder.

    A missing source or an existing destination (without `overwrite: true`) fails the
    step, as fs-extra's `move` does in Backstage.
    """
    for entry in _files_list(input):
        if not isinstance(entry, dict) or not entry.get("from") or not entry.get("to"):
            raise ActionError("each file must have a from and to property")
        source = safe_child(ctx.workspace, entry["from"], "from")
        target = safe_child(ctx.workspace, entry["to"], "to")
        if not source.exists():
            raise ActionError(f"cannot rename `{entry['from']}`: no such file or folder")
        if target.exists():
            if not entry.get("overwrite", False):
                raise ActionError(
                    f"cannot rename `{entry['from']}` to `{entry['to']}`: the destination "
                    "exists (set `overwrite: true` to replace it)"
                )
            _remove(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(target))
        ctx.log(f"File {entry['from']} renamed to {entry['to']} successfully")
    return {}


DELETE_SCHEMA = {
    "type": "object",
    "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string"}}},
}


@builtin("fs:delete", schema=DELETE_SCHEMA)
def delete(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Deletes files and folders from the work folder; entries may be globs.

    Deleting something that does not exist is not an error (fs-extra's `remove`).
    """
    root = ctx.workspace.resolve()
    for pattern in _files_list(input):
        safe_child(ctx.workspace, pattern, "files entry")
        if has_magic(pattern):
            targets = [root / e for e in sorted(matching(walk(root), [pattern]), reverse=True)]
        else:
            targets = [safe_child(ctx.workspace, pattern, "files entry")]
        for target in targets:
            if target.exists() or target.is_symlink():
                _remove(target)
                ctx.log(f"File {relative(root, target)} deleted successfully")
    return {}


READDIR_SCHEMA = {
    "type": "object",
    "required": ["paths"],
    "properties": {
        "paths": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "recursive": {"type": "boolean"},
    },
}


@builtin("fs:readdir", schema=READDIR_SCHEMA)
def readdir(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Lists files and folders of the work folder: outputs `files` and `folders`, each a
    list of `{name, path, fullPath}` with `path` relative to the work folder."""
    paths = input.get("paths")
    if not isinstance(paths, list):
        raise ActionError("paths must be an Array")
    root = ctx.workspace.resolve()
    files, folders = [], []
    for rel in paths:
        start = safe_child(ctx.workspace, rel, "paths entry")
        if not start.is_dir():
            raise ActionError(f"cannot read folder `{rel}`: no such folder")
        children = start.rglob("*") if input.get("recursive") else start.iterdir()
        for child in sorted(children):
            element = {"name": child.name, "path": relative(root, child), "fullPath": str(child)}
            (folders if child.is_dir() and not child.is_symlink() else files).append(element)
    return {"files": files, "folders": folders}


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
