"""Reading one catalog file: bytes -> UTF-8 text -> YAML documents, through the load cache.

What comes out depends on the file's bytes only (never on where the file is), which is
what lets `generator.load.cache` keep it by content digest, as plain `marshal` data
(`encode`/`decode`: YAML 1.2 data is only dicts, lists, strings, numbers, booleans, null).
"""

from __future__ import annotations

import marshal
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from generator.cores import usable_cores
from generator.load.cache import LoadCache, Reuse, content_digest
from generator.model.document import Positions
from generator.model.problem import Problem, error
from generator.model.source import SourceTree
from generator.yaml12 import YamlDocument, YamlError, parse_documents

_API_VERSION_KEY = re.compile(r"""^["']?apiVersion["']?[ \t]*:""", re.MULTILINE)
_TEMPLATE_KIND = re.compile(r"^kind:[ \t]*['\"]?Template['\"]?[ \t]*(#.*)?$", re.M)
_KIND_KEY = re.compile(r"""^["']?kind["']?[ \t]*:""", re.MULTILINE)


@dataclass
class Parsed:
    """A readable file: does it look like an entity file, could it hold a placeholder at
    all (most cannot), and its documents (None when a sniffing read skipped it)."""

    entity_like: bool
    dollars: bool
    documents: list[YamlDocument] | None


def looks_like_entity_file(text: str) -> bool:
    """Top-level `apiVersion:` and `kind:` keys: how a folder scan tells entity files from
    mkdocs.yml, OpenAPI documents and other YAML living beside them. Files holding
    scaffolder expressions (`${{ values.name }}`, `{{ cookiecutter.x }}`) are a template's
    skeleton, not catalog files, so a scan of a template repository skips them too (the
    Template entity itself, which uses expressions in its steps, is kept)."""
    templated = "${{" in text or "{{cookiecutter" in text or "{{ cookiecutter" in text
    if templated and not _TEMPLATE_KIND.search(text):
        return False
    return bool(_API_VERSION_KEY.search(text)) and bool(_KIND_KEY.search(text))


def encode(parsed: Parsed) -> bytes | None:
    """`parsed` (documents parsed) as marshal bytes; None if it holds anything else than
    plain data (then it is simply not cached)."""
    documents = [(d.index, d.data, dict(d.positions.lines), d.positions.start,
                  None if d.error is None else (d.error.message, d.error.line, d.error.column,
                                                d.error.code, d.error.hint))
                 for d in parsed.documents or ()]
    try:
        return marshal.dumps((parsed.entity_like, parsed.dollars, documents))
    except ValueError:
        return None


def decode(blob: bytes) -> Parsed:
    """What `encode` wrote, as new objects (the loader changes the documents it gets)."""
    entity_like, dollars, documents = marshal.loads(blob)
    return Parsed(entity_like, dollars, [
        YamlDocument(index, data, Positions(lines, start),
                     None if error is None else YamlError(*error))
        for index, data, lines, start, error in documents])


class FileReader:
    """Reads files for one load, from the cache when it has them, and counts per tree
    what it parsed and what it reused."""

    def __init__(self, trees: list[SourceTree], cache: LoadCache | None) -> None:
        self.cache = cache
        self.parsed_in: dict[int, int] = {id(tree): 0 for tree in trees}
        self.reuse = Reuse(sources=len(trees))
        #: Parses made ahead, in other processes (see `parse_ahead`), by content digest.
        self.ahead: dict[str, bytes] = {}

    def parse_ahead(self, reads: Iterable[tuple[SourceTree, Path, str | None, bool]]) -> None:
        """Parse the files of `reads` (tree, resolved path, path in the tree, sniffing)
        that the cache does not have, over every core, before they are read one by one:
        parsing is nearly all of a cold load. Only a speed-up: a file parsed here is
        read, counted and reported by `read` as any other, and one that is not (too few
        files to be worth processes, or no processes at all) is parsed there."""
        todo = [(str(path), sniff) for tree, path, rel, sniff in reads
                if self._known_digest(tree, rel) is None]
        workers = min(usable_cores(), len(todo) // AHEAD_MIN_FILES)
        if workers < 2:
            return
        try:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                found = list(pool.map(_parse_ahead, todo, chunksize=AHEAD_CHUNK))
        except (OSError, RuntimeError):  # no processes here (a sandbox, a daemon worker)
            return
        self.ahead.update((digest, blob) for digest, blob in found if blob is not None)

    def read(self, tree: SourceTree, path: Path, rel: str | None, file: str, sniff: bool
             ) -> tuple[Parsed | None, Problem | None]:
        """The file at `path` (resolved; `rel` in `tree`, needed for pristine trees only),
        or the problem that says why it cannot be read. A sniffing read of a non-entity
        file is not parsed."""
        digest = self._known_digest(tree, rel)
        if digest is not None:
            parsed = self._cached(digest)
            if parsed is not None:
                return parsed, None
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return None, _unreadable(file, None, f"cannot be read: {exc.strerror or exc}",
                                     "Check the file's permissions, or remove it from the globs.",
                                     f"Error: file {path} could not be read, {exc}")
        digest = content_digest(raw)
        if self.cache is not None and tree.pristine and tree.commit and rel is not None:
            self.cache.record_digest(tree.resolved_root, tree.commit, rel, digest)
        parsed = self._cached(digest)
        if parsed is not None:
            return parsed, None
        blob = self.ahead.pop(digest, None)
        if blob is not None:
            return self._parsed(tree, digest, decode(blob), blob), None
        text, problem = _decode(raw, file)
        if problem is not None:
            return None, problem
        parsed = Parsed(looks_like_entity_file(text), "$" in text, None)
        if sniff and not parsed.entity_like:
            return parsed, None
        parsed.documents = parse_documents(text)
        return self._parsed(tree, digest, parsed, encode(parsed) if self.cache else None), None

    def _parsed(self, tree: SourceTree, digest: str, parsed: Parsed, blob: bytes | None
                ) -> Parsed:
        """A file parsed for this load (here or ahead), counted and kept in the cache."""
        self.parsed_in[id(tree)] = self.parsed_in.get(id(tree), 0) + 1
        self.reuse.files_parsed += 1
        if blob is not None and self.cache is not None:
            self.cache.keep_blob(digest, blob)
        return parsed

    def finish(self) -> Reuse:
        """The counts, once every file is read: a tree is reused when none of its files
        had to be parsed."""
        self.ahead.clear()  # parses of files no read asked for after all
        self.reuse.sources_reused = sum(1 for n in self.parsed_in.values() if n == 0)
        return self.reuse

    def _cached(self, digest: str) -> Parsed | None:
        if self.cache is None:
            return None
        try:
            blob = self.cache.blob(digest)
            parsed = decode(blob) if blob is not None else None
        except (EOFError, TypeError, ValueError, IndexError):
            return None  # a damaged entry: parse the file again
        if parsed is None:
            return None
        self.reuse.files_reused += 1
        return parsed

    def _known_digest(self, tree: SourceTree, rel: str | None) -> str | None:
        """A pristine tree's file at an unchanged commit: its digest, without reading it."""
        if self.cache is None or not tree.pristine or not tree.commit or rel is None:
            return None
        return self.cache.digest_at(tree.resolved_root, tree.commit, rel)


#: Parsing ahead pays for its processes from this many files per process on.
AHEAD_MIN_FILES = 32
AHEAD_CHUNK = 16


def _parse_ahead(item: tuple[str, bool]) -> tuple[str, bytes | None]:
    """In a worker: a file's content digest and its parse as `encode` bytes; None when
    `read` must see the file itself (unreadable, not text, or skipped by a sniffing read)."""
    path, sniff = item
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return "", None
    text, problem = _decode(raw, path)
    if problem is not None:
        return content_digest(raw), None
    parsed = Parsed(looks_like_entity_file(text), "$" in text, None)
    if sniff and not parsed.entity_like:
        return content_digest(raw), None
    parsed.documents = parse_documents(text)
    return content_digest(raw), encode(parsed)


def _decode(raw: bytes, file: str) -> tuple[str, Problem | None]:
    """The bytes as UTF-8 text, or the problem that says why not."""
    if b"\x00" in raw:
        return "", _unreadable(file, raw[: raw.index(b"\x00")].count(b"\n") + 1,
                               "is not a text file (it holds NUL bytes; binary, or UTF-16)",
                               "Save it as UTF-8 text, or keep it out of the catalog globs.",
                               "Error: YAML error at the file's location (it is not text)")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return "", _unreadable(file, line,
                               f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} on line {line})",
                               "Re-save the file as UTF-8 (most editors have an encoding menu).",
                               "accepted: Backstage decodes it with U+FFFD replacement characters")


def _unreadable(file: str, line: int | None, what: str, hint: str, backstage: str) -> Problem:
    return error("file-unreadable", f"{file} {what}", hint=hint, file=file, line=line,
                 backstage=backstage)
