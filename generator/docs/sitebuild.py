"""Building one docs site in-process with MkDocs' Python API (run inside a pool worker).

The sanitised config (`mkdocsconfig.py`) is validated by MkDocs' own config classes and
built with `mkdocs.commands.build.build`, into a cache folder. A small plugin of ours
rides along:

* it puts the portal's header (entity, owner, "Edit this page") above each page's
  content, rendered from `site_templates/docs-header.html`;
* it keeps mkdocs-material's static files out of the site and points the pages at one
  shared copy (`docs/_theme/material-<version>/`), so 2.5 MB are stored once for all
  sites instead of once per site;
* it collects each page's title and words for the portal's search box;
* it drops the sitemap (it carries the build date) and the 404 page.

MkDocs' warnings (broken relative links, missing nav targets) become problems naming
the Markdown file; an exception becomes one error naming the page being built.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import import_module, metadata
from pathlib import Path
from urllib.parse import quote
from typing import Any

import jinja2

THEME_DIR = "_theme"
#: How deep a published site is below the site's docs/ folder: <namespace>/<kind>/<name>/
SITE_DEPTH = 3
#: Distinct words of a page kept for the portal's search: enough to find a page by what it
#: is about, without shipping whole pages in the index.
WORDS_PER_PAGE = 200
MAX_WARNINGS = 20
#: Theme pages a portal does not need; the sitemap carries the build date.
DROPPED = ("sitemap.xml", "404.html")
PYTHON_NAME = "!!python/name:"
#: Stands for a page's path in the edit URL the header is given.
PAGE_MARKER = "PLAYBILLPAGEPATH"
_ASSET_REF = re.compile(r'"((?:\.\./)*)(assets/[^"?#]+)"')
_LINK = re.compile(r'\b(href|src)="([^"]+)"')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_WORD = re.compile(r"[^\W_][\w'.-]*[^\W_]|[^\W_]", re.UNICODE)


@dataclass(frozen=True)
class SiteJob:
    """Everything a worker needs to build one site; plain data, so it pickles."""

    ref: str
    config: dict[str, Any]
    config_file: str | None
    out_dir: str
    header: dict[str, Any]
    templates: tuple[str, ...]
    shown_docs_dir: str


@dataclass
class SiteBuilt:
    """What building a site gave: its pages for search ([url, title, words]), the theme
    files it left out (dest path -> source path), and problems as dicts."""

    ok: bool
    pages: list[list[str]] = field(default_factory=list)
    theme_files: dict[str, str] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)


def theme_folder() -> str:
    """The shared theme folder's name below docs/: the material version names it, so a
    new version never mixes with pages built against the old one."""
    return f"{THEME_DIR}/material-{metadata.version('mkdocs-material')}"


def build_one(job: SiteJob) -> SiteBuilt:
    """Build `job` into `job.out_dir`. Never raises: failures come back as problems."""
    from mkdocs.commands.build import build
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.exceptions import MkDocsException

    result = SiteBuilt(ok=False)
    capture = _WarningCapture(job.shown_docs_dir)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(capture)
    plugin = _portal_plugin(job, result)
    out = Path(job.out_dir)
    shutil.rmtree(out, ignore_errors=True)
    try:
        config = MkDocsConfig(config_file_path=job.config_file)
        config.load_dict({**_reuse_emoji_index(_resolve_names(job.config)),
                          "site_dir": str(out)})
        errors, warnings = config.validate()
        for name, problem in [*errors, *warnings]:
            result.problems.append(_problem("error" if (name, problem) in errors else "warning",
                                            "docs-config-invalid", f"`{name}`: {problem}"))
        if errors:
            return result
        _reuse_theme_work(config.theme)
        config.plugins["playbill-portal"] = plugin
        build(config)
        result.ok = True
    except (MkDocsException, Exception, SystemExit) as exc:  # plugins exit on bad input;
        # a broken site must never stop the others (nor a pool worker)
        result.problems.append(_problem("error", "docs-build-failed",
                                        f"MkDocs could not build the docs: {_say(exc)}",
                                        file=plugin.current,
                                        line=_line_of(exc, plugin.markdown)))
    finally:
        logger.removeHandler(capture)
    result.problems[:0] = [problem for link, problem in capture.problems
                           if link not in plugin.rewritten]
    return result


def _resolve_names(value: Any) -> Any:
    """Turn the sanitiser's `!!python/name:` strings into the objects they name."""
    if isinstance(value, str) and value.startswith(PYTHON_NAME):
        module, _, attr = value[len(PYTHON_NAME):].rpartition(".")
        return getattr(import_module(module), attr)
    if isinstance(value, dict):
        return {key: _resolve_names(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_names(item) for item in value]
    return value


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled theme templates, kept for the next site this worker builds (Jinja checks
    each template's source checksum, so a changed template is compiled again)."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _MemoryBytecodeCache()
_LISTED: dict[tuple, list[str]] = {}
_EMOJI: dict[tuple, Any] = {}


def _reuse_theme_work(theme) -> None:
    """Make this site's theme reuse what the worker's earlier sites did: compiled templates
    and the listing of the theme folders (mkdocs-material's holds thousands of icons, and
    MkDocs lists it for every site). Without this, both took 1.3 s of a site's 1.8 s."""
    make_env = theme.get_env

    def get_env() -> jinja2.Environment:
        env = make_env()
        env.bytecode_cache = _BYTECODE
        list_all = env.list_templates
        folders = tuple(env.loader.searchpath)

        def list_templates(extensions=None, filter_func=None) -> list[str]:
            # MkDocs' filter depends only on the theme's static templates (and constants)
            key = (folders, frozenset(theme.static_templates), extensions is None,
                   filter_func is None)
            if extensions is not None:
                return list_all(extensions, filter_func)
            if key not in _LISTED:
                _LISTED[key] = list_all(extensions, filter_func)
            return list(_LISTED[key])

        env.list_templates = list_templates
        return env

    theme.get_env = get_env


def _reuse_emoji_index(config: dict[str, Any]) -> dict[str, Any]:
    """pymdownx.emoji builds (and deep-copies) its emoji index for every page's Markdown
    instance; give it one index per worker and options instead."""
    from pymdownx import emoji

    for number, entry in enumerate(config.get("markdown_extensions", [])):
        if isinstance(entry, dict) and "pymdownx.emoji" in entry:
            options = dict(entry["pymdownx.emoji"])
            make = options.get("emoji_index", emoji.emojione)

            def index(opts: dict, md, make=make):
                key = (make, repr(sorted(opts.items())))
                if key not in _EMOJI:
                    _EMOJI[key] = make(opts, md)
                return _EMOJI[key]

            options["emoji_index"] = index
            config["markdown_extensions"][number] = {"pymdownx.emoji": options}
    return config


def _portal_plugin(job: SiteJob, result: SiteBuilt):
    from mkdocs.plugins import BasePlugin
    from mkdocs.structure.files import Files
    from mkdocs.utils import get_relative_url

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(list(job.templates)),
                             autoescape=True, keep_trailing_newline=True)
    header = env.get_template("docs-header.html")
    import material

    material_dir = Path(material.__file__).resolve().parent
    docs_dir = Path(job.header["docs_dir"])
    shared = "../" * SITE_DEPTH + theme_folder()  # from a site's root

    class PortalPlugin(BasePlugin):
        def __init__(self) -> None:
            self.current: str | None = None  # the page being built, for an error's file
            self.markdown = ""  # and its text, for the error's line
            self.rewritten: set[tuple[str, str]] = set()  # (page, link) pointed elsewhere

        def on_config(self, config):
            for name in DROPPED:
                config.theme.static_templates.discard(name)
            return config

        def on_files(self, files: Files, config):
            kept = []
            for file in files:
                src = Path(file.abs_src_path or "").resolve()
                if src.is_relative_to(material_dir) and file.dest_uri.startswith("assets/"):
                    result.theme_files[file.dest_uri] = str(src)
                elif file.dest_uri in DROPPED and not src.is_relative_to(docs_dir):
                    continue  # the raw templates, copied as files once not rendered
                else:
                    kept.append(file)
            return Files(kept)

        def on_page_markdown(self, markdown, page, config, files):
            self.current = f"{job.shown_docs_dir}/{page.file.src_uri}"
            self.markdown = markdown
            return markdown

        def on_page_content(self, content, page, config, files):
            root = "../" * page.url.count("/") + "../" * SITE_DEPTH + "../"
            edit = job.header.get("edit_url")
            values = {**job.header, "root": root, "edit_url": edit.replace(
                PAGE_MARKER, quote(page.file.src_uri)) if edit else None}
            result.pages.append([page.url, page.title or "", " ".join(_words(content))])
            content = _LINK.sub(lambda m: _outside_link(m, page, root, self.rewritten), content)
            return header.render(values) + content

        def on_post_page(self, output, page, config):
            def shared_asset(match: re.Match) -> str:
                up, path = match.group(1), match.group(2)
                expected = get_relative_url(path, page.url)
                if path in result.theme_files and up + path == expected:
                    return '"' + "../" * page.url.count("/") + shared + "/" + path + '"'
                return match.group(0)
            return _ASSET_REF.sub(shared_asset, output)

    def _outside_link(match: re.Match, page, root: str, rewritten: set) -> str:
        """A relative link that leaves the docs folder: to a catalog file, that entity's
        page; to another file of the repository, the Git host's view of it."""
        attr, target = match.group(1), html.unescape(match.group(2))
        if _SCHEME.match(target) or target.startswith(("#", "/")):
            return match.group(0)
        path, _, anchor = target.partition("#")
        source = Path(job.header["docs_dir"], page.file.src_uri).parent
        resolved = (source / path).resolve()
        if resolved.is_relative_to(Path(job.header["docs_dir"])):
            return match.group(0)
        if str(resolved) in job.header["entity_files"]:
            new = root + job.header["entity_files"][str(resolved)]
        elif job.header["view_base"] and resolved.is_relative_to(job.header["repo_root"]):
            new = job.header["view_base"] + resolved.relative_to(
                job.header["repo_root"]).as_posix() + ("#" + anchor if anchor else "")
        else:
            return match.group(0)
        rewritten.add((page.file.src_uri, target))
        return f'{attr}="{html.escape(new)}"'

    return PortalPlugin()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _words(content: str) -> list[str]:
    """The first WORDS_PER_PAGE distinct words of a page's HTML, in order."""
    parser = _Text()
    parser.feed(content)
    seen: dict[str, None] = {}
    for word in _WORD.findall(html.unescape(" ".join(parser.parts)).lower()):
        if word not in seen:
            seen[word] = None
            if len(seen) == WORDS_PER_PAGE:
                break
    return list(seen)


class _WarningCapture(logging.Handler):
    """MkDocs' warnings as problems, naming the Markdown file when the message does."""

    _DOC = re.compile(r"Doc file '([^']+)'(?: contains a link '([^']+)')?")

    def __init__(self, shown_docs_dir: str) -> None:
        super().__init__(logging.WARNING)
        self.shown = shown_docs_dir
        self.problems: list[tuple[tuple, dict[str, Any]]] = []  # ((page, link), problem)

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.problems) >= MAX_WARNINGS:
            return
        message = record.getMessage().strip()
        match = self._DOC.search(message)
        file = f"{self.shown}/{match.group(1)}" if match else None
        link = (match.group(1), match.group(2)) if match else ()
        self.problems.append((link, _problem("warning", "docs-build-warning", message,
                                             file=file)))


def _problem(severity: str, code: str, message: str, file: str | None = None,
             line: int | None = None) -> dict:
    return {"severity": severity, "code": code, "message": message, "file": file,
            "line": line}


_QUOTED = re.compile(r"""['"`]([^'"`\n]{2,200})['"`]""")
_LINE = re.compile(r"\bline (\d+)")


def _line_of(exc: BaseException, markdown: str) -> int | None:
    """The line an error points at in the page being built: its own `lineno` or "line N"
    (YAML, Jinja), else the first line of the page holding what the message quotes (a
    snippet path, an include), since Markdown extensions rarely say."""
    if isinstance(getattr(exc, "lineno", None), int):
        return exc.lineno
    text = str(exc)
    if match := _LINE.search(text):
        return int(match.group(1))
    for quoted in _QUOTED.findall(text):
        for number, line in enumerate(markdown.splitlines(), start=1):
            if quoted in line:
                return number
    return None


def _say(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 400 else text[:400] + "…"
