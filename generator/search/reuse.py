"""Shard-level incremental search: a shard whose documents did not change is taken from
the previous site instead of being built again with lunr.

A shard's lunr index depends only on its own documents (see `generator.search`: shards
are built one by one), so its scripts (term buckets and row chunks) are a function of its
key, its rows, the bucket size and the code that turns them into an index.
`input_digest` hashes exactly those; the previous site records, beside its pages, which
files and manifest entry each digest produced (`RECORD`, with the files' sizes so that a
reused shard is not read and gzipped again to be measured). With one changed entity, only
the one shard holding it is built again.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import lunr

from generator import __version__
from generator.jsontext import compact
from generator.render.output import MARKER
from generator.render.reuse import reuse_file

#: Inside the site, beside the pages manifest: {"shards": {input digest: Shard fields}}.
RECORD = ".playbill-search.json"
#: The search stage's own code (this package): a changed indexing rule must change every
#: digest.
_CODE = Path(__file__).parent
_SHARD_FILE = re.compile(r"^search/(bucket|docs)-\d+-\d+-[0-9a-f]+\.js$")


@dataclass(frozen=True)
class Shard:
    """One shard's scripts in a site: their paths from the site root, their total sizes
    and the shard's entry in the manifest (where its buckets start, which file is which)."""

    files: tuple[str, ...]
    bytes: int
    gzipped: int
    entry: dict[str, Any]


def input_digest(key: str, rows: Sequence[Any]) -> str:
    """What a shard's script is made from: its key, its rows (indexed fields and shown
    line) and the versions of Playbill, lunr and the search stage's source."""
    digest = hashlib.sha256(f"{__version__}\0{lunr.__VERSION__}\0{key}\0".encode())
    for path in sorted(_CODE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(compact(rows))
    return digest.hexdigest()


def previous_shards(site_dir: Path | None) -> dict[str, Shard]:
    """The previous site's shards by input digest; empty when there is no previous
    Playbill site or its record cannot be read (every shard is then built, as cold)."""
    if site_dir is None or not (site_dir / MARKER).is_file():
        return {}
    try:
        shards = json.loads((site_dir / RECORD).read_text(encoding="utf-8"))["shards"]
        found = {str(key): Shard(tuple(str(file) for file in value["files"]),
                                 int(value["bytes"]), int(value["gzipped"]), dict(value["entry"]))
                 for key, value in shards.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    # Only names this stage writes: a hand-edited record cannot point outside search/.
    return {key: shard for key, shard in found.items()
            if all(_SHARD_FILE.match(file) for file in shard.files)}


def take(previous: Path, shard: Shard, site_dir: Path) -> bool:
    """Link `shard`'s files from the previous site into `site_dir`; False when one is
    gone, and then none is left linked (a fresh build must not write into a link)."""
    taken = []
    for file in shard.files:
        if not reuse_file(previous / file, site_dir / file):
            for done in taken:
                (site_dir / done).unlink()
            return False
        taken.append(file)
    return True


def write_record(site_dir: Path, shards: dict[str, Shard]) -> None:
    """Sorted, so the same site always has the same record."""
    data = {"shards": {key: vars(shard) for key, shard in sorted(shards.items())}}
    (site_dir / RECORD).write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")
