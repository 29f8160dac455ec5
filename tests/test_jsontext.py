"""Compact JSON through orjson, with the standard library behind it (generator/jsontext.py)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from generator.jsontext import compact


def stdlib(value, default=None) -> bytes:
    return json.dumps(value, default=default, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("value", [
    {"name": "svc", "tags": ["a", "b"], "n": 3, "ratio": 0.1, "big": 1e20, "none": None},
    ["é/\\\"", "a\u2028b", "\x00\x1f\x7f", "\t\n\r\b\f", "😀", "中文"],
    {"z": 1, "a": {"nested": [True, False, -0.0, 2 ** 62]}},
    {1: "int key", None: "none key", True: "bool key"},
    [],
    {},
])
def test_same_bytes_as_the_standard_library(value):
    assert compact(value) == stdlib(value)


def test_what_orjson_refuses_goes_through_the_standard_library():
    for value in (["lone \ud800 surrogate"], {"huge": 2 ** 70}):
        assert compact(value) == stdlib(value)


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int


def plain(value):
    if isinstance(value, Point):
        return ["Point", value.x, value.y]
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} has no stable form")


def test_dataclasses_and_sets_take_the_default():
    value = {"at": Point(1, 2), "refs": {"b", "a"}}
    assert compact(value, default=plain) == b'{"at":["Point",1,2],"refs":["a","b"]}'
    assert compact(value, default=plain) == stdlib(value, default=plain)


def test_what_the_default_cannot_encode_is_a_type_error():
    with pytest.raises(TypeError):
        compact({"x": object()}, default=plain)
    with pytest.raises(TypeError):
        compact({"x": object()})
