"""Keeping every path a MkDocs config names inside its repository.

`docs_dir`, `theme.custom_dir`, `pymdownx.snippets` base paths, emoji `custom_icons` and
monorepo `!include` targets may point anywhere on the machine that builds the portal;
Backstage's TechDocs refuses `../` and absolute paths for them, and so does Playbill:
each is resolved against the docs project and must stay inside the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable

#: What a sanitising step returns for a value that is left out.
DROP = object()


@dataclass
class Context:
    """One config being sanitised: its docs project, the repository that confines it,
    the opt-ins (`mkdocsconfig.Allow`), the line of every key, and how to report."""

    project: Path
    repo_root: Path
    allow: Any
    lines: dict[tuple, int]
    report: Callable[..., None]


def snippets(options: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Snippet base paths as absolute folders inside the repository (the default, ".",
    means the docs project), never the working directory of the build."""
    bases = options.get("base_path", ["."])
    bases = [bases] if isinstance(bases, str) else list(bases or ["."])
    kept = []
    for base in bases:
        folder = inside(ctx.project, base, ctx.repo_root)
        if folder is None:
            ctx.report("docs-path-outside", f"pymdownx.snippets base_path `{base}` is outside "
                       "the repository and is ignored", ("markdown_extensions",),
                       hint="snippets may only include files of the same repository")
        else:
            kept.append(str(folder))
    return {**options, "base_path": kept or [str(ctx.project)], "restrict_base_path": True,
            "url_download": False}


def custom_icons(options: dict[str, Any], ctx: Context) -> dict[str, Any]:
    icons = options.get("options", {}).get("custom_icons", [])
    kept = [str(f) for f in (inside(ctx.project, p, ctx.repo_root) for p in icons) if f]
    if len(kept) != len(icons):
        ctx.report("docs-path-outside", "pymdownx.emoji custom_icons outside the repository "
                   "are ignored", ("markdown_extensions",))
    return {**options, "options": {**options.get("options", {}), "custom_icons": kept}}


def nav(entry: Any, path: tuple, ctx: Context) -> Any:
    """Monorepo `!include path/mkdocs.yml` entries must point inside the repository."""
    if isinstance(entry, list):
        items = [nav(item, (*path, n), ctx) for n, item in enumerate(entry)]
        return [item for item in items if item is not DROP]
    if isinstance(entry, dict):
        kept = {k: nav(v, (*path, k), ctx) for k, v in entry.items()}
        return {k: v for k, v in kept.items() if v is not DROP} or DROP
    if isinstance(entry, str) and entry.startswith("!include"):
        target = entry[len("!include"):].strip()
        if inside(ctx.project, target, ctx.repo_root) is None:
            ctx.report("docs-path-outside", f"nav `{entry}` includes a file outside the "
                       "repository and is dropped", path,
                       hint="monorepo includes must stay inside the repository")
            return DROP
    return entry


def docs_dir(config: dict[str, Any], ctx: Context) -> Path | None:
    value = config.get("docs_dir", "docs")
    folder = inside(ctx.project, value, ctx.repo_root) if isinstance(value, str) else None
    if folder is None:
        ctx.report("docs-dir-outside", f"docs_dir `{value}` must be a relative path inside "
                   "the repository (no `..`, not absolute)", ("docs_dir",),
                   hint="move the docs into the repository and point docs_dir at them",
                   fatal=True)
    return folder


def inside(base: Path, text: Any, repo_root: Path) -> Path | None:
    """`base/text` when `text` is relative and stays inside `repo_root`, else None."""
    if not isinstance(text, str) or not text.strip():
        return None
    pure = PurePosixPath(text.strip())
    if pure.is_absolute() or text.strip().startswith("\\") or ":" in (pure.parts or ("",))[0]:
        return None
    target = (base / pure).resolve()
    try:
        target.relative_to(repo_root.resolve())
    except ValueError:
        return None
    return target
