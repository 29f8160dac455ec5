"""Checks that hold for the whole test run."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Folders `playbill build` writes beside the sources file it reads; tests build elsewhere.
BUILD_OUTPUT = (".playbill", "site")


def _listing() -> set[str]:
    found = set()
    for name in BUILD_OUTPUT:
        folder = REPO / name
        if folder.is_dir():
            found |= {p.relative_to(REPO).as_posix() for p in folder.glob("*/*")}
            found.add(name)
    return found


@pytest.fixture(scope="session", autouse=True)
def repository_left_as_it_was():
    """A test that runs `playbill` with the checkout as its working folder must send its
    caches and site to tmp_path: a fresh clone has to stay clean after `.ci/run`."""
    before = _listing()
    yield
    added = sorted(_listing() - before)
    assert not added, f"tests wrote into the repository: {', '.join(added[:5])}"
