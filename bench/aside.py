"""Folders the benchmark is done with are moved aside, and deleted only when it ends.

On ext4 without a journal (this machine's root file system), the kernel does not hand
out an inode for 60 s after it was freed (360 s while its inode table block is still
dirty), and walks past every such inode for each new file or folder it creates. A build
right after the benchmark deleted the last one's clones and site (22,000 inodes at 10k)
spent 7-12 s in the kernel instead of 2.5 s, and took 12.5-14.8 s instead of 9.1-10.0 s
(`perf`: three quarters of its file creation in ext4's `recently_deleted`). A CI runner
starts on a fresh disk, so deleting between builds measured the benchmark, not the
build. Renaming a folder frees no inode.

    aside = SetAside(out)
    aside.put(out / "site")   # gone from its place at once, its inodes still in use
    ...                       # builds
    aside.empty()             # deleted at the end
"""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

FOLDER = ".bench-set-aside"


class SetAside:
    """A folder inside `root` that `put` moves folders into; `empty` deletes it."""

    def __init__(self, root: Path) -> None:
        self.folder = root / FOLDER
        self._numbers = itertools.count()

    def put(self, path: Path) -> None:
        """Move `path` (a folder or file; nothing when missing) out of the way."""
        if not path.exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:  # a folder left by an interrupted run may hold the same numbers
            target = self.folder / f"{next(self._numbers)}-{path.name}"
            if not target.exists():
                break
        path.rename(target)

    def empty(self) -> None:
        """Delete everything put aside (and whatever an interrupted run left there)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def journal_less_ext4(folder: Path) -> str | None:
    """The device holding `folder` when it is ext4 without a journal, the file system the
    above is about; None otherwise, or when /proc does not say."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8")
    except OSError:
        return None
    mounted = mount_of(folder.resolve(), mounts)
    if mounted is None or mounted[1] != "ext4":
        return None
    device = mounted[0]
    try:
        options = Path("/proc/fs/ext4", Path(device).name, "options").read_text(encoding="utf-8")
    except OSError:
        return None
    return None if has_journal(options) else device


def mount_of(folder: Path, mounts: str) -> tuple[str, str] | None:
    """(device, file system type) of the deepest mount in /proc/mounts text holding
    `folder` (an absolute, resolved path); of two at one place, the later, which hides
    the earlier."""
    best: tuple[int, str, str] | None = None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = Path(_unescape(fields[1]))
        if (folder == point or point in folder.parents) and (
                best is None or len(point.parts) >= best[0]):
            best = (len(point.parts), _unescape(fields[0]), fields[2])
    return None if best is None else best[1:]


def has_journal(options: str) -> bool:
    """Whether /proc/fs/ext4/<device>/options names a data mode, which ext4 only has with
    a journal (`data=ordered`, `data=writeback` or `data=journal`)."""
    return any(line.startswith("data=") for line in options.splitlines())


def _unescape(field: str) -> str:
    # /proc/mounts writes a space in a path as \040, a tab as \011 and so on.
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)
