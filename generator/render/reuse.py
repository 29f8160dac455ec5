"""Page-level incremental builds: an entity page whose inputs did not change is taken
from the previous site instead of being rendered again.

A page's inputs are what its context read of the catalog (recorded while it was built,
see `reads`), what it was given besides (its docs link, Kubernetes view, what was made
from a template), and the code and templates that turn them into HTML: a
`code_fingerprint` of the whole `generator` package, the template folders and the render
options. A page's key hashes all of them; the keys and each page's reads are kept in a
manifest inside the site. On the next build a page whose key, worked out from the digests
of the refs it read last time, is the one the manifest holds is hard-linked (or copied)
from the previous site, without building its context.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import operator
import os
import shutil
from pathlib import Path
from typing import Any, Callable

import orjson

from generator import __version__
from generator.jsontext import compact
from generator.model.entity import Entity

#: Inside the site, beside the pages it describes: {"pages": {page path: fingerprint}}.
MANIFEST = ".playbill-pages.json"
_PACKAGE = Path(__file__).resolve().parents[1]


def code_fingerprint(template_folders: list[Path], options: dict[str, Any]) -> str:
    """A hash of what renders any page: Playbill's version and source code (so a changed
    template filter or context builder invalidates every page, even without a release),
    every file of the template folders, and the render options that shape pages."""
    digest = hashlib.sha256(f"{__version__}\0{json.dumps(options, sort_keys=True)}".encode())
    for root in [_PACKAGE, *template_folders]:
        pattern = "*.py" if root == _PACKAGE else "*"
        for path in sorted(root.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(code: str, context: Any) -> str | None:
    """A hash of `code` and `context` (values a page is given), or None when the context
    holds something that cannot be serialised faithfully (the page is then always
    rendered)."""
    try:
        data = compact(context, default=plain)
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(code.encode() + b"\0" + data).hexdigest()


#: By dataclass: its name and a getter of all its field values as one tuple (in C), as
#: `dataclasses.fields` and a dict per object are too slow for hundreds of objects a page.
_FIELDS: dict[type, tuple[str, Callable[[Any], tuple]]] = {}


def plain(value: Any) -> Any:
    """What json cannot encode itself, as plain data naming its type. An Entity is its
    data and where it was read (the parsed document's line table and commit are not shown
    on pages), its relations as strings (three calls back here each, as dataclasses: most
    of the time of a warm build's digests); other dataclasses are their name, field names
    and values, as a list."""
    if isinstance(value, Entity):
        relations = [(str(r.source), r.type, str(r.target), r.field) for r in value.relations]
        return {"~": "Entity", "data": value.data, "file": value.file, "line": value.line,
                "relations": relations, "known": value.known_kind}
    known = _FIELDS.get(type(value))
    if known is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        known = _FIELDS[type(value)] = _fields_of(type(value))
    if known is not None:
        return [known[0], *known[1](value)]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__qualname__} has no stable form")


def _fields_of(cls: type) -> tuple[str, Callable[[Any], tuple]]:
    """A dataclass's name and field names (so that renaming or reordering fields changes
    the form), and a getter of its values in field order."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    getter = operator.attrgetter(*names) if names else (lambda value: ())
    get = getter if len(names) != 1 else (lambda value: (getter(value),))
    return f"~{cls.__qualname__}({','.join(names)})", get


@dataclasses.dataclass(frozen=True)
class Manifest:
    """A site's page keys; for each page the refs its context read of the catalog (see
    `reads`), and for the pages whose template called `has_page`, the refs it asked
    about (their answers are folded into the page's key)."""

    pages: dict[str, str] = dataclasses.field(default_factory=dict)
    asked: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    reads: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def with_answers(key: str, answers: dict[str, bool]) -> str:
    """`key` extended with what a page's template learnt from `has_page`."""
    if not answers:
        return key
    text = json.dumps(sorted(answers.items()), separators=(",", ":"))
    return hashlib.sha256(f"{key}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


def read_manifest(site_dir: Path | None) -> Manifest:
    """What a previous site recorded about its pages (empty when there is none or it
    cannot be read: then every page is rendered, as in a cold build)."""
    if site_dir is None:
        return Manifest()
    try:
        data = orjson.loads((site_dir / MANIFEST).read_bytes())
        pages, asked = data["pages"], data.get("asked", {})
        refs, reads = data.get("refs", []), data.get("reads", {})
        return Manifest({str(path): str(value) for path, value in pages.items()},
                        {str(path): [str(ref) for ref in refs] for path, refs in asked.items()
                         if isinstance(refs, list)},
                        {str(path): [refs[int(n)] for n in numbers.split()]
                         for path, numbers in reads.items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return Manifest()


def write_manifest(out_dir: Path, manifest: Manifest) -> None:
    """Sorted, so the same site always has the same manifest, one line per page. Each
    page's reads are numbers in one sorted list of refs, as most refs are read by many
    pages."""
    refs = sorted({ref for read in manifest.reads.values() for ref in read})
    number = {ref: str(n) for n, ref in enumerate(refs)}.__getitem__
    reads = {path: " ".join(map(number, read)) for path, read in manifest.reads.items()}
    parts = [("pages", _lines(manifest.pages)),
             *([("asked", _lines(manifest.asked))] if manifest.asked else []),
             ("refs", "[\n" + ",\n".join(_json(ref) for ref in refs) + "\n]"
              if refs else "[]"),
             ("reads", _lines(reads))]
    text = "{\n" + ",\n".join(f'"{name}": {block}' for name, block in parts) + "\n}\n"
    (out_dir / MANIFEST).write_text(text, encoding="utf-8")


def _lines(mapping: dict[str, Any]) -> str:
    """A JSON object with one sorted key a line (as `json.dumps(indent=0)` writes it, but
    with orjson: the standard library's indenting encoder is pure Python)."""
    if not mapping:
        return "{}"
    return "{\n" + ",\n".join(f"{_json(key)}: {_json(value)}"
                               for key, value in sorted(mapping.items())) + "\n}"


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # a lone surrogate: the standard library escapes it
        return json.dumps(value)


def reuse_file(old: Path, new: Path) -> bool:
    """Put the previous site's `old` at `new`: a hard link (no bytes copied; the old site
    is deleted after the swap, the link keeps the file), a copy across file systems.
    False when the old file is gone."""
    try:
        os.link(old, new)
        return True
    except FileNotFoundError:
        return False
    except OSError:
        try:
            shutil.copyfile(old, new)
            return True
        except OSError:
            return False
