"""Source trees for the synthetic repositories, shaped like those the sources stage makes."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from generator.model.scm import RepoWeb
from generator.model.source import SourceTree

BENCH_HOST = "https://github.com/playbill-bench"


def trees_for(repos: Sequence[Path], location_type: str = "url") -> list[SourceTree]:
    """One tree per repository folder. `url` trees look like GitHub clones (so locations and
    view/edit URLs are built as for real sources); `file` trees are plain local folders."""
    trees = []
    for repo in repos:
        web = RepoWeb("github", f"{BENCH_HOST}/{repo.name}", "main")
        trees.append(SourceTree(
            name=repo.name,
            root=repo,
            globs=("catalog-info.yaml",),
            location_type=location_type,
            branch="main" if location_type == "url" else None,
            web=web if location_type == "url" else None,
            display_prefix=f"{repo.name}/",
        ))
    return trees
