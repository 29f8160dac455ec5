"""Web URL shapes of Git hosts: where a file is viewed, edited and its folder browsed.

Backstage builds `view-url`, `edit-url` and `source-location` from these; the portal's
"Edit / change owner" link is the edit URL of the exact file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

HOSTS = ("github", "gitlab", "bitbucket", "gitea")
_KNOWN_HOSTS = {"github.com": "github", "gitlab.com": "gitlab", "bitbucket.org": "bitbucket"}
_SCP_LIKE = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>[^/].*)$")


@dataclass(frozen=True)
class RepoWeb:
    """The browsable home of one repository at one branch (or tag)."""

    host: str  # one of HOSTS
    base: str  # https://github.com/acme/shop, no trailing slash
    ref: str  # branch or tag used in URLs

    def _path(self, path: str) -> str:
        return quote(path.lstrip("/"), safe="/")

    def blob_url(self, path: str) -> str:
        p, r = self._path(path), quote(self.ref, safe="/")
        return {
            "github": f"{self.base}/blob/{r}/{p}",
            "gitlab": f"{self.base}/-/blob/{r}/{p}",
            "bitbucket": f"{self.base}/src/{r}/{p}",
            "gitea": f"{self.base}/src/branch/{r}/{p}",
        }[self.host]

    def tree_url(self, path: str) -> str:
        """A folder (ends in `/`) or, on GitHub, a file reached through a Location target."""
        p, r = self._path(path), quote(self.ref, safe="/")
        return {
            "github": f"{self.base}/tree/{r}/{p}",
            "gitlab": f"{self.base}/-/tree/{r}/{p}",
            "bitbucket": f"{self.base}/src/{r}/{p}",
            "gitea": f"{self.base}/src/branch/{r}/{p}",
        }[self.host]

    def edit_url(self, path: str) -> str:
        p, r = self._path(path), quote(self.ref, safe="/")
        return {
            "github": f"{self.base}/edit/{r}/{p}",
            "gitlab": f"{self.base}/-/edit/{r}/{p}",
            "bitbucket": f"{self.base}/src/{r}/{p}?mode=edit&at={r}",
            "gitea": f"{self.base}/_edit/{r}/{p}",
        }[self.host]

    def path_of(self, url: str) -> str | None:
        """The path inside this repository that a browse URL points at, or None.

        Accepts the blob, tree, edit and raw-less `src` shapes of this host for this ref,
        so Location targets and placeholders that point back into a listed repository
        are read from its clone instead of the network.
        """
        url = url.split("?", 1)[0].split("#", 1)[0]
        if not url.startswith(self.base + "/"):
            return None
        rest = url[len(self.base) + 1 :]
        for marker in ("blob/", "tree/", "edit/", "-/blob/", "-/tree/", "-/edit/",
                       "src/branch/", "src/", "_edit/"):
            if rest.startswith(marker):
                ref_and_path = rest[len(marker):]
                if ref_and_path.startswith(self.ref + "/") or ref_and_path == self.ref:
                    return ref_and_path[len(self.ref) + 1 :]
                # `-` is a valid "default branch" ref on GitHub (`/blob/-/x`).
                if ref_and_path.startswith("-/"):
                    return ref_and_path[2:]
        return None


def web_for(remote: str, ref: str, host: str | None = None) -> RepoWeb | None:
    """The RepoWeb of a clone URL (https, ssh or scp-like), or None when the host is not a
    known Git host and no `host` type was configured for it (e.g. `file://` remotes)."""
    hostname, path = _split_remote(remote)
    if not hostname:
        return None
    kind = host or _KNOWN_HOSTS.get(hostname.lower())
    if kind not in HOSTS:
        return None
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    if not path:
        return None
    return RepoWeb(kind, f"https://{hostname}/{path}", ref)


def _split_remote(remote: str) -> tuple[str | None, str]:
    if "://" in remote:
        parts = urlsplit(remote)
        if parts.scheme not in ("http", "https", "ssh", "git"):
            return None, ""
        return parts.hostname, parts.path
    match = _SCP_LIKE.match(remote)
    if match:
        return match["host"], match["path"]
    return None, ""
