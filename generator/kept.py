"""Files a build keeps for the next one in the cache folder (see `load.cache` and
`build._validate`).

They are written with `marshal`, not `pickle`: they hold data only (strings, numbers,
dicts, lists, tuples, sets, bytes), so a cache restored from elsewhere (a CI cache) can
at worst be wrong data that is thrown away, never code that runs. Each is tagged with a
key of the code whose output it holds, so new code never reads an old file; an
unreadable or foreign file reads as nothing.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any, Iterable

from generator import __version__


def code_key(sources: Iterable[Path]) -> str:
    """Playbill's and Python's versions (marshal's format is Python's) and a digest of
    the source files whose output is kept."""
    digest = hashlib.blake2b(f"{__version__} {sys.version}".encode(), digest_size=16)
    for path in sources:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read(path: Path, key: str) -> dict[str, Any] | None:
    """What `write` kept at `path` under `key`, or None (none yet, other code, or an
    unreadable file: a cache is never worth failing a build for)."""
    try:
        saved = marshal.loads(path.read_bytes())
    except (OSError, EOFError, TypeError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("key") != key:
        return None
    return saved


def write(path: Path, key: str, data: dict[str, Any]) -> None:
    """Keep `data` at `path` under `key`, atomically (a build that dies meanwhile
    leaves the previous file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    scratch.write_bytes(marshal.dumps({**data, "key": key}))
    os.replace(scratch, path)
