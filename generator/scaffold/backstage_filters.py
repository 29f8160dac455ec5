"""Backstage's own default filters (createDefaultFilters.ts): `parseRepoUrl`,
`parseEntityRef`, `pick` and `projectSlug`, with the rules and messages they have there."""

from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

from jinja2 import Undefined

from generator.model.ref import RefError, split_ref


class FilterError(ValueError):
    """A filter refused its input; the message says which filter and why."""


def _show(value: Any) -> str:
    """A value as a message shows it (undefined and null spelled out, as JavaScript does)."""
    if isinstance(value, Undefined):
        return "undefined"
    return "null" if value is None else str(value)


#: Hosts' integration types when the host name does not say; Playbill has no integrations
#: config, so a host is judged by its name (see `host_type`).
_HOST_TYPES = (
    ("github", "github"), ("gitlab", "gitlab"), ("bitbucket", "bitbucket"),
    ("dev.azure.com", "azure"), ("visualstudio.com", "azure"), ("gitea", "gitea"),
    ("gerrit", "gerrit"),
)
_REQUIRED = {
    "bitbucket": ("project", "repo"), "azure": ("project", "repo"), "gitea": ("repo",),
    "gerrit": ("repo",), "github": ("repo", "owner"),
}


def host_type(host: str) -> str:
    """The integration type Backstage would find for `host`, guessed from its name."""
    for needle, kind in _HOST_TYPES:
        if needle in host:
            return kind
    return "github"


def parse_repo_url(url: Any) -> dict[str, str]:
    """`parseRepoUrl`: `github.com?owner=o&repo=r` -> {host, owner, repo, ...}.

    As in Backstage (scaffolder-node `parseRepoUrl`) the URL is read as `https://<url>`,
    each known query parameter is trimmed of `/`, and the parameters the host's type
    needs must be present. Keys whose parameter is absent are left out.
    """
    if not isinstance(url, str):
        raise FilterError(f"parseRepoUrl: expected a repository URL string, got {_show(url)}")
    parts = urlsplit(f"https://{url}")
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    if not host or " " in host:
        raise FilterError(f"parseRepoUrl: invalid repo URL, got {url}")
    query = parse_qs(parts.query, keep_blank_values=True)
    found = {key: query[key][0].strip("/") for key in
             ("owner", "organization", "workspace", "project", "repo") if key in query}
    kind = host_type(host)
    needed = _REQUIRED.get(kind, ())
    if kind == "gitlab" and not found.get("project"):
        needed = ("owner", "repo")
    if kind == "bitbucket" and host == "www.bitbucket.org":
        needed = ("workspace",) + needed
    for key in needed:
        if not query.get(key, [""])[0]:
            raise FilterError(f"parseRepoUrl: invalid repo URL {url}, missing {key}")
    return {"host": host, **found}


def project_slug(url: Any) -> str:
    """`projectSlug`: `owner/repo` of a repository URL."""
    parsed = parse_repo_url(url)
    return f"{parsed.get('owner', 'undefined')}/{parsed.get('repo', 'undefined')}"


def parse_entity_ref(ref: Any, context: Any = None) -> dict[str, str]:
    """`parseEntityRef` (catalog-model): {kind, namespace, name}, case kept as written.

    `context` may give `defaultKind` and `defaultNamespace`; the namespace defaults to
    `default`, and a ref without kind and no `defaultKind` is an error, as in Backstage.
    """
    if not isinstance(ref, str):
        raise FilterError(f"parseEntityRef: entity reference must be a string, got {_show(ref)}")
    context = context if isinstance(context, Mapping) else {}
    try:
        kind, namespace, name = split_ref(ref)
    except RefError as err:
        raise FilterError(f"parseEntityRef: {err}") from None
    kind = kind or _given(context.get("defaultKind"))
    if not kind:
        raise FilterError(
            f'parseEntityRef: Entity reference "{ref}" had missing or empty kind '
            f'(e.g. did not start with "component:" or similar)'
        )
    namespace = namespace or _given(context.get("defaultNamespace")) or "default"
    return {"kind": kind, "namespace": namespace, "name": name}


def _given(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def pick(value: Any, path: Any) -> Any:
    """`pick` is lodash `get`: a dotted path (`a.b[0].c`) into an object, undefined if absent."""
    if not isinstance(path, str):
        return Undefined(name=str(path))
    current = value
    for key in re.findall(r"[^.\[\]]+", path):
        if isinstance(current, Mapping) and key in current:
            current = current[key]
        elif isinstance(current, (list, tuple)) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            return Undefined(name=path)
    return current
