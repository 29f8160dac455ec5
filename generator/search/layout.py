"""Where the search index lives in a site and how its scripts are written: under
`file://` a page cannot fetch JSON, so every part of the index is a script assigning into
a global, which search.js inserts when a search needs it."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

SEARCH_DIR = "search"
MANIFEST = "manifest.js"
MANIFEST_GLOBAL = "PLAYBILL_SEARCH"
SHARDS_GLOBAL = "PLAYBILL_SEARCH_SHARDS"

_PART_SCRIPT = re.compile(r"^\(window\.\w+=window\.\w+\|\|\{\}\)\[\"([^\"]+)\"\]=(.*);\n$", re.S)
_MANIFEST_SCRIPT = re.compile(r"^window\.\w+=(.*);\n$", re.S)


def part_script(key: str, body: dict[str, Any]) -> str:
    """A script that registers one part of a shard under `key` without clobbering others."""
    target = f"(window.{SHARDS_GLOBAL}=window.{SHARDS_GLOBAL}||{{}})"
    return f'{target}["{key}"]={script_json(body)};\n'


def manifest_data(text: str) -> Any | None:
    """What a manifest script assigns, or None when `text` is not one."""
    match = _MANIFEST_SCRIPT.match(text)
    return json.loads(match.group(1)) if match else None


def part_data(text: str, key: str) -> Any | None:
    """What a part script registers, or None when `text` is not one registering `key`."""
    match = _PART_SCRIPT.match(text)
    return json.loads(match.group(2)) if match and match.group(1) == key else None


def script_json(data: Any) -> str:
    """Compact, key-order-stable JSON; `</` escaped so a script can never be closed early.
    orjson writes what `json.dumps(ensure_ascii=False, separators=(",", ":"))` writes for
    the index's strings, integers and 3-decimal floats, several times faster (the stage
    measures every term this way); what it refuses (a lone surrogate) goes through json."""
    try:
        text = orjson.dumps(data).decode()
    except orjson.JSONEncodeError:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
