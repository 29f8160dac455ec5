"""Which files a Location entity reads (spec §7): its targets, resolved like Backstage.

`target` is read first, then `targets`; the type is `spec.type` or the type of the
location the Location itself was read from. A target of another type is used as written.
`file` targets starting with `.` are relative to the Location's folder; `url` targets are
relative to its folder, `/x` to the repository root. Both may be globs.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from generator.load.globs import expand, has_magic
from generator.load.places import Place, find_url, is_absolute_url, resolve
from generator.model.document import Document, FieldPath
from generator.model.envelope import envelope_ref
from generator.model.location import LocationRef
from generator.model.problem import Problem, error, warning
from generator.model.source import SourceTree

LOCATION_API_VERSIONS = ("backstage.io/v1alpha1", "backstage.io/v1beta1")
READERS = ("url", "file")


@dataclass(frozen=True)
class Target:
    """One file a Location reads, and the exact location Backstage reads it at."""

    tree: SourceTree
    path: Path
    location: LocationRef


@dataclass
class Targets:
    """What a Location's targets resolved to. `failed` is the field whose failure makes
    Backstage drop everything this Location read (a missing required target, say)."""

    files: list[Target] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    failed: FieldPath | None = None


def is_followable(data: dict[str, Any]) -> bool:
    """A Location whose spec Backstage would accept; a malformed one is the validator's
    to report, and following it would only guess."""
    if data.get("kind") != "Location" or data.get("apiVersion") not in LOCATION_API_VERSIONS:
        return False
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return False
    targets = spec.get("targets", [])
    return (
        isinstance(spec.get("type", ""), str)
        and isinstance(spec.get("target", ""), str)
        and isinstance(targets, list)
        and all(isinstance(t, str) for t in targets)
        and spec.get("presence", "required") in ("required", "optional")
    )


def location_targets(document: Document, tree: SourceTree, trees: Sequence[SourceTree]) -> Targets:
    """Resolve every target of a followable Location document."""
    spec = document.data["spec"]
    result = Targets()
    written: list[tuple[FieldPath, str]] = []
    if "target" in spec:
        written.append((("spec", "target"), spec["target"]))
    written += [(("spec", "targets", i), t) for i, t in enumerate(spec.get("targets", []))]
    for path, target in written:
        _one_target(document, tree, trees, path, target, result)
    return result


def _one_target(document: Document, tree: SourceTree, trees: Sequence[SourceTree],
                path: FieldPath, target: str, result: Targets) -> None:
    spec = document.data["spec"]
    kind = spec.get("type") or document.location.type
    own = document.location.type
    where = {
        "file": document.file,
        "line": document.line_of(path),
        "entity": _ref(document),
    }
    if kind not in READERS:
        result.problems.append(error(
            "location-type-unsupported",
            f"{_field(path)}: Location type {kind!r} cannot be read; Backstage reads only "
            "`url` and `file` targets without extra modules",
            hint="Use `type: url` with a file in a listed repository, or list that "
            "repository in catalog_sources.yaml instead of discovering it.",
            backstage=f"InputError: No processor was able to handle reading of {kind}:{target}",
            **where,
        ))
        result.failed = result.failed or path
        return
    if kind == "file" and own == "file":
        place = _file_place(document, target, trees)
    elif kind == "url" and own == "url":
        file_rel = tree.relpath(document.path)
        place = resolve(target, tree, file_rel, trees)
    elif kind == "url" and is_absolute_url(target):
        place = find_url(target, trees)
    elif kind == "url":
        result.problems.append(error(
            "location-target-invalid",
            f"{_field(path)}: {target!r} is relative, but a url target read from a file "
            "location must be an absolute URL",
            hint="Drop `type: url` so the target is read as a file next to this one, or run "
            "Playbill inside the Git repository so it is read as a url location.",
            backstage="Error: Unable to read url, Invalid URL",
            **where,
        ))
        result.failed = result.failed or path
        return
    else:
        place = Place(url=target)
    if place.url is not None:
        result.problems.append(_not_read(kind, target, path, where))
        return
    _add_files(document, place, kind, target, path, where, result)


def _file_place(document: Document, target: str, trees: Sequence[SourceTree]) -> Place:
    """`./x` is relative to the Location's folder, anything else is used as written."""
    if target.startswith("."):
        joined = posixpath.join(document.path.resolve().parent.as_posix(), target)
    else:
        joined = target if Path(target).is_absolute() else (Path.cwd() / target).as_posix()
    joined = posixpath.normpath(joined)
    for tree in trees:
        root = tree.root.resolve().as_posix()
        if joined == root or joined.startswith(root + "/"):
            return Place(tree, joined[len(root) + 1 :])
    return Place(url=joined)


def _add_files(document: Document, place: Place, kind: str, target: str, path: FieldPath,
               where: dict, result: Targets) -> None:
    tree, pattern = place.tree, place.path
    files = [] if place.problem or target.endswith("/") else expand(tree.root, pattern or "")
    absolute_url = kind == "url" and is_absolute_url(target) and not has_magic(target)
    for file in files:
        location = (
            LocationRef("url", target) if absolute_url
            else tree.location_of(file, via_location=kind == "url")
        )
        result.files.append(Target(tree, file, location))
    if files or document.data["spec"].get("presence") == "optional":
        return
    result.problems.append(_missing(document, place, kind, target, path, where))
    result.failed = result.failed or path


def _missing(document: Document, place: Place, kind: str, target: str, path: FieldPath,
             where: dict) -> Problem:
    if kind == "file":
        shown = str(place.local) if place.local else target
        backstage = f"NotFoundError: file {shown} does not exist"
    else:
        shown = place.tree.location_of(place.local, via_location=True).target \
            if place.local else target
        backstage = f"NotFoundError: Unable to read url, no matching files found for {shown}"
    reason = place.problem or (
        "names a folder, not a file" if target.endswith("/") else "matches no file"
    )
    return error(
        "location-target-missing",
        f"{_field(path)}: target {target!r} {reason}",
        hint="Fix the path (relative to this file's folder; `/` starts at the repository "
        "root), or add `presence: optional` if the file may be absent.",
        backstage=backstage,
        **where,
    )


def _not_read(kind: str, target: str, path: FieldPath, where: dict) -> Problem:
    return warning(
        "location-not-read",
        f"{_field(path)}: {kind} target {target!r} is outside every source Playbill reads; "
        "its entities are not in this catalog",
        hint="List the repository or folder that holds it in catalog_sources.yaml.",
        backstage="accepted: Backstage reads it when it processes this Location",
        **where,
    )


def _ref(document: Document) -> str:
    return str(envelope_ref(document.data))


def _field(path: FieldPath) -> str:
    return ".".join(str(p) for p in path)
