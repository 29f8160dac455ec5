"""Compact JSON, fast. orjson encodes what Playbill serialises (page keys and ref digests,
the catalog and graph exports) several times faster than the standard library and writes the
same bytes for it; what orjson refuses (lone surrogates, integers beyond 64 bits) goes
through the standard library instead. The one difference: a NaN float is `null` here,
where the standard library writes `NaN`, which is not JSON."""

from __future__ import annotations

import json
from typing import Any, Callable

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS


def compact(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """`value` as compact UTF-8 JSON, keys in the data's own order. `default` turns what
    JSON has no form for (and every dataclass) into something it has; it raises TypeError
    for what it cannot, and so does this."""
    try:
        return orjson.dumps(value, default=default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        text = json.dumps(value, default=default, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "surrogatepass")
