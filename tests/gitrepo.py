"""Real Git repositories for tests, built with pygit2 (no `git` binary, no mocks).

    repo = make_repo(tmp_path / "shop", {"catalog-info.yaml": "kind: Component\n"})
    sha = commit(repo, {"services/a/catalog-info.yaml": "..."}, "Add service a")
    branch(repo, "release")
    tag(repo, "v1.0")
    url = file_url(repo)   # file:///.../shop, cloneable by pygit2

Commits use a fixed author and clock, so a test that builds the same history twice gets
the same SHAs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pygit2

AUTHOR = ("Playbill Tests", "tests@playbill.invalid")
_EPOCH = 1_700_000_000


def make_repo(
    path: Path,
    files: Mapping[str, str] | None = None,
    branch: str = "main",
    message: str = "Initial commit",
) -> pygit2.Repository:
    """A new non-bare repository at `path` whose branch `branch` holds `files` (if any)."""
    path.mkdir(parents=True, exist_ok=True)
    repo = pygit2.init_repository(str(path), initial_head=branch)
    if files:
        commit(repo, files, message)
    return repo


def write_files(root: Path, files: Mapping[str, str]) -> None:
    """Write `files` ({relative path: text}) below `root`, creating folders."""
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def commit(
    repo: pygit2.Repository,
    files: Mapping[str, str] | None = None,
    message: str = "Update",
    remove: tuple[str, ...] = (),
) -> str:
    """Write `files`, delete `remove`, and commit everything on the current branch.

    Returns the new commit's SHA. Works on an unborn branch (first commit) too.
    """
    root = Path(repo.workdir)
    write_files(root, files or {})
    for rel in remove:
        (root / rel).unlink()
    repo.index.add_all()  # which drops deleted files from the index too
    for rel in remove:
        if rel in repo.index:
            repo.index.remove(rel)
    repo.index.write()
    tree = repo.index.write_tree()
    parents = [] if repo.head_is_unborn else [repo.head.target]
    signature = _signature(len(list(repo.walk(parents[0]))) if parents else 0)
    oid = repo.create_commit("HEAD", signature, signature, message, tree, parents)
    return str(oid)


def branch(repo: pygit2.Repository, name: str, at: str | None = None) -> None:
    """Create branch `name` at commit `at` (default: HEAD) without switching to it."""
    target = repo[at] if at else repo.head.peel(pygit2.Commit)
    repo.branches.local.create(name, target)


def switch(repo: pygit2.Repository, name: str) -> None:
    """Make `name` the current branch and check out its files (later commits go there).

    For the repository being cloned this also changes its default branch.
    """
    ref = repo.branches.local[name]
    repo.checkout(ref, strategy=pygit2.enums.CheckoutStrategy.FORCE)


def tag(repo: pygit2.Repository, name: str, at: str | None = None, annotated: bool = True) -> None:
    """Tag commit `at` (default: HEAD); annotated tags are what releases usually use."""
    target = repo[at].id if at else repo.head.target
    if annotated:
        repo.create_tag(name, target, pygit2.enums.ObjectType.COMMIT, _signature(0), name)
    else:
        repo.references.create(f"refs/tags/{name}", target)


def file_url(repo_or_path: pygit2.Repository | Path) -> str:
    """The `file://` URL of a repository's work tree (what a config's `url:` may hold)."""
    if isinstance(repo_or_path, pygit2.Repository):
        return Path(repo_or_path.workdir).resolve().as_uri()
    return Path(repo_or_path).resolve().as_uri()


def _signature(tick: int) -> pygit2.Signature:
    return pygit2.Signature(*AUTHOR, _EPOCH + 60 * tick, 0)
