"""The load cache: parsed catalog files kept between builds, so unchanged sources are not
parsed again (parsing is nearly all of the load stage's time).

Two tables, saved together in one file under the cache folder:

- `blobs`: a file's content digest -> its parse (the YAML documents with their line
  numbers, as plain values: `files.encode`). Content-addressed, so a hit is exactly what parsing those bytes gives,
  whichever tree, path or commit the bytes come from.
- `commits`: (tree root, commit) -> {path in the tree: digest}, for trees the sources
  stage checked out itself (`SourceTree.pristine`): when their commit did not change,
  their files are not even read. Local folders and work trees (which may hold uncommitted
  edits) are always read and found by content.

Only parsing is cached: annotations, placeholders, Location targets and duplicate
detection all run on every build, since they depend on other files and other trees. So a
warm build gives the very documents and problems a cold one does. The cache is keyed by
Playbill's version and the source of the code that parses, so a new parser never reads an
old parse; an unreadable cache is simply empty. Entries unused for a few builds are dropped.

The file is written with `marshal` (see `generator.kept`): data only, never code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from generator import kept

CACHE_FILE = "load.marshal"
KEEP_BUILDS = 3  # entries unused this many builds in a row are dropped


def content_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=20).hexdigest()


def code_key() -> str:
    """Playbill's and Python's versions (marshal's format is Python's) and a digest of the
    modules whose output is cached."""
    from generator import yaml12
    from generator.load import files
    from generator.model import document

    return kept.code_key(Path(module.__file__) for module in (yaml12, files, document))


@dataclass
class Reuse:
    """What a load took from the cache: trees whose every file was reused, and files."""

    sources: int = 0
    sources_reused: int = 0
    files_parsed: int = 0
    files_reused: int = 0

    def summary(self) -> str:
        return (f"reused {self.sources_reused:,} of {self.sources:,} source"
                f"{'s' if self.sources != 1 else ''} ({self.files_parsed:,} file"
                f"{'s' if self.files_parsed != 1 else ''} parsed, "
                f"{self.files_reused:,} reused)")


@dataclass
class LoadCache:
    """The cache of one build: opened before the load, saved after it."""

    folder: Path | None = None
    generation: int = 0
    blobs: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    commits: dict[tuple[str, str], tuple[int, dict[str, str]]] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def open(cls, folder: Path) -> "LoadCache":
        """The cache saved in `folder`, or an empty one (none yet, another Playbill, or
        an unreadable file: a cache is never worth failing a build for)."""
        cache = cls(folder)
        saved = kept.read(folder / CACHE_FILE, code_key()) or {}
        generation, blobs, commits = (saved.get(name) for name in ("generation", "blobs",
                                                                   "commits"))
        if isinstance(generation, int) and isinstance(blobs, dict) \
                and isinstance(commits, dict):
            cache.generation, cache.blobs, cache.commits = generation + 1, blobs, commits
        return cache

    def blob(self, digest: str) -> bytes | None:
        """What `keep_blob` kept for the content with `digest`, if a recent build did."""
        entry = self.blobs.get(digest)
        if entry is None:
            return None
        self._touch_blob(digest, entry)
        return entry[1]

    def keep_blob(self, digest: str, blob: bytes) -> None:
        self.blobs[digest] = (self.generation, blob)
        self.changed = True

    def digest_at(self, root: Path, commit: str, rel: str) -> str | None:
        entry = self.commits.get((str(root), commit))
        if entry is None:
            return None
        if entry[0] != self.generation:
            self.commits[(str(root), commit)] = entry = (self.generation, entry[1])
            self.changed = True
        return entry[1].get(rel)

    def record_digest(self, root: Path, commit: str, rel: str, digest: str) -> None:
        key = (str(root), commit)
        files = self.commits.get(key, (0, {}))[1]
        if files.get(rel) != digest:
            files[rel] = digest
            self.changed = True
        self.commits[key] = (self.generation, files)

    def save(self) -> None:
        """Write the cache back (atomically) when this build added or used anything new,
        dropping what no recent build used."""
        if self.folder is None or not self.changed:
            return
        oldest = self.generation - KEEP_BUILDS + 1
        kept.write(self.folder / CACHE_FILE, code_key(), {
            "generation": self.generation,
            "blobs": {k: v for k, v in self.blobs.items() if v[0] >= oldest},
            "commits": {k: v for k, v in self.commits.items() if v[0] >= oldest},
        })
        self.changed = False

    def _touch_blob(self, digest: str, entry: tuple[int, bytes]) -> None:
        if entry[0] != self.generation:
            self.blobs[digest] = (self.generation, entry[1])
            self.changed = True
