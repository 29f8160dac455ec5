"""Web URL shapes of Git hosts: where a file is viewed, edited and its folder browsed.

Backstage builds `view-url`, `edit-url` and `source-location` from these; the portal's
"Edit / change owner" link is the edit URL of the exact file. The shapes follow
`@backstage/integration`: GitHub `/blob/` `/tree/` `/edit/`; GitLab `/-/blob/` `/-/tree/`
`/-/edit/`; Bitbucket Cloud `/src/<ref>/<path>` with `?mode=edit&at=<ref>` for editing;
Gitea `/src/branch/<ref>/<path>` and `/_edit/<ref>/<path>`.

This module also knows how to read clone URLs (https, ssh, scp-like `git@host:o/r.git`)
and how to remove credentials from them, so that a token never reaches anything we show
or store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

HOSTS = ("github", "gitlab", "bitbucket", "gitea")
_KNOWN_HOSTS = {"github.com": "github", "gitlab.com": "gitlab", "bitbucket.org": "bitbucket"}
_SCP_LIKE = re.compile(r"^(?:(?P<user>[\w.-]+)@)?(?P<host>[\w.-]+):(?P<path>[^/].*)$")
_REMOTE_SCHEMES = ("http", "https", "ssh", "git")

# The URL segments between the repository base and `<ref>/<path>`, per host and purpose.
_MARKERS = {
    "github": ("blob/", "tree/", "edit/"),
    "gitlab": ("-/blob/", "-/tree/", "-/edit/"),
    "bitbucket": ("src/",),
    "gitea": ("src/branch/", "_edit/"),
}


@dataclass(frozen=True)
class RepoWeb:
    """The browsable home of one repository at one branch (or tag)."""

    host: str  # one of HOSTS
    base: str  # https://github.com/acme/shop, no trailing slash
    ref: str  # branch or tag used in URLs

    def _path(self, path: str) -> str:
        return quote(path.lstrip("/"), safe="/")

    def _ref(self) -> str:
        return quote(self.ref, safe="/")

    def blob_url(self, path: str) -> str:
        """Where a file is viewed (Backstage's `view-url` of a registered file)."""
        p, r = self._path(path), self._ref()
        return {
            "github": f"{self.base}/blob/{r}/{p}",
            "gitlab": f"{self.base}/-/blob/{r}/{p}",
            "bitbucket": f"{self.base}/src/{r}/{p}",
            "gitea": f"{self.base}/src/branch/{r}/{p}",
        }[self.host]

    def tree_url(self, path: str) -> str:
        """A folder (ends in `/`) or, on GitHub, a file reached through a Location target."""
        p, r = self._path(path), self._ref()
        return {
            "github": f"{self.base}/tree/{r}/{p}",
            "gitlab": f"{self.base}/-/tree/{r}/{p}",
            "bitbucket": f"{self.base}/src/{r}/{p}",
            "gitea": f"{self.base}/src/branch/{r}/{p}",
        }[self.host]

    def edit_url(self, path: str) -> str:
        """The host's web editor for a file.

        Bitbucket Cloud edits the view URL with `mode=edit&at=<ref>` added as query
        parameters (Backstage sets them with `URLSearchParams`, so the ref is form-encoded).
        """
        p, r = self._path(path), self._ref()
        return {
            "github": f"{self.base}/edit/{r}/{p}",
            "gitlab": f"{self.base}/-/edit/{r}/{p}",
            "bitbucket": f"{self.base}/src/{r}/{p}?mode=edit&at={quote_plus(self.ref, safe='*')}",
            "gitea": f"{self.base}/_edit/{r}/{p}",
        }[self.host]

    def path_of(self, url: str) -> str | None:
        """The path inside this repository that a browse URL points at, or None.

        Accepts this host's blob, tree and edit shapes for this ref (and GitHub's `-`,
        meaning the default branch), so Location targets and placeholders that point back
        into a listed repository are read from its clone instead of the network. The
        result is unquoted: `path_of(blob_url(p)) == p`.
        """
        url = url.split("#", 1)[0].split("?", 1)[0]
        if not url.startswith(self.base + "/"):
            return None
        rest = unquote(url[len(self.base) + 1 :])
        for marker in _MARKERS[self.host]:
            if not rest.startswith(marker):
                continue
            ref_and_path = rest[len(marker) :]
            if ref_and_path == self.ref:
                return ""
            if ref_and_path.startswith(self.ref + "/"):
                return ref_and_path[len(self.ref) + 1 :]
            if self.host == "github" and ref_and_path.startswith("-/"):
                return ref_and_path[2:]
        return None


def web_for(remote: str, ref: str, host: str | None = None) -> RepoWeb | None:
    """The RepoWeb of a clone URL (https, ssh or scp-like), or None when the host is not a
    known Git host and no `host` type was configured for it (e.g. `file://` remotes).

    `host` names the kind of a self-hosted server (GitHub Enterprise, GitLab, Gitea); the
    web base keeps the port of an http(s) remote but not of an ssh one (that port is the
    SSH daemon's, not the web server's).
    """
    parsed = _split_remote(remote)
    if parsed is None:
        return None
    scheme, netloc, path = parsed
    kind = host or _KNOWN_HOSTS.get(netloc.lower())
    if kind not in HOSTS:
        return None
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    if not path:
        return None
    return RepoWeb(kind, f"{scheme}://{netloc}/{path}", ref)


def is_remote_url(text: str) -> bool:
    """Whether `text` names a remote Git repository rather than a local path.

    Like git itself: anything with `scheme://`, or `host:path` with no slash before the
    colon (scp-like). `file://` counts as a URL too (it is cloned like any remote).
    """
    if "://" in text:
        return True
    return bool(_SCP_LIKE.match(text)) and not re.match(r"^[A-Za-z]:[\\/]", text)


def strip_credentials(remote: str) -> str:
    """`remote` without a password, and for http(s) without a user name either.

    A user name in an ssh URL (`ssh://git@host/...`, `git@host:o/r`) is part of the
    address, not a secret, and is kept.
    """
    if "://" not in remote:
        return remote
    parts = urlsplit(remote)
    if "@" not in parts.netloc:
        return remote
    userinfo, _, hostport = parts.netloc.rpartition("@")
    if parts.scheme in ("http", "https"):
        netloc = hostport
    else:
        netloc = f"{userinfo.split(':', 1)[0]}@{hostport}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def remote_user(remote: str) -> tuple[str | None, str | None]:
    """The user name and password written into a clone URL, if any (both unquoted)."""
    if "://" in remote:
        parts = urlsplit(remote)
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return user, password
    match = _SCP_LIKE.match(remote)
    return (match["user"] if match else None), None


def _split_remote(remote: str) -> tuple[str, str, str] | None:
    """(web scheme, web host[:port], repository path) of a clone URL, or None."""
    if "://" in remote:
        parts = urlsplit(remote)
        if parts.scheme not in _REMOTE_SCHEMES or not parts.hostname:
            return None
        hostname = parts.hostname
        if parts.scheme in ("http", "https"):
            try:
                port = parts.port
            except ValueError:
                return None
            netloc = f"{hostname}:{port}" if port else hostname
            return parts.scheme, netloc, parts.path
        return "https", hostname, parts.path
    match = _SCP_LIKE.match(remote)
    if match:
        return "https", match["host"].lower(), match["path"]
    return None
