"""A repository's MkDocs config, found as Backstage finds it and made safe to build.

Backstage's generator (`@backstage/plugin-techdocs-node` 2.x, see ../shared/spec/techdocs.md
C2) looks for `mkdocs.yaml` before `mkdocs.yml`, writes a default config when there is
neither, and rewrites the config to allowlists before building, because building docs
from many repositories must not run their code. Playbill does the same here:

* top-level keys outside the allowlist (`hooks`, `extra_javascript`, `INHERIT`, ...) are
  dropped; so are plugins outside the allowlist, Markdown extensions that are neither
  Python-Markdown's nor pymdownx's nor the bundle's, `!!python/name` tags other than the
  emoji and superfences functions, `!ENV` (the CI's environment holds tokens) and every
  other tag: each with a warning naming the line, unless Playbill's config opts in;
* `docs_dir`, `theme.custom_dir`, `pymdownx.snippets` base paths and monorepo `!include`
  targets must stay inside the repository;
* `techdocs-core` is appended (as Backstage does) and expanded (`techdocs_core.py`);
  plugins and extensions that are not installed are dropped with a warning, so the site
  still builds.

The result is plain data (tags as `"!!python/name:…"` strings) so it can be hashed for
the cache and sent to a worker process.
"""

from __future__ import annotations

import functools
import os
import shutil
from dataclasses import dataclass, field
from importlib import metadata, util as importlib_util
from pathlib import Path
from typing import Any, Callable

import yaml

from generator.docs import confine, techdocs_core
from generator.docs.confine import DROP, Context
from generator.docs.yamlsafe import PythonName, Tagged, load
from generator.model.problem import Problem, error, note, warning

CONFIG_NAMES = ("mkdocs.yaml", "mkdocs.yml")

ALLOWED_KEYS = frozenset({
    "site_name", "site_description", "site_author", "site_url", "repo_url", "repo_name",
    "edit_uri", "edit_uri_template", "docs_dir", "site_dir", "nav", "exclude_docs",
    "not_in_nav", "theme", "plugins", "markdown_extensions", "extra", "extra_css",
    "use_directory_urls", "strict", "dev_addr", "watch", "copyright", "remote_branch",
    "remote_name", "validation", "google_analytics",
})
ALLOWED_PLUGINS = frozenset({techdocs_core.NAME, "search", "material/search", "redirects",
                             "group", "material/group"})
MARKDOWN_BUILTINS = frozenset({
    "abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code",
    "footnotes", "legacy_attrs", "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists",
    "smarty", "tables", "toc", "wikilinks",
})
ALLOWED_EXTENSIONS = frozenset({"markdown_inline_graphviz", "plantuml_markdown",
                                "mdx_truly_sane_lists"})
ALLOWED_PYTHON_NAMES = frozenset({
    "material.extensions.emoji.to_svg", "material.extensions.emoji.twemoji",
    "pymdownx.emoji.to_svg", "pymdownx.emoji.to_png", "pymdownx.emoji.to_png_sprite",
    "pymdownx.emoji.to_svg_sprite", "pymdownx.emoji.to_alt", "pymdownx.emoji.twemoji",
    "pymdownx.emoji.gemoji", "pymdownx.emoji.emojione",
    "pymdownx.superfences.fence_code_format", "pymdownx.superfences.fence_div_format",
})
#: Extensions that run a program to draw (never a server: plantuml_markdown's `server`
#: option would fetch over the network, and the build fetches nothing).
NEEDS_PROGRAM = {"plantuml_markdown": "plantuml", "markdown_inline_graphviz": "dot"}
CUSTOM_DIR = "theme.custom_dir"  # the opt-in name for theme template overrides
#: Keys Playbill sets itself, whatever the repository says.
FORCED = {"use_directory_urls": False}  # page.html beside page.md: relative links in raw
#                                         HTML work, and so does file://
PYTHON_NAME = "!!python/name:"


@dataclass(frozen=True)
class Allow:
    """Playbill config's opt-ins, like Backstage's `dangerouslyAllowAdditional*`."""

    keys: frozenset[str] = frozenset()
    plugins: frozenset[str] = frozenset()
    extensions: frozenset[str] = frozenset()
    python_names: frozenset[str] = frozenset()


@dataclass
class Prepared:
    """A sanitised config (None when the site cannot be built), the file it came from
    (None for the default config), the docs folder and every problem found."""

    config: dict[str, Any] | None
    config_file: Path | None
    docs_dir: Path | None
    problems: list[Problem] = field(default_factory=list)


def find_config(project: Path) -> tuple[Path | None, Path | None]:
    """(the config to use, the one ignored beside it): mkdocs.yaml before mkdocs.yml."""
    found = [project / name for name in CONFIG_NAMES if (project / name).is_file()]
    return (found[0] if found else None), (found[1] if len(found) > 1 else None)


def prepare(project: Path, repo_root: Path, site_name: str, shown: Callable[[Path], str],
            entity: str, allow: Allow = Allow()) -> Prepared:
    """Read and sanitise the MkDocs config of the docs project in `project`."""
    config_file, ignored = find_config(project)
    problems: list[Problem] = []
    where = {"entity": entity}
    if ignored is not None:
        problems.append(warning(
            "docs-config-both", f"Both mkdocs.yml and mkdocs.yaml found in "
            f"{shown(project)}; using mkdocs.yaml. The other file will be ignored.",
            hint="delete one of them", file=shown(ignored), **where))
    if config_file is None:
        data: Any = {"site_name": site_name, "docs_dir": "docs"}
        lines: dict[tuple, int] = {}
        inner, _ = find_config(project / "docs")
        if inner is not None:
            problems.append(warning(
                "docs-config-in-docs", f"{shown(inner)} is not read: the config belongs "
                "beside the docs folder, so the default config is used", hint="move it "
                "up one folder, or point the techdocs-ref at the folder holding it (with "
                "`docs_dir` pointing back at the pages)", file=shown(inner), **where))
    else:
        data, lines, problem = _read(config_file, shown, entity)
        if problem is not None:
            return Prepared(None, config_file, None, [*problems, problem])
    shown_config = shown(config_file) if config_file else None

    def report(code: str, message: str, path: tuple = (), hint: str = "", fatal=False):
        line = next((lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in lines),
                    None)
        make = error if fatal else warning
        problems.append(make(code, message, hint=hint, file=shown_config or shown(project),
                             line=line, **where))

    ctx = Context(project, repo_root, allow, lines, report)
    config = _sanitise(data, ctx)
    docs_dir = confine.docs_dir(config, ctx)
    if docs_dir is None:
        return Prepared(None, config_file, None, problems)
    if not docs_dir.is_dir():
        report("docs-dir-missing", f"The docs folder {shown(docs_dir)} does not exist",
               ("docs_dir",), hint="create it with an index.md, or set docs_dir", fatal=True)
        return Prepared(None, config_file, docs_dir, problems)
    config["docs_dir"] = str(docs_dir)
    config.update(FORCED)
    return Prepared(config, config_file, docs_dir, problems)


def _read(path: Path, shown: Callable[[Path], str], entity: str):
    try:
        data, lines = load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, {}, error("docs-config-syntax", f"Cannot read {shown(path)}: {exc}",
                               file=shown(path), entity=entity)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, {}, error(
            "docs-config-syntax", f"YAML syntax error in {shown(path)}: "
            f"{getattr(exc, 'problem', None) or exc}", hint="check indentation and quoting "
            "near this line (templated files must be rendered first)", file=shown(path),
            line=mark.line + 1 if mark else None, entity=entity)
    if not isinstance(data, dict):
        return None, {}, error("docs-config-invalid", f"{shown(path)} must be a mapping "
                               "with at least `site_name`", file=shown(path), entity=entity)
    return data, lines, None


def _sanitise(data: dict[str, Any], ctx: Context) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key, value in data.items():
        if str(key) not in ALLOWED_KEYS and str(key) not in ctx.allow.keys:
            ctx.report("docs-config-key-dropped", f"`{key}` is not built: Playbill (like "
                       "Backstage's TechDocs 2.x) drops keys outside its allowlist",
                       (key,), hint="allow it in catalog_sources.yaml under docs.allow.keys "
                       "if you trust every repository's docs")
            continue
        cleaned = _untag(value, (key,), ctx)
        if cleaned is not DROP:
            config[str(key)] = cleaned
    config.pop("site_dir", None)
    config.setdefault("site_name", "Documentation Site")
    config["plugins"] = _plugins(config.get("plugins"), ctx)
    config["theme"] = _theme(config.get("theme"), ctx)
    use_blocks = _option(data, "use_pymdownx_blocks")
    config["markdown_extensions"] = _extensions(config.get("markdown_extensions"), ctx,
                                                use_blocks)
    if "nav" in config:
        config["nav"] = confine.nav(config["nav"], ("nav",), ctx)
    return config


def _untag(value: Any, path: tuple, ctx: Context) -> Any:
    """`value` with tags resolved: allowed python names as strings, `!ENV` by its default
    (never the environment), anything else dropped with a warning."""
    if isinstance(value, PythonName):
        if value.name in ALLOWED_PYTHON_NAMES or value.name in ctx.allow.python_names:
            return PYTHON_NAME + value.name
        ctx.report("docs-python-name-dropped", f"`!!python/name:{value.name}` is not "
                   "allowed: only the emoji and superfences functions are", path,
                   hint="use one of the pymdownx emoji or superfences functions, or allow "
                   "it under docs.allow.python_names")
        return DROP
    if isinstance(value, Tagged):
        if value.tag == "!ENV":
            fallback = value.value[1:] if isinstance(value.value, list) else []
            ctx.report("docs-env-refused", "`!ENV` is not read: the environment that builds "
                       "the portal holds its tokens", path,
                       hint="write the value into the file" + (
                           "; its default is used" if fallback else ""))
            return fallback[-1] if fallback else DROP
        ctx.report("docs-tag-dropped", f"the YAML tag `{value.tag}` is not supported", path,
                   hint="write plain YAML")
        return DROP
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            cleaned = _untag(item, (*path, key), ctx)
            if cleaned is not DROP:
                out[str(key)] = cleaned
        return out
    if isinstance(value, list):
        items = [_untag(item, (*path, n), ctx) for n, item in enumerate(value)]
        return [item for item in items if item is not DROP]
    return value


def _entries(value: Any) -> list[tuple[str, dict[str, Any]]]:
    """A plugins or markdown_extensions value as (name, options) pairs, whichever of
    MkDocs' shapes it is written in (list of names or one-key maps, or a map)."""
    if isinstance(value, dict):
        value = [{key: item} for key, item in value.items()]
    pairs = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str):
            pairs.append((item, {}))
        elif isinstance(item, dict) and len(item) == 1:
            name, options = next(iter(item.items()))
            pairs.append((str(name), options if isinstance(options, dict) else {}))
    return pairs


def _option(data: dict[str, Any], name: str) -> bool:
    """A techdocs-core plugin option, e.g. `use_pymdownx_blocks`."""
    return bool(dict(_entries(data.get("plugins"))).get(techdocs_core.NAME, {}).get(name))


def _plugins(value: Any, ctx: Context) -> list[Any]:
    chosen: list[tuple[str, dict[str, Any]]] = []
    for number, (name, options) in enumerate(_entries(value)):
        if name not in ALLOWED_PLUGINS and name not in ctx.allow.plugins:
            ctx.report("docs-plugin-dropped", f"plugin `{name}` is not built: it is outside "
                       "the plugin allowlist (techdocs-core, search, redirects, group)",
                       ("plugins", number), hint="allow it under docs.allow.plugins if you "
                       "trust every repository's docs")
            continue
        chosen.append((name, options))
    names = [name for name, _ in chosen]
    if techdocs_core.NAME not in names:
        chosen.append((techdocs_core.NAME, {}))  # as Backstage appends it
    expanded: list[tuple[str, dict[str, Any]]] = []
    for name, options in chosen:
        if name == techdocs_core.NAME:
            search = "material/search" if options.get("use_material_search") else "search"
            bundle = [(search, {}), *[(p, {}) for p in techdocs_core.PLUGINS[1:]]]
            expanded += [pair for pair in bundle if pair[0] not in names]
        elif name not in dict(expanded):
            expanded.append((name, options))
    result = []
    for name, options in expanded:
        if not plugin_installed(name):
            ctx.report("docs-plugin-missing", f"plugin `{name}` is not installed, so the "
                       "site is built without it", ("plugins",),
                       hint=f"install the package that provides the `{name}` MkDocs plugin")
            continue
        result.append({name: options} if options else name)
    return result


def _theme(value: Any, ctx: Context) -> dict[str, Any]:
    """Always material (as techdocs-core forces), with its two features, no palette and
    no web fonts. A `custom_dir` holds Jinja templates, which MkDocs renders unsandboxed
    (a template can reach Python's internals, and so the environment): it is dropped
    unless `theme.custom_dir` is opted in, and must then be inside the repository."""
    theme = dict(value) if isinstance(value, dict) else {}
    if theme.get("name", "material") != "material" or isinstance(value, str):
        theme = {}
    theme["name"] = "material"
    if "custom_dir" in theme and CUSTOM_DIR not in ctx.allow.keys:
        ctx.report("docs-config-key-dropped", "theme.custom_dir is not built: its templates "
                   "could run code", ("theme", "custom_dir"), hint="allow `theme.custom_dir` "
                   "under docs.allow.keys if you trust every repository's docs")
        del theme["custom_dir"]
    if "custom_dir" in theme:
        folder = confine.inside(ctx.project, theme["custom_dir"], ctx.repo_root)
        if folder is None:
            ctx.report("docs-path-outside", f"theme.custom_dir `{theme['custom_dir']}` is "
                       "outside the repository and is ignored", ("theme", "custom_dir"),
                       hint="keep theme overrides inside the repository")
            del theme["custom_dir"]
        else:
            theme["custom_dir"] = str(folder)
    features = list(theme.get("features") or [])
    theme["features"] = features + [f for f in techdocs_core.THEME_FEATURES
                                    if f not in features]
    theme["palette"] = {}
    theme["font"] = False  # Backstage's disableExternalFonts: the portal loads nothing remote
    return theme


def _extensions(value: Any, ctx: Context, use_blocks: bool) -> list[Any]:
    user = []
    for number, (name, options) in enumerate(_entries(value)):
        allowed = (name in MARKDOWN_BUILTINS or name.startswith(("pymdownx.",
                   "markdown.extensions.")) or name in ALLOWED_EXTENSIONS)
        if (":" in name or not allowed) and name not in ctx.allow.extensions:
            ctx.report("docs-extension-dropped", f"Markdown extension `{name}` is not "
                       "built: it is outside the extension allowlist",
                       ("markdown_extensions", number), hint="allow it under "
                       "docs.allow.extensions if you trust every repository's docs")
            continue
        user.append((name, options))
    result = []
    for name, options in techdocs_core.merge_extensions(user, use_blocks):
        if name in NEEDS_PROGRAM and not program_installed(NEEDS_PROGRAM[name]):
            continue  # said once per build, see missing_programs
        if not extension_installed(name):
            ctx.report("docs-extension-missing", f"Markdown extension `{name}` is not "
                       "installed, so the site is built without it", ("markdown_extensions",),
                       hint=f"install the package that provides `{name}`")
            continue
        if name == "pymdownx.snippets":
            options = confine.snippets(options, ctx)
        if name == "plantuml_markdown":
            options = {k: v for k, v in options.items()
                       if k not in ("plantuml_cmd", "server", "kroki_server")}
        if name == "pymdownx.emoji" and "custom_icons" in options:
            options = confine.custom_icons(options, ctx)
        result.append({name: options} if options else name)
    return result


def missing_programs() -> list[Problem]:
    """One note per drawing program that is not installed (its diagrams stay code)."""
    return [note("docs-program-missing", f"`{tool}` is not installed, so `{name}` diagrams "
                 "in docs are shown as code", hint=f"install `{tool}` on the machine that "
                 "builds the portal") for name, tool in NEEDS_PROGRAM.items()
            if not program_installed(tool)]


def program_installed(tool: str) -> bool:
    """Whether the program `tool` is on PATH. Asked for every docs site (a thousand
    lookups took 0.04 s), so looked up once per PATH."""
    return _which(tool, os.environ.get("PATH", os.defpath)) is not None


@functools.lru_cache(maxsize=None)
def _which(tool: str, path: str) -> str | None:
    return shutil.which(tool, path=path)


def plugin_installed(name: str) -> bool:
    return name in _plugin_names()


_PLUGINS: set[str] | None = None


def _plugin_names() -> set[str]:
    global _PLUGINS
    if _PLUGINS is None:
        _PLUGINS = {entry.name for entry in metadata.entry_points(group="mkdocs.plugins")}
    return _PLUGINS


@functools.lru_cache(maxsize=1024)
def extension_installed(name: str) -> bool:
    """Whether Python-Markdown can load `name` (a module path or a built-in short name).
    Asked for every extension of every site, and what is installed does not change
    during a build: each name is looked up once."""
    if name in MARKDOWN_BUILTINS:
        return True
    try:
        return importlib_util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
