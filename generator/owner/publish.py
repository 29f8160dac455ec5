"""Deliver an owner change for review: a commit on a new local branch, or a pull request.

Both edit the file as the base branch has it (the committed blob, or the host's copy),
never the working tree, so uncommitted work is neither included nor disturbed. The pull
request goes through GitHub's REST API alone (create a branch, commit the file through
the contents API, open the pull request), so no clone needs push access; the token comes
from `GITHUB_TOKEN` and the API from `GITHUB_API_URL`, as in GitHub Actions.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import pygit2

from generator.owner.change import OwnerChange, OwnerError
from generator.owner.edit import EditError, set_owner
from generator.scaffold.github_api import GitHubClient, GitHubError


@dataclass(frozen=True)
class Delivered:
    """Where the change went: a local branch and commit, or a pull request's URL."""

    branch: str
    line: int
    commit: str = ""
    pull_url: str = ""


def commit_locally(change: OwnerChange, branch: str | None = None) -> Delivered:
    """Commit the edit on a new branch `branch` from HEAD, without checking it out."""
    if "ref_type" in change.tree.extra:  # set by the sources stage on its cached clones
        raise OwnerError(f"{change.tree.name} is read from Playbill's cached clone of "
                         f"{change.tree.remote}, which is fetched again on every run",
                         "open a pull request (drop --local), or run --local in your own "
                         "checkout of that repository")
    repo = pygit2.Repository(str(change.tree.root))
    if repo.head_is_unborn:
        raise OwnerError(f"{change.tree.root} has no commits yet")
    head = repo.head.peel(pygit2.Commit)
    branch = branch or change.branch
    if branch in repo.branches.local:
        raise OwnerError(f"branch {branch} exists already", "pass --branch NAME")
    try:
        entry = head.tree[change.in_repo]
    except KeyError:
        raise OwnerError(f"{change.in_repo} is not committed on {repo.head.shorthand}",
                         "commit the file first") from None
    text, line = _edit(repo[entry.id].data.decode("utf-8"), change)
    index = pygit2.Index()
    index.read_tree(head.tree)
    blob = repo.create_blob(text.encode("utf-8"))
    index.add(pygit2.IndexEntry(change.in_repo, blob, entry.filemode))
    tree = index.write_tree(repo)
    who = _signature(repo)
    oid = repo.create_commit(f"refs/heads/{branch}", who, who,
                             f"{change.title}\n\n{change.description()}\n", tree, [head.id])
    return Delivered(branch, line, commit=str(oid))


def open_pull_request(change: OwnerChange, client: GitHubClient, repo: str | None = None,
                      base: str | None = None, branch: str | None = None) -> Delivered:
    """Branch, commit and pull request on GitHub; `repo` (OWNER/NAME) defaults to the
    source's GitHub repository and `base` to the branch the catalog was read from."""
    owner, name = _github_repo(change, repo)
    if not client.token:
        raise OwnerError("no GitHub token: set GITHUB_TOKEN to a token that may push "
                         f"branches and open pull requests on {owner}/{name}",
                         "or pass --local to leave a commit on a new local branch")
    branch = branch or change.branch
    prefix = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
    try:
        base = base or change.tree.branch or client.request("GET", prefix)["default_branch"]
        path = f"{prefix}/contents/{quote(change.in_repo)}"
        current = client.request("GET", f"{path}?ref={quote(base, safe='')}")
        text, line = _edit(base64.b64decode(current["content"]).decode("utf-8"), change)
        head = client.request("GET", f"{prefix}/git/ref/heads/{quote(base, safe='/')}")
        client.request("POST", f"{prefix}/git/refs",
                       {"ref": f"refs/heads/{branch}", "sha": head["object"]["sha"]})
        client.request("PUT", path, {
            "message": change.title, "branch": branch, "sha": current["sha"],
            "content": base64.b64encode(text.encode("utf-8")).decode("ascii"),
        })
        pull = client.create_pull(owner, name, title=change.title, head=branch, base=base,
                                  body=change.description())
    except GitHubError as exc:
        raise OwnerError(f"GitHub refused the change: {exc}") from None
    return Delivered(branch, line, pull_url=pull.get("html_url", ""))


def _edit(text: str, change: OwnerChange) -> tuple[str, int]:
    try:
        return set_owner(text, change.entity, change.owner)
    except EditError as exc:
        raise OwnerError(f"{change.in_repo}: {exc}") from None


def _github_repo(change: OwnerChange, given: str | None) -> tuple[str, str]:
    if given:
        owner, _, name = given.partition("/")
        if not owner or not name or "/" in name:
            raise OwnerError(f"--repo {given!r} is not OWNER/NAME")
        return owner, name
    web = change.tree.web
    if web is None or web.host != "github":
        where = f"on {web.host}, not GitHub" if web else "not on a Git host Playbill knows"
        raise OwnerError(f"the repository at {change.tree.root} is {where}",
                         "pass --repo OWNER/NAME if GitHub has it, or --local for a local "
                         "branch")
    owner, _, name = urlsplit(web.base).path.strip("/").partition("/")
    return owner, name


def _signature(repo: pygit2.Repository) -> pygit2.Signature:
    """Git's identity for the commit: the repository's config, else GIT_AUTHOR_*."""
    try:
        return repo.default_signature
    except (KeyError, pygit2.GitError):
        pass
    name, email = os.environ.get("GIT_AUTHOR_NAME"), os.environ.get("GIT_AUTHOR_EMAIL")
    if not (name and email):
        raise OwnerError("Git does not know who you are",
                         "git config user.name 'Your Name' && git config user.email you@example.com")
    return pygit2.Signature(name, email)
