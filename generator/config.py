"""`catalog_sources.yaml`: which repositories and folders the portal is built from.

    cache_dir: .playbill/cache            # optional; where clones are kept between runs
    sources:
      - url: https://github.com/acme/shop.git   # a Git remote: https, ssh, file://, scp-like
        ref: main                                #   or a local repository path
        catalog: [catalog-info.yaml, "services/*/catalog-info.yaml"]
        name: shop
        token_env: SHOP_TOKEN
        host: gitea
      - path: example                            # a local folder (no clone)
        catalog: ["**/catalog-info.yaml"]

Top level: `sources` (required, a non-empty list) and `cache_dir` (default
`.playbill/cache`). Each source has exactly one of:

* `url`: a Git repository that is cloned into the cache and fetched on later runs.
  `ref` is a branch or tag (default: the remote's default branch). `token_env` names an
  environment variable holding an HTTPS token (the token itself never goes in this file).
  `host` (`github`, `gitlab`, `bitbucket` for Bitbucket Cloud, `gitea`) says which web URL
  shapes a self-hosted server uses, e.g. GitHub Enterprise; github.com, gitlab.com and
  bitbucket.org are recognised without it.
* `path`: a local folder. Inside a Git work tree it is read like a clone of that repository
  (its `origin` remote gives the web URLs; `host` applies as above).

Both take `catalog` (one glob or a list; default `catalog-info.yaml`), relative to the
repository root for `url` and to the folder for `path`, and `name` (how the source is shown;
default derived from the URL or folder). Relative paths (`path`, `cache_dir`, a local `url`,
and the folders under `site:`) are relative to the folder holding the config file.

An optional `site:` section shapes the portal `playbill build` writes:

    site:
      title: Acme developer portal   # shown in every page's header (default: Playbill)
      site_dir: site                 # where the site is written (default: site)
      templates: portal-templates    # your templates, searched before Playbill's own
      graph_depth: 2                 # relation steps an entity's graph shows (1-3, default 1)

An optional `kubernetes:` section lists the clusters whose workloads entity pages show
(see `generator/status/config.py`).

`load_config` never raises: every problem in the file (YAML syntax, unknown or duplicate
keys, wrong types, entries with both or neither of url/path) is reported at once, with the
line it is on and a hint, in the spirit of mkdocs' config validation.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo
from pydantic import field_validator, model_validator

from generator.model.problem import Problem, error
from generator.model.scm import is_remote_url, remote_user, strip_credentials
from generator.model.source import DEFAULT_GLOBS
from generator.status.config import HINTS as KUBERNETES_HINTS
from generator.status.config import ClusterConfig, KubernetesConfig, attach_cluster_lines

CONFIG_FILE = "catalog_sources.yaml"
DEFAULT_CACHE_DIR = ".playbill/cache"
DEFAULT_SITE_DIR = "site"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Prefixes of GitHub, GitLab and Atlassian tokens: a sign one was pasted into `token_env`.
_TOKEN_LOOK = re.compile(r"^(gh[pousr]_|github_pat_|glpat-|ATBB|ATATT)")
_HIDDEN_INPUTS = {"token_env", "url"}  # never echo what a user may have pasted a secret into

_HINTS = {
    "url": "a Git remote (https://…, ssh://…, git@host:org/repo.git, file://…) or a local "
    "repository path",
    "path": "a local folder, relative to the config file's folder",
    "ref": "a branch or tag name, e.g. `main` or `v1.2.0`; leave it out for the default branch",
    "catalog": "globs relative to the repository root (or the `path` folder), e.g. "
    '`[catalog-info.yaml, "services/*/catalog-info.yaml"]`',
    "name": "a short display name such as `shop`",
    "token_env": "the NAME of an environment variable that holds the token, e.g. `SHOP_TOKEN` "
    "(never the token itself)",
    "host": "one of github, gitlab, bitbucket, gitea",
    "cache_dir": "a folder path, relative to the config file's folder",
    "sources": "a list of entries, each with `url:` or `path:`",
    "site": "a mapping with any of title, site_dir, templates, graph_depth",
    "title": "the portal's name, e.g. `Acme developer portal`",
    "site_dir": "a folder path, relative to the config file's folder",
    "templates": "a folder of your own templates, relative to the config file's folder",
    "graph_depth": "a whole number from 1 to 3",
    **KUBERNETES_HINTS,
    "docs": "a mapping with any of enabled, cache_dir, allow",
    "allow": "a mapping with any of keys, plugins, extensions, python_names (lists of names)",
}


def _base_dir(info: ValidationInfo) -> Path:
    context = info.context or {}
    return Path(context.get("base_dir") or Path.cwd())


class SourceConfig(BaseModel):
    """One entry of `sources:`: a Git repository (`url`) or a local folder (`path`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = None
    path: Path | None = None
    ref: str | None = None
    catalog: tuple[str, ...] = DEFAULT_GLOBS
    name: str | None = None
    token_env: str | None = None
    host: Literal["github", "gitlab", "bitbucket", "gitea"] | None = None

    _line: int | None = PrivateAttr(default=None)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if is_remote_url(value):
            return value
        return str((_base_dir(info) / value).resolve())

    @field_validator("path")
    @classmethod
    def _path(cls, value: Path, info: ValidationInfo) -> Path:
        return (_base_dir(info) / value).resolve()

    @field_validator("ref", "name")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("catalog", mode="before")
    @classmethod
    def _one_glob_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("catalog")
    @classmethod
    def _globs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("needs at least one glob")
        for glob in value:
            pure = PurePosixPath(glob)
            if not glob.strip() or pure.is_absolute() or ".." in pure.parts:
                raise ValueError(f"`{glob}` must be a relative glob inside the repository")
        return value

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if _TOKEN_LOOK.match(value):
            raise ValueError("looks like a token itself; put the token in an environment "
                             "variable and name that variable here")
        if not _ENV_NAME.match(value):
            raise ValueError("is not an environment variable name")
        return value

    @model_validator(mode="after")
    def _url_or_path(self) -> "SourceConfig":
        if (self.url is None) == (self.path is None):
            raise ValueError("needs exactly one of `url` (a Git repository) or `path` "
                             "(a local folder)")
        if self.path is not None and (self.ref or self.token_env):
            raise ValueError("`ref` and `token_env` apply to `url` sources only; a `path` "
                             "folder is read as it is on disk")
        return self

    @property
    def is_git(self) -> bool:
        return self.url is not None

    @property
    def line(self) -> int | None:
        """The line of this entry in the config file, when it was read from one."""
        return self._line

    @property
    def clean_url(self) -> str | None:
        """The URL without credentials: the only form we show or store."""
        return strip_credentials(self.url) if self.url else None

    @property
    def display_name(self) -> str:
        """`name`, else `org/repo` from a host URL, else the folder or repository name."""
        if self.name:
            return self.name
        if self.path is not None:
            return self.path.name
        return derive_name(self.clean_url or "")

    def url_password(self) -> str | None:
        """A password written into `url` (discouraged; `token_env` is the way)."""
        return remote_user(self.url)[1] if self.url else None


class SiteConfig(BaseModel):
    """The optional `site:` section: how `playbill build` writes the portal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "Playbill"
    site_dir: Path = Field(default=Path(DEFAULT_SITE_DIR), validate_default=True)
    templates: Path | None = None
    graph_depth: int = Field(default=1, ge=1, le=3)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("site_dir", "templates")
    @classmethod
    def _folder(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else (_base_dir(info) / value).resolve()


class DocsAllowConfig(BaseModel):
    """`docs.allow`: what repositories' MkDocs configs may use beyond the allowlists
    (like Backstage's `dangerouslyAllowAdditional*`): only for docs you trust."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keys: tuple[str, ...] = ()  # e.g. hooks, extra_javascript
    plugins: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    python_names: tuple[str, ...] = ()


class DocsConfig(BaseModel):
    """The optional `docs:` section: building entities' TechDocs into the portal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    cache_dir: Path = Field(default=Path(".playbill/docs-cache"), validate_default=True)
    allow: DocsAllowConfig = Field(default_factory=DocsAllowConfig)

    @field_validator("cache_dir")
    @classmethod
    def _folder(cls, value: Path, info: ValidationInfo) -> Path:
        return (_base_dir(info) / value).resolve()


class SourcesConfig(BaseModel):
    """The whole config file, with paths already resolved against its folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cache_dir: Path = Field(default=Path(DEFAULT_CACHE_DIR), validate_default=True)
    sources: tuple[SourceConfig, ...]
    site: SiteConfig = Field(default_factory=dict, validate_default=True)
    kubernetes: KubernetesConfig | None = None  # see generator/status/config.py
    docs: DocsConfig = Field(default_factory=dict, validate_default=True)

    _file: Path | None = PrivateAttr(default=None)

    @field_validator("cache_dir")
    @classmethod
    def _cache_dir(cls, value: Path, info: ValidationInfo) -> Path:
        return (_base_dir(info) / value).resolve()

    @field_validator("sources")
    @classmethod
    def _not_empty(cls, value: tuple[SourceConfig, ...]) -> tuple[SourceConfig, ...]:
        if not value:
            raise ValueError("lists no source; add at least one `url:` or `path:` entry")
        return value

    @property
    def file(self) -> Path | None:
        """The config file this was read from (None when built in code)."""
        return self._file

    @classmethod
    def from_data(cls, data: Any, base_dir: Path, file: Path | None = None) -> "SourcesConfig":
        """Validate parsed YAML; relative paths resolve against `base_dir`.

        Raises pydantic's ValidationError; `load_config` turns that into Problems.
        """
        config = cls.model_validate(data, context={"base_dir": base_dir})
        config._file = file
        return config


def load_config(path: Path) -> tuple[SourcesConfig | None, list[Problem]]:
    """Read and validate a config file. Returns (None, problems) when it is unusable."""
    shown = display_path(path)
    if not path.is_file():
        return None, [error("config-not-found", f"Config file {shown} does not exist",
                            hint=f"Create {CONFIG_FILE} (see `playbill init`) or pass its path",
                            file=shown)]
    try:
        node, data = _parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [error("config-syntax", f"Cannot read {shown}: {exc}", file=shown)]
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        message = f"YAML syntax error in {shown}: {exc.problem or exc}"
        return None, [error("config-syntax", message, file=shown, line=line,
                            hint="Check indentation and quoting near this line")]
    if not isinstance(node, yaml.MappingNode):
        return None, [error("config-invalid", f"{shown} must be a mapping with a `sources:` list",
                            hint=_HINTS["sources"], file=shown,
                            line=node.start_mark.line + 1 if node else None)]
    problems = _duplicate_keys(node, shown)
    try:
        config = SourcesConfig.from_data(data, path.resolve().parent, path)
    except ValidationError as exc:
        problems += [_problem_of(err, node, shown) for err in exc.errors()]
        return None, problems
    _attach_lines(config, node)
    problems += _duplicate_names(config, shown)
    return (None if problems else config), problems


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The file's node tree (for lines) and its data, made from one parse by libyaml: two
    parses by the pure-Python parser took 0.29 s for the 50k benchmark's 1,000 sources."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def derive_name(url: str) -> str:
    """`acme/shop` for https://github.com/acme/shop.git, `shop` for file:///x/shop.git."""
    if url.startswith("file://") or not is_remote_url(url):
        tail = url.rstrip("/").rsplit("/", 1)[-1]
    elif "://" in url:
        tail = urlsplit(url).path.strip("/")
    else:
        tail = url.split(":", 1)[1].strip("/")  # scp-like git@host:org/repo.git
    return (tail[:-4] if tail.endswith(".git") else tail) or url


def display_path(path: Path, base: Path | None = None) -> str:
    """`path` relative to `base` (default: the working directory) when below it, else absolute."""
    resolved = path.resolve() if path.exists() else path.absolute()
    try:
        return resolved.relative_to((base or Path.cwd()).resolve()).as_posix()
    except ValueError:
        return str(resolved)


def _problem_of(err: dict, root: yaml.Node, shown: str) -> Problem:
    """One pydantic error as a Problem at the line of the offending node."""
    loc = tuple(err.get("loc", ()))
    where = _loc_text(loc)
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    line = _line_of(root, loc)
    hint = _HINTS.get(field, _HINTS["sources"])
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc)
        close = difflib.get_close_matches(str(field), allowed, n=1)
        hint = f"Did you mean `{close[0]}`? " if close else ""
        hint += "Allowed keys: " + ", ".join(allowed)
        parent = _loc_text(loc[:-1]) or "the top level"
        return error("config-unknown-key", f"Unknown key `{field}` in {parent}",
                     hint=hint, file=shown, line=line)
    is_entry = bool(loc) and isinstance(loc[-1], int)
    if is_entry and loc[0] == "kubernetes":
        is_entry, hint = False, _HINTS["clusters"]
    if is_entry:
        hint = "Give either `url:` (a Git repository) or `path:` (a local folder)"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] in ("model_type", "dict_type"):
        message = "must be a mapping with `url:` or `path:`" if is_entry else "must be a mapping"
    if err["type"] == "missing":
        return error("config-invalid", f"{where} is required", hint=hint, file=shown, line=line)
    value = err.get("input")
    if field not in _HIDDEN_INPUTS and isinstance(value, (str, int, float, bool)) and value != "":
        message += f" (got {strip_credentials(str(value))[:60]!r})"
    return error("config-invalid", f"{where}: {message}" if where else message,
                 hint=hint, file=shown, line=line)


def _allowed_keys(loc: tuple) -> list[str]:
    model = SourcesConfig
    if "sources" in loc[:1] and len(loc) > 2:
        model = SourceConfig
    elif "site" in loc[:1] and len(loc) > 1:
        model = SiteConfig
    elif "kubernetes" in loc[:1]:
        model = ClusterConfig if "clusters" in loc[1:2] and len(loc) > 3 else KubernetesConfig
    elif "docs" in loc[:1] and len(loc) > 2 and loc[1] == "allow":
        model = DocsAllowConfig
    elif "docs" in loc[:1] and len(loc) > 1:
        model = DocsConfig
    return list(model.model_fields)


def _loc_text(loc: tuple) -> str:
    """('sources', 1, 'ref') -> 'sources[1].ref'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_of(node: yaml.Node, loc: tuple) -> int | None:
    """The 1-based line of the YAML node at `loc`, or of its nearest existing parent."""
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            child = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _attach_lines(config: SourcesConfig, root: yaml.MappingNode) -> None:
    entries = next((value for key, value in root.value if key.value == "sources"), None)
    if isinstance(entries, yaml.SequenceNode):
        for source, node in zip(config.sources, entries.value):
            source._line = node.start_mark.line + 1
    if config.kubernetes is not None:
        attach_cluster_lines(config.kubernetes, root)


def _duplicate_keys(node: yaml.Node, shown: str) -> list[Problem]:
    """PyYAML keeps the last of two equal keys silently; a config should not."""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                problems.append(error("config-duplicate-key", f"Key `{key.value}` appears twice",
                                      hint="Keep one of them", file=shown,
                                      line=key.start_mark.line + 1))
            seen.add(key.value)
            problems += _duplicate_keys(value, shown)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            problems += _duplicate_keys(item, shown)
    return problems


def _duplicate_names(config: SourcesConfig, shown: str) -> list[Problem]:
    """Two sources shown under one name would make file paths ambiguous."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for source in config.sources:
        name = source.display_name
        if name in seen:
            problems.append(error(
                "config-duplicate-name", f"Two sources are named `{name}`",
                hint="Give one of them a distinct `name:` (e.g. when one repository is listed "
                "for two refs)", file=shown, line=source.line))
        seen.add(name)
    return problems


def env_token(source: SourceConfig) -> str | None:
    """The token named by `token_env`, when that variable is set and not empty."""
    if not source.token_env:
        return None
    return os.environ.get(source.token_env) or None
