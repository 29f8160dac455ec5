"""Glob patterns over a folder, the way node-glob and Git hosts' search read them.

Catalog globs (`catalog-info.yaml`, `**/catalog-info.yaml`, `./services/*.yml`) and
Location targets share one matcher: `**` crosses folders, `*` and `?` stay within one,
`[...]` and `{a,b}` work, and hidden folders are skipped unless the pattern names them
(node-glob's default). Results are sorted so every run reads files in the same order.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

_MAGIC = re.compile(r"[*?\[{]")


def has_magic(pattern: str) -> bool:
    return bool(_MAGIC.search(pattern))


def expand(base: Path, pattern: str) -> list[Path]:
    """Files under `base` matching `pattern` (relative, `/`-separated), sorted.

    A pattern without wildcards names one file: it is returned if it exists, so the caller
    can tell "missing" from "matched nothing" by checking `has_magic` itself.
    """
    pattern = _clean(pattern)
    if not has_magic(pattern):
        path = base / pattern
        return [path] if path.is_file() else []
    literal = _literal_prefix(pattern)
    start = base / literal if literal else base
    if not start.is_dir():
        return []
    regex = _compile(pattern)
    dotfiles = pattern.rsplit("/", 1)[-1].startswith(".")
    found = []
    for folder, dirs, files in os.walk(start):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_folder = Path(folder).relative_to(base).as_posix()
        prefix = "" if rel_folder == "." else rel_folder + "/"
        for name in files:
            if (dotfiles or not name.startswith(".")) and regex.match(prefix + name):
                found.append(Path(folder) / name)
    return sorted(found)


def _clean(pattern: str) -> str:
    """`./a/b` and `a//b` are `a/b`; a leading `/` is the base folder itself."""
    parts = [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def _literal_prefix(pattern: str) -> str:
    """The folders before the first wildcard: the only part of the tree worth walking."""
    literal = []
    for part in pattern.split("/")[:-1]:
        if has_magic(part):
            break
        literal.append(part)
    return "/".join(literal)


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/.][^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append("(?:[^/.][^/]*(?:/[^/.][^/]*)*)?")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(char))
                i += 1
            else:
                # Inside a class only `\` and `[` need escaping for `re`; `!` negates.
                body = pattern[i + 1 : end].replace("\\", "\\\\").replace("[", "\\[")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        elif char == "{":
            end = pattern.find("}", i)
            if end == -1:
                out.append(re.escape(char))
                i += 1
            else:
                options = pattern[i + 1 : end].split(",")
                out.append("(?:" + "|".join(_compile_part(o) for o in options) + ")")
                i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _compile_part(text: str) -> str:
    return _compile(text).pattern[: -len(r"\Z")]
