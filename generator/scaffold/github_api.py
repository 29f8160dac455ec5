"""The few GitHub REST endpoints the scaffolder needs, over plain urllib.

No Octokit-sized dependency: publishing needs five calls (who is this owner, create a
repository, read one, open a pull request, dispatch a workflow). The base URL comes from
`GITHUB_API_URL`, which GitHub Actions sets for github.com and GitHub Enterprise Server
alike, so the same job works on both; the token from `GITHUB_TOKEN` unless a step gives one.
Error messages never contain the token.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
TIMEOUT_SECONDS = 30


class GitHubError(Exception):
    """A GitHub call failed; `status` is the HTTP status (0 when there was no answer)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class GitHubClient:
    """A GitHub REST API client bound to one base URL and one token."""

    base_url: str = DEFAULT_API_URL
    token: str | None = None

    @classmethod
    def from_env(cls, token: str | None = None, env: dict[str, str] | None = None) -> "GitHubClient":
        """`GITHUB_API_URL` and `GITHUB_TOKEN` from the environment; `token` wins if given."""
        env = os.environ if env is None else env
        base = env.get("GITHUB_API_URL") or DEFAULT_API_URL
        return cls(base.rstrip("/"), token or env.get("GITHUB_TOKEN") or None)

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call `path` and return the decoded JSON answer (None for `204 No Content`)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", API_VERSION)
        request.add_header("User-Agent", "playbill-scaffolder")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                text = answer.read().decode("utf-8")
        except urllib.error.HTTPError as failure:
            raise GitHubError(
                f"{method} {path} failed: {failure.code} {_reason(failure)}", failure.code
            ) from None
        except (urllib.error.URLError, OSError) as failure:
            reason = getattr(failure, "reason", failure)
            raise GitHubError(f"{method} {path} failed: cannot reach {self.base_url} ({reason})")
        return json.loads(text) if text.strip() else None

    def owner_type(self, owner: str) -> str:
        """`Organization` or `User`: repositories are created through different endpoints."""
        return self.request("GET", f"/users/{_seg(owner)}").get("type", "User")

    def create_repo(
        self, owner: str, name: str, *, description: str = "", visibility: str = "private",
        homepage: str | None = None,
    ) -> dict[str, Any]:
        """Create `owner/name` in an organization or for the token's user, as Backstage's
        `publish:github` does after asking who `owner` is."""
        body: dict[str, Any] = {
            "name": name,
            "private": visibility != "public",
            "description": description or "",
        }
        if visibility == "internal":
            body["visibility"] = "internal"
        if homepage:
            body["homepage"] = homepage
        if self.owner_type(owner) == "Organization":
            return self.request("POST", f"/orgs/{_seg(owner)}/repos", body)
        return self.request("POST", "/user/repos", body)

    def get_repo(self, owner: str, name: str) -> dict[str, Any]:
        return self.request("GET", f"/repos/{_seg(owner)}/{_seg(name)}")

    def create_pull(
        self, owner: str, name: str, *, title: str, head: str, base: str, body: str = "",
        draft: bool = False,
    ) -> dict[str, Any]:
        return self.request(
            "POST",
            f"/repos/{_seg(owner)}/{_seg(name)}/pulls",
            {"title": title, "head": head, "base": base, "body": body, "draft": draft},
        )

    def dispatch_workflow(
        self, owner: str, name: str, workflow_id: str, ref: str,
        inputs: dict[str, Any] | None = None, return_run_details: bool = False,
    ) -> dict[str, Any] | None:
        """Start a `workflow_dispatch` run. `return_run_details` is only sent when asked for:
        GitHub Enterprise Server 3.20 and older answer 400 to the unknown field."""
        body: dict[str, Any] = {"ref": ref}
        if inputs:
            body["inputs"] = inputs
        if return_run_details:
            body["return_run_details"] = True
        path = f"/repos/{_seg(owner)}/{_seg(name)}/actions/workflows/{_seg(str(workflow_id))}"
        return self.request("POST", path + "/dispatches", body)


def _seg(text: str) -> str:
    return quote(text, safe="")


def _reason(failure: urllib.error.HTTPError) -> str:
    """GitHub's own `message` when the body has one, else the status phrase."""
    try:
        payload = json.loads(failure.read().decode("utf-8") or "{}")
    except (ValueError, OSError):
        payload = {}
    message = payload.get("message") if isinstance(payload, dict) else None
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if message and errors:
        details = "; ".join(str(e.get("message") or e) if isinstance(e, dict) else str(e) for e in errors)
        return f"{message} ({details})"
    return message or failure.reason or ""
