"""fetch:plain, fetch:plain:file, fetch:template and fetch:template:file.

Skeletons are read from the template's own repository: `url: ./skeleton` resolves against
the template file's folder, as Backstage resolves it against the template's location.
Playbill never downloads: an `https://` URL into the template's own repository (known from
its `origin` remote) is read from the checkout, any other fails with a message saying so
(Backstage would fetch it through its URL readers). A relative URL may climb out of the template's folder
(`../../skeletons/x` is common) but not out of the Git work tree that holds the template.

fetch:template follows Backstage's `templateActionHandler`: every path is rendered (so
`${{ values.name }}/README.md` works), and a path that renders empty or to `a//b` is skipped;
file contents are rendered unless `copyWithoutTemplating` matches them or, with
`templateFileExtension`, they lack the extension (which is then stripped); binary files and
symlinks are copied as they are; existing files are kept unless `replace: true`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pygit2

from generator.model.scm import web_for
from generator.scaffold.actions.fs import matching, safe_child, walk
from generator.scaffold.actions.registry import ActionContext, ActionError, builtin

TEMPLATE_EXTENSION = ".njk"


def resolve_url(ctx: ActionContext, url: Any) -> Path:
    """Where a skeleton `url` points on disk, refusing downloads and escapes."""
    if not isinstance(url, str) or not url.strip():
        raise ActionError("url must be a non-empty string")
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(unquote(parts.path)).resolve()
    if parts.scheme:
        local = _same_repository(ctx.base_dir.resolve(), url)
        if local is None:
            raise ActionError(
                f"url `{url}` is remote; Playbill reads skeletons from the template's own "
                "repository, so use a path relative to the template file such as ./skeleton"
            )
        ctx.log(f"Reading {url} from the template's own checkout")
        return local
    if Path(url).is_absolute():
        raise ActionError(f"url `{url}` is absolute; use a path relative to the template file")
    base = ctx.base_dir.resolve()
    target = (base / url).resolve()
    root = _work_tree(base)
    if root is not None and target != root and root not in target.parents:
        raise ActionError(f"url `{url}` points outside the repository that holds the template")
    return target


def _same_repository(base: Path, url: str) -> Path | None:
    """A `https://github.com/o/r/tree/<ref>/<path>` URL into the repository that holds the
    template (known from its `origin` remote), as the path in the local checkout."""
    root = _work_tree(base)
    if root is None:
        return None
    repo = pygit2.Repository(str(root))
    if "origin" not in [remote.name for remote in repo.remotes]:
        return None
    web = web_for(repo.remotes["origin"].url, "HEAD")
    if web is None or not url.startswith(web.base + "/"):
        return None
    rest = url[len(web.base) + 1 :].split("?")[0].strip("/").split("/")
    for marker in (["tree"], ["blob"], ["-", "tree"], ["-", "blob"], ["src", "branch"], ["src"]):
        if rest[: len(marker)] == marker and len(rest) > len(marker):
            local = (root / "/".join(rest[len(marker) + 1 :])).resolve()
            return local if local == root or root in local.parents else None
    return None


def _work_tree(folder: Path) -> Path | None:
    found = pygit2.discover_repository(str(folder))
    if not found:
        return None
    workdir = pygit2.Repository(found).workdir
    return Path(workdir).resolve() if workdir else None


def _target(ctx: ActionContext, input: dict[str, Any], default: str | None = "./") -> Path:
    target = input.get("targetPath", default)
    if target is None:
        raise ActionError("targetPath is required")
    return safe_child(ctx.workspace, target, "targetPath")


def _existing(path: Path, url: str, kind: str) -> Path:
    if kind == "folder" and not path.is_dir():
        raise ActionError(f"url `{url}` is not a folder (looked at {path})")
    if kind == "file" and not path.is_file():
        raise ActionError(f"url `{url}` is not a file (looked at {path})")
    return path


PLAIN_SCHEMA = {
    "type": "object",
    "required": ["url"],
    "properties": {"url": {"type": "string"}, "targetPath": {"type": "string"}, "token": {"type": "string"}},
}


@builtin("fetch:plain", schema=PLAIN_SCHEMA)
def fetch_plain(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Copies a folder into the work folder (`targetPath`, default its root) unchanged."""
    source = _existing(resolve_url(ctx, input.get("url")), input["url"], "folder")
    target = _target(ctx, input)
    ctx.log(f"Fetching plain content from {input['url']}")
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    return {}


PLAIN_FILE_SCHEMA = {
    "type": "object",
    "required": ["url", "targetPath"],
    "properties": {"url": {"type": "string"}, "targetPath": {"type": "string"}, "token": {"type": "string"}},
}


@builtin("fetch:plain:file", schema=PLAIN_FILE_SCHEMA)
def fetch_plain_file(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Copies one file to `targetPath` in the work folder unchanged."""
    source = _existing(resolve_url(ctx, input.get("url")), input["url"], "file")
    target = _target(ctx, input, default=None)
    ctx.log(f"Fetching plain file from {input['url']}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return {}


TEMPLATE_SCHEMA = {
    "type": "object",
    "required": ["url"],
    "properties": {
        "url": {"type": "string"},
        "targetPath": {"type": "string"},
        "values": {"type": "object"},
        "copyWithoutRender": {"type": "array", "items": {"type": "string"}},
        "copyWithoutTemplating": {"type": "array", "items": {"type": "string"}},
        "cookiecutterCompat": {"type": "boolean"},
        "templateFileExtension": {"type": ["string", "boolean"]},
        "replace": {"type": "boolean"},
        "trimBlocks": {"type": "boolean"},
        "lstripBlocks": {"type": "boolean"},
        "token": {"type": "string"},
    },
}


@builtin("fetch:template", schema=TEMPLATE_SCHEMA)
def fetch_template(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Copies a skeleton folder into the work folder, rendering paths and contents with
    `values` (`${{ values.x }}`, or `{{ cookiecutter.x }}` with `cookiecutterCompat`)."""
    copy_only, render_names, extension = _settings(input)
    source = _existing(resolve_url(ctx, input.get("url")), input["url"], "folder")
    target = _target(ctx, input)
    if target == source or source in target.parents:
        raise ActionError("targetPath must not be within template path")
    render = _renderer(input)
    entries = walk(source)
    plain = matching(entries, copy_only or [])
    ctx.log(f"Processing {len(entries)} template files/directories with input values")
    for entry in entries:
        out, contents = _output_path(entry, render, plain, render_names, extension)
        if out == "" or out.startswith("/") or "//" in out:
            continue  # a path segment rendered empty: Backstage skips the entry
        _write_entry(ctx, source / entry.rstrip("/"), safe_child(target, out, "rendered path"),
                     entry, contents and render, bool(input.get("replace")))
    ctx.log(f"Template result written to {target.relative_to(ctx.workspace.resolve()).as_posix() or '.'}")
    return {}


def _settings(input: dict[str, Any]) -> tuple[list[str] | None, bool, str | None]:
    """(copy-only patterns, whether their names are still rendered, template extension)."""
    if input.get("copyWithoutRender") and input.get("copyWithoutTemplating"):
        raise ActionError("Fetch action input copyWithoutRender and copyWithoutTemplating "
                          "can not be used at the same time")
    copy_only = input.get("copyWithoutTemplating") or input.get("copyWithoutRender")
    render_names = not input.get("copyWithoutRender")
    if copy_only is not None and not isinstance(copy_only, list):
        raise ActionError("Fetch action input copyWithoutRender/copyWithoutTemplating must be an Array")
    extension = input.get("templateFileExtension")
    if extension and (copy_only or input.get("cookiecutterCompat")):
        raise ActionError("Fetch action input extension incompatible with copyWithoutRender/"
                          "copyWithoutTemplating and cookiecutterCompat")
    if extension:
        extension = TEMPLATE_EXTENSION if extension is True else str(extension)
        extension = extension if extension.startswith(".") else "." + extension
    return copy_only, render_names, extension or None


def _output_path(entry, render, plain, render_names, extension) -> tuple[str, bool]:
    """The rendered relative output path of a skeleton entry, and whether to render its text."""
    path = entry
    if extension:
        contents = path.endswith(extension)
        if contents:
            path = path[: -len(extension)]
        return render(path), contents
    contents = entry not in plain
    return (render(path) if render_names or contents else path), contents


def _renderer(input: dict[str, Any]):
    """A text renderer over `values` (or `cookiecutter`), with every template filter."""
    from generator.scaffold.expressions import Renderer

    compat = bool(input.get("cookiecutterCompat"))
    context = {"cookiecutter" if compat else "values": input.get("values") or {}}
    renderer = Renderer(context, {}, cookiecutter_compat=compat,
                        trim_blocks=bool(input.get("trimBlocks")),
                        lstrip_blocks=bool(input.get("lstripBlocks")))

    def render(text: str) -> str:
        try:
            return renderer.render_text(text)
        except Exception as failure:  # the engine's own syntax and filter errors
            raise ActionError(f"cannot render: {failure}") from None

    return render


def _write_entry(ctx, source: Path, target: Path, entry: str, render, replace: bool) -> None:
    if target.exists() and not replace:
        return
    if entry.endswith("/"):
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink() or _is_binary(source) or not render:
        if target.is_symlink() or target.exists():
            target.unlink()
        shutil.copy2(source, target, follow_symlinks=False)
        return
    text = source.read_text(encoding="utf-8")
    try:
        target.write_text(render(text), encoding="utf-8")
    except ActionError as failure:
        raise ActionError(f"{entry}: {failure}") from None
    shutil.copymode(source, target)


def _is_binary(path: Path) -> bool:
    """isbinaryfile's rule of thumb: a NUL byte, or bytes that are not UTF-8 text."""
    head = path.read_bytes()[:8192]
    if b"\0" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as failure:
        return failure.start < len(head) - 4  # a character cut at the 8 KiB boundary is fine
    return False


TEMPLATE_FILE_SCHEMA = {
    "type": "object",
    "required": ["url", "targetPath"],
    "properties": {
        "url": {"type": "string"},
        "targetPath": {"type": "string"},
        "values": {"type": "object"},
        "cookiecutterCompat": {"type": "boolean"},
        "replace": {"type": "boolean"},
        "trimBlocks": {"type": "boolean"},
        "lstripBlocks": {"type": "boolean"},
        "token": {"type": "string"},
    },
}


@builtin("fetch:template:file", schema=TEMPLATE_FILE_SCHEMA)
def fetch_template_file(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Renders one skeleton file with `values` and writes it to `targetPath`."""
    source = _existing(resolve_url(ctx, input.get("url")), input["url"], "file")
    target = _target(ctx, input, default=None)
    if target.exists() and not input.get("replace"):
        ctx.log(f"{input['targetPath']} exists; keeping it (set replace: true to overwrite)")
        return {}
    ctx.log(f"Fetching template file from {input['url']}")
    _write_entry(ctx, source, target, source.name, _renderer(input), True)
    return {}
