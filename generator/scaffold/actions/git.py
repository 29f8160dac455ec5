"""Pushing scaffolded files with pygit2: a new repository's first commit, or a branch on an
existing one.

Git metadata lives in a temporary folder beside the work folder, never inside it, so the
work folder stays exactly what the template produced (a dry run copies it as it is). The
token reaches libgit2 only through a credential callback: remote URLs stay token-free, and
every message is scrubbed with `redact` before it leaves.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pygit2
from pygit2.enums import CredentialType

from generator.credentials import redact
from generator.scaffold.actions.registry import ActionError

DEFAULT_AUTHOR = ("Scaffolder", "scaffolder@backstage.io")  # Backstage's default author


@dataclass(frozen=True)
class Author:
    name: str = DEFAULT_AUTHOR[0]
    email: str = DEFAULT_AUTHOR[1]

    def signature(self) -> pygit2.Signature:
        return pygit2.Signature(self.name or DEFAULT_AUTHOR[0], self.email or DEFAULT_AUTHOR[1])


class TokenAuth(pygit2.RemoteCallbacks):
    """Answers libgit2's credential request once with `x-access-token:<token>`; a second
    request means the token was refused, and fails instead of looping."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token
        self.asked = False

    def credentials(self, url: str, username_from_url: str | None, allowed_types: CredentialType):
        if self.token and allowed_types & CredentialType.USERPASS_PLAINTEXT and not self.asked:
            self.asked = True
            return pygit2.UserPass("x-access-token", self.token)
        raise ActionError("the Git server refused the credentials (check GITHUB_TOKEN)")

    def push_update_reference(self, refname: str, message: str | None) -> None:
        if message:
            raise ActionError(f"the Git server rejected the push of {refname}: {message}")


def push_new_repository(
    source: Path, remote_url: str, branch: str, message: str, author: Author, token: str | None
) -> str:
    """Commit everything in `source` (honouring its .gitignore) as the first commit of
    `branch` and push it to `remote_url`; returns the commit SHA."""
    link = source / ".git"
    if link.exists():
        raise ActionError("the folder to publish already holds a `.git`; remove it first")
    with tempfile.TemporaryDirectory(prefix="playbill-git-") as gitdir:
        repo = pygit2.init_repository(gitdir, bare=False, workdir_path=str(source), initial_head=branch)
        link.unlink()  # libgit2 writes a `.git` pointer into the work tree; keep it clean
        repo.index.add_all()
        repo.index.write()
        tree = repo.index.write_tree()
        signature = author.signature()
        oid = repo.create_commit(f"refs/heads/{branch}", signature, signature, message, tree, [])
        _push(repo, remote_url, [f"refs/heads/{branch}:refs/heads/{branch}"], token)
        return str(oid)


def push_branch_with_files(
    remote_url: str, base: str | None, branch: str, files_from: Path, target_path: str,
    message: str, author: Author, token: str | None,
) -> tuple[str, str]:
    """Clone `remote_url`, start `branch` at `base` (default: the remote's default branch),
    copy `files_from` into `target_path` of the tree, commit and push the branch.

    Returns (commit SHA, base branch). Files are added or replaced, never deleted, like
    Backstage's pull-request action.
    """
    with tempfile.TemporaryDirectory(prefix="playbill-clone-") as folder:
        try:
            repo = pygit2.clone_repository(remote_url, folder, callbacks=TokenAuth(token))
        except (pygit2.GitError, ValueError) as failure:
            raise ActionError(f"cannot clone {redact(remote_url, [])}: {redact(str(failure), _secrets(token))}")
        base = base or (None if repo.head_is_unborn else repo.head.shorthand)
        if not base:
            raise ActionError("the repository has no default branch to start from")
        remote_branch = repo.branches.remote.get(f"origin/{base}")
        if remote_branch is None:
            raise ActionError(f"the repository has no branch `{base}` to start from")
        if repo.branches.remote.get(f"origin/{branch}") is not None:
            raise ActionError(f"branch `{branch}` already exists in the repository; pick another branchName")
        start = remote_branch.peel(pygit2.Commit)
        local = repo.branches.local.create(branch, start, force=True)
        repo.checkout(local, strategy=pygit2.enums.CheckoutStrategy.FORCE)
        destination = Path(folder) / target_path if target_path not in ("", ".", "./") else Path(folder)
        shutil.copytree(files_from, destination, dirs_exist_ok=True, symlinks=True,
                        ignore=shutil.ignore_patterns(".git"))
        repo.index.add_all()
        repo.index.write()
        tree = repo.index.write_tree()
        if tree == start.tree_id:
            raise ActionError("nothing to propose: the files are already in the repository")
        signature = author.signature()
        oid = repo.create_commit(f"refs/heads/{branch}", signature, signature, message, tree, [start.id])
        _push(repo, remote_url, [f"refs/heads/{branch}:refs/heads/{branch}"], token)
        return str(oid), base


def _push(repo: pygit2.Repository, url: str, specs: list[str], token: str | None) -> None:
    try:
        remote = repo.remotes.create_anonymous(url)
        remote.push(specs, callbacks=TokenAuth(token))
    except pygit2.GitError as failure:
        raise ActionError(f"push to {redact(url, [])} failed: {redact(str(failure), _secrets(token))}")


def _secrets(token: str | None) -> list[str]:
    return [token] if token else []
