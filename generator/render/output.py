"""Where a site is written: a fresh folder beside the target, swapped in when complete.

A failed build leaves the previous site as it was, and a folder that Playbill did not
write (no marker file) is never deleted: the build refuses with a clear message instead,
so nothing a user wrote is lost to a mistyped `--site-dir`.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

#: Written into every site; its presence is what makes a folder safe to replace.
MARKER = ".playbill-site"
MARKER_TEXT = "This folder is written by `playbill build` and replaced on every build.\n"


class SiteDirError(Exception):
    """The output folder cannot be used (it holds something that is not a Playbill site)."""


def check_site_dir(site_dir: Path) -> None:
    """Raise SiteDirError unless `site_dir` is missing, empty, or a previous Playbill site."""
    if not site_dir.exists():
        return
    if not site_dir.is_dir():
        raise SiteDirError(f"{site_dir} exists and is not a folder; choose another --site-dir")
    if (site_dir / MARKER).is_file() or not any(site_dir.iterdir()):
        return
    raise SiteDirError(
        f"{site_dir} is not empty and was not written by Playbill (no {MARKER} file in it); "
        f"refusing to replace it. Choose another --site-dir, or empty that folder first."
    )


@contextmanager
def staged_site(site_dir: Path) -> Iterator[Path]:
    """Yield a new folder to write the site into; on success it replaces `site_dir`.

    On any exception the new folder is removed and `site_dir` is left untouched.
    """
    site_dir = site_dir.absolute()
    check_site_dir(site_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = site_dir.parent / f".{site_dir.name}.new-{os.getpid()}"
    _remove(staging)
    staging.mkdir()
    try:
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        yield staging
        _swap(staging, site_dir)
    except BaseException:
        _remove(staging)
        raise


def _swap(staging: Path, site_dir: Path) -> None:
    """Move the old site aside, the new one in, then delete the old one."""
    old = site_dir.parent / f".{site_dir.name}.old-{os.getpid()}"
    _remove(old)
    if site_dir.exists():
        check_site_dir(site_dir)  # again: it may have changed while we were building
        site_dir.rename(old)
    staging.rename(site_dir)
    _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
