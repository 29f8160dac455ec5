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

import yaml

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
    if isinstance(entry, str) and entry.startswith("*include"):
        ctx.report("docs-include-dropped", f"nav `{entry}`: wildcard includes are not "
                   "built", path, hint="list each included mkdocs.yml with `!include`")
        return DROP
    if isinstance(entry, str) and entry.startswith("!include"):
        target = inside(ctx.project, entry[len("!include"):].strip(), ctx.repo_root)
        if target is None:
            ctx.report("docs-path-outside", f"nav `{entry}` includes a file outside the "
                       "repository and is dropped", path,
                       hint="monorepo includes must stay inside the repository")
            return DROP
        why = included_problem(target, ctx.repo_root)
        if why:
            ctx.report("docs-include-dropped", f"nav `{entry}` is dropped: {why}", path,
                       hint="keep included configs to plain YAML inside the repository")
            return DROP
    return entry


def included_problem(config: Path, repo_root: Path) -> str | None:
    """Why a monorepo-included config must not be read, or None. The monorepo plugin reads
    it with MkDocs' YAML loader, which would build Python objects and read `!ENV`; so it
    must hold no tag at all, and its docs_dir must stay inside the repository."""
    from generator.docs.yamlsafe import PythonName, Tagged, load

    try:
        data, _ = load(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return f"it cannot be read ({exc})"
    except yaml.YAMLError as exc:
        return f"it is not valid YAML ({str(exc).splitlines()[0]})"
    if _has_tag(data, (PythonName, Tagged)):
        return "it uses YAML tags (python names, !ENV, ...)"
    docs = data.get("docs_dir", "docs") if isinstance(data, dict) else "docs"
    if inside(config.parent, docs, repo_root) is None:
        return f"its docs_dir `{docs}` is outside the repository"
    return None


def _has_tag(value: Any, markers: tuple[type, ...]) -> bool:
    if isinstance(value, markers):
        return True
    if isinstance(value, dict):
        return any(_has_tag(item, markers) for item in value.values())
    if isinstance(value, list):
        return any(_has_tag(item, markers) for item in value)
    return False


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
