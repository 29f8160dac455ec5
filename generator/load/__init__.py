"""The load stage: from source trees to YAML documents, read the way Backstage reads them.

Each file matched by a tree's globs is a registered location. Its documents go through
what Backstage does when a location emits them: YAML 1.2 parsing, the envelope check,
the location annotations and the placeholders; Location entities are followed to the
files they point at. What Backstage attaches to the *reading* location (a YAML error, a
broken envelope, a missing target) makes it drop every entity of that read; Playbill
keeps the good ones but says so once per read (`backstage-drops-siblings`).

Reading and parsing files goes through `files.FileReader`, which takes unchanged files'
parses from the load cache (`load.cache`) when one is given; everything after parsing
runs on every load, so a cached load gives exactly what an uncached one does.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from generator.load.annotations import annotate, location_annotations
from generator.load.cache import LoadCache, Reuse
from generator.load.files import FileReader, looks_like_entity_file
from generator.load.globs import expand, has_magic
from generator.model.values import js_typeof
from generator.load.locations import Target, is_followable, location_targets
from generator.load.placeholders import PlaceholderContext, resolve_placeholders
from generator.model.document import Document
from generator.model.envelope import check_envelope, envelope_ref
from generator.model.location import LocationRef
from generator.model.problem import Problem, error, note, warning
from generator.model.source import SourceTree
from generator.model.values import collector_paused
from generator.progress import OnProgress, Step
from generator.yaml12 import YamlDocument

__all__ = ["LoadCache", "LoadResult", "Reuse", "load_catalog", "looks_like_entity_file"]


@dataclass
class LoadResult:
    """Every good document (root a mapping, envelope sound, placeholders resolved) in
    reading order, and every problem met on the way."""

    documents: list[Document]
    problems: list[Problem]
    reuse: Reuse = field(default_factory=Reuse)


@dataclass
class _Read:
    """One read: what Backstage processes, stores or drops as a unit. `parent` is the
    registered location (`url:…`) or the ref of the Location entity that asked."""

    parent: str
    origin: LocationRef
    files: list[Target]
    sniff: bool = False
    location: Document | None = None  # the Location entity behind this read, if any
    failure: tuple[str, int | None, str] | None = None  # (file, line, what failed)
    documents: list[Document] = field(default_factory=list)
    children: list["_Read"] = field(default_factory=list)

    def fail(self, file: str, line: int | None, what: str) -> None:
        if self.failure is None:
            self.failure = (file, line, what)


@dataclass
class _File:
    """One file being read: computed once, shared by all its documents."""

    target: Target
    path: Path  # resolved
    file_rel: str
    file: str  # display path
    dollars: bool  # could it hold a placeholder at all? (most files cannot)
    _annotations: dict[str, str] | None = None

    def annotations(self, origin: LocationRef) -> dict[str, str]:
        if self._annotations is None:
            tree = self.target.tree
            self._annotations = location_annotations(self.target.location, origin, tree, self.file_rel)
        return self._annotations


def load_catalog(trees: Sequence[SourceTree], cache: LoadCache | None = None,
                 on_progress: OnProgress | None = None) -> LoadResult:
    """Read every tree's catalog files, then every file their Locations point at.

    Reads run breadth-first, registered files first (as the oracle orders them), and each
    file is read at most once, so Location cycles end by themselves. With `cache`, files
    whose content was parsed before are not parsed again (the caller saves the cache).
    `on_progress` gets a `Step` after each read (Locations add reads as they are met).
    """
    with collector_paused():
        return _Loader(list(trees), cache, on_progress).run()


class _Loader:
    def __init__(self, trees: list[SourceTree], cache: LoadCache | None,
                 on_progress: OnProgress | None) -> None:
        self.trees = trees
        self.files = FileReader(trees, cache)
        self.on_progress = on_progress
        self.documents: list[Document] = []
        self.problems: list[Problem] = []
        self.seen: set[Path] = set()
        self.resolved: dict[Path, Path] = {}
        self.roots: dict[Path, Path] = {}
        self.reads: list[_Read] = []
        self.queue: deque[_Read] = deque()

    def run(self) -> LoadResult:
        for tree in self.trees:
            self._register(tree)
        while self.queue:
            # A round at a time (the same order as one by one): the files its reads name
            # are parsed ahead, in parallel, before they are read in order.
            self._parse_ahead(list(self.queue))
            for _ in range(len(self.queue)):
                read = self.queue.popleft()
                self.reads.append(read)
                for target in read.files:
                    self._read_file(read, target)
                if self.on_progress is not None:
                    done = len(self.reads)
                    self.on_progress(Step("load", done, done + len(self.queue)))
        self._warn_dropped()
        return LoadResult(self.documents, self.problems, self.files.finish())

    def _register(self, tree: SourceTree) -> None:
        matched = False
        for pattern in tree.globs:
            for path in expand(tree.root, pattern):
                matched = True
                location = tree.location_of(path)
                sniff = tree.sniff and has_magic(pattern)
                self.queue.append(_Read(str(location), location, [Target(tree, path, location)], sniff))
        if not matched:
            self.problems.append(warning(
                "no-catalog-files",
                f"no catalog file in {tree.name or tree.root} matches {', '.join(tree.globs)}",
                hint="Add a catalog-info.yaml at the repository root, or set the globs of "
                "this source in catalog_sources.yaml.",
                file=tree.display_prefix or str(tree.root),
                backstage="NotFoundError: the registered location has no file to read",
            ))

    def _parse_ahead(self, reads: list[_Read]) -> None:
        ahead = []
        for read in reads:
            for target in read.files:
                path = self._resolve(target.path)
                if path not in self.seen:
                    rel = self._relpath(target.tree, path) if target.tree.pristine else None
                    ahead.append((target.tree, path, rel, read.sniff))
        self.files.parse_ahead(ahead)

    def _resolve(self, path: Path) -> Path:
        """`path.resolve()`, once per path a load: parsing ahead and reading both need it."""
        resolved = self.resolved.get(path)
        if resolved is None:
            resolved = self.resolved[path] = path.resolve()
        return resolved

    def _read_file(self, read: _Read, target: Target) -> None:
        path = self._resolve(target.path)
        if path in self.seen:
            return
        tree = target.tree
        file = tree.display(path)
        rel = self._relpath(tree, path) if tree.pristine else None
        parsed, problem = self.files.read(tree, path, rel, file, read.sniff)
        if problem is not None:
            self.seen.add(path)
            self.problems.append(problem)
            read.fail(file, problem.line, f"{file} could not be read")
            return
        if read.sniff and not parsed.entity_like:
            return
        self.seen.add(path)
        documents = parsed.documents
        if not documents:
            self.problems.append(note(
                "empty-file",
                f"{file} holds no YAML document (it is empty or only comments)",
                hint="Add an entity or remove the file; Backstage skips it silently.",
                file=file,
                line=1,
                backstage="accepted: empty documents are skipped silently",
            ))
        here = _File(target, path, rel or self._relpath(tree, path), file, parsed.dollars)
        for document in documents:
            self._document(read, here, document)

    def _relpath(self, tree: SourceTree, path: Path) -> str:
        """`tree.relpath` for an already resolved path, resolving each root only once
        (resolving is most of the cost of loading many small files)."""
        root = self.roots.get(tree.root)
        if root is None:
            root = self.roots[tree.root] = tree.root.resolve()
        return path.relative_to(root).as_posix()

    def _document(self, read: _Read, here: "_File", doc: YamlDocument) -> None:
        target, path, file_rel, file = here.target, here.path, here.file_rel, here.file
        refused = self._refusal(target, file, doc)
        if refused:
            self.problems.extend(refused)
            read.fail(file, refused[0].line, f"{file} document {doc.index + 1} was refused")
            return
        data = doc.data
        ref = str(envelope_ref(data))
        if read.location is not None and ref == read.parent:
            self.problems.append(note(
                "location-reads-itself",
                f"{file}: the Location {ref} reads a document with its own ref; it is ignored",
                hint="Point the Location at other files only.",
                file=file, line=doc.positions.start, entity=ref,
                backstage="ignored with a log warning",
            ))
            return
        tree = target.tree
        if not data["metadata"].get("annotations"):
            data["metadata"]["annotations"] = {}
        annotate(data, here.annotations(read.origin))
        if here.dollars:
            context = PlaceholderContext(tree, file_rel, target.location, self.trees,
                                         doc.positions, file, ref)
            data = resolve_placeholders(data, context)
            self.problems.extend(context.problems)
            if context.failed:
                return
        document = Document(
            data=data, file=file, path=path, index=doc.index, positions=doc.positions,
            location=target.location, origin=read.origin, parent=read.parent,
            source=tree.name, commit=tree.commit,
        )
        self.documents.append(document)
        read.documents.append(document)
        if is_followable(data):
            self._follow(read, document, tree)

    def _refusal(self, target: Target, file: str, doc: YamlDocument) -> list[Problem]:
        """Problems Backstage pins on the reading location: the document never becomes
        an entity."""
        if doc.error is not None:
            return [error(
                doc.error.code,
                f"{file}: document {doc.index + 1}: {doc.error.message} "
                f"(line {doc.error.line}, column {doc.error.column})",
                hint=doc.error.hint,
                file=file,
                line=doc.error.line,
                backstage=f"Error: YAML error at {target.location}, {doc.error.backstage}",
            )]
        if not isinstance(doc.data, dict):
            got = js_typeof(doc.data)
            return [error(
                "not-an-object",
                f"{file}: document {doc.index + 1} is a {_plain_type(doc.data)}, not a mapping "
                "with apiVersion, kind and metadata",
                hint="Each YAML document must be one entity (`key: value` lines); remove the "
                "leading `- ` or split the list into documents separated by `---`.",
                file=file,
                line=doc.positions.start,
                backstage=f"Error: Expected object at root, got {got}",
            )]
        return check_envelope(doc.data, doc.positions, file)

    def _follow(self, read: _Read, document: Document, tree: SourceTree) -> None:
        targets = location_targets(document, tree, self.trees)
        self.problems.extend(targets.problems)
        if any(p.is_error for p in targets.problems):
            # Backstage pins the error on the Location itself, which is then not stored.
            self.documents.remove(document)
        child = _Read(str(envelope_ref(document.data)), read.origin, targets.files, location=document)
        if targets.failed is not None:
            child.fail(document.file, document.line_of(targets.failed),
                       f"a target of the Location {child.parent} failed")
        read.children.append(child)
        if tree.follow_locations:
            self.queue.append(child)

    def _warn_dropped(self) -> None:
        for read in self.reads:
            if read.failure is None:
                continue
            dropped = _count(read)
            if not dropped:
                continue
            file, line, what = read.failure
            self.problems.append(warning(
                "backstage-drops-siblings",
                f"Backstage would store none of the {dropped} other "
                f"entit{'y' if dropped == 1 else 'ies'} read by {read.parent}, because "
                f"{what}; Playbill keeps {'it' if dropped == 1 else 'them'}",
                hint="Fix the error reported at this line so Backstage stores the others too.",
                file=file,
                line=line,
                entity=read.parent if read.location is not None else None,
                backstage=f"the processing of {read.parent} fails and none of the entities "
                "it read that round are stored",
            ))


def _count(read: _Read) -> int:
    """Entities a failed read takes down with it, Locations' descendants included."""
    return len(read.documents) + sum(_count(child) for child in read.children)


def _plain_type(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"
