"""The synthetic repositories as real Git repositories, the sources file that lists them,
and the one-file change a warm build starts from.

A build reads them as a CI job reads an organisation's repositories: cloned into the
cache on the first (cold) build, fetched on later ones. Commits use a fixed author and
clock, so the same catalog gives the same commits, and so the same site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pygit2

from bench.synth import CATALOG_FILE

SOURCES_FILE = "catalog_sources.yaml"
CACHE_DIR = ".playbill/cache"
DOCS_CACHE_DIR = ".playbill/docs-cache"
SITE_DIR = "site"
_SIGNATURE = ("Playbill Bench", "bench@playbill.invalid")
_EPOCH = 1_700_000_000


def commit_all(folder: Path, message: str, tick: int = 0) -> str:
    """Commit every file of `folder` on `main` (making it a repository first), dated
    `tick` seconds after a fixed time; returns the SHA."""
    if (folder / ".git").is_dir():
        repo = pygit2.Repository(str(folder))
    else:
        repo = pygit2.init_repository(str(folder), initial_head="main")
    repo.index.add_all()
    repo.index.write()
    tree = repo.index.write_tree()
    parents = [] if repo.head_is_unborn else [repo.head.target]
    signature = pygit2.Signature(*_SIGNATURE, _EPOCH + tick, 0)
    return str(repo.create_commit("HEAD", signature, signature, message, tree, parents))


def write_sources(root: Path, repos: Sequence[Path]) -> Path:
    """`catalog_sources.yaml` in `root`: each repository as a Git source (a file:// URL,
    cloned like a remote one), the caches and the site beside it."""
    lines = [f"cache_dir: {CACHE_DIR}", f"docs: {{cache_dir: {DOCS_CACHE_DIR}}}",
             f"site: {{site_dir: {SITE_DIR}}}", "sources:"]
    for repo in repos:
        lines.append(f"  - url: {repo.resolve().as_uri()}")
        lines.append(f"    catalog: [{CATALOG_FILE}]")
    path = root / SOURCES_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def change_one_file(repo: Path, run: int) -> str:
    """The warm build's change: one entity's description in `repo`'s catalog file, edited
    and committed. `run` makes each change differ from the last. Returns the new text."""
    path = repo / CATALOG_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.lstrip().startswith("description:"))
    indent = lines[number][: len(lines[number]) - len(lines[number].lstrip())]
    text = f"Changed for warm build {run}."
    lines[number] = f"{indent}description: {text}\n"
    path.write_text("".join(lines), encoding="utf-8")
    commit_all(repo, f"Warm build {run}: change one description", tick=run)
    return text
