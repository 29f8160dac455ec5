"""YAML 1.2 as Backstage's `yaml` package reads it (spec §9 is the test list)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.yaml12 import parse_documents, parse_single

SHARED = Path(__file__).resolve().parents[2] / "shared"
CASES = SHARED / "oracle" / "cases"


def value_of(text: str):
    """The value of key `v` in a one-document YAML text."""
    [document] = parse_documents(f"v: {text}\n")
    assert document.error is None, document.error
    return document.data["v"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", "yes"),
        ("No", "no".capitalize()),
        ("ON", "ON"),
        ("off", "off"),
        ("y", "y"),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("tRUE", "tRUE"),
        ("null", None),
        ("Null", None),
        ("~", None),
        ("", None),
        ("2024-01-31", "2024-01-31"),
        ("2024-01-31T10:00:00Z", "2024-01-31T10:00:00Z"),
        ("0755", 755),
        ("-0755", -755),
        ("+12", 12),
        ("0o755", 493),
        ("0x1F", 31),
        ("0b101", "0b101"),
        ("1_000", "1_000"),
        ("1.5", 1.5),
        ("1.0", 1),
        ("1e3", 1000),
        (".5", 0.5),
        (".inf", None),
        ("-.Inf", None),
        (".nan", None),
        ("1:30", "1:30"),
        ("!!str 123", "123"),
        ("!!str yes", "yes"),
        ('"123"', "123"),
        ("'true'", "true"),
        ("!!int 0x10", 16),
        ("!!int abc", "abc"),
        ("!!float 1", "1"),  # the yaml package: no float pattern matches, so a string
        ("!!float 1.5", 1.5),
        ("!!null ''", None),
        ("!custom 42", "42"),
        ("-0o7", "-0o7"),
        ("+0x1", "+0x1"),
        ("!!binary aGVsbG8=", "aGVsbG8="),
        ("ünïcødé ✓", "ünïcødé ✓"),
    ],
)
def test_scalars_resolve_by_the_yaml_1_2_core_schema(text, expected):
    assert value_of(text) == expected
    assert type(value_of(text)) is type(expected)


def test_keys_become_json_strings():
    [document] = parse_documents("1: a\ntrue: b\n~: c\n0x10: d\n")
    assert document.data == {"1": "a", "true": "b", "": "c", "16": "d"}


def test_merge_keys_are_kept_as_a_literal_key():
    text = "base: &b {type: service}\nspec:\n  <<: *b\n  owner: me\n"
    [document] = parse_documents(text)
    assert document.data["spec"] == {"<<": {"type": "service"}, "owner": "me"}


def test_anchors_and_aliases_copy_values():
    [document] = parse_documents("a: &x [1, 2]\nb: *x\n")
    assert document.data == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("a: 1\nb: 2\na: 3\n", 3, 1),
        ("m:\n  k: 1\n  k: 2\n", 3, 3),
        ("{a: 1, a: 2}\n", 1, 8),
        ("t: 1\ntrue: 2\nTrue: 3\n", 3, 1),
    ],
)
def test_duplicate_keys_are_an_error_with_their_position(text, line, column):
    [document] = parse_documents(text)
    assert document.data is None
    assert document.error.code == "yaml-duplicate-key"
    assert document.error.message == "Map keys must be unique"
    assert (document.error.line, document.error.column) == (line, column)


def test_keys_of_different_types_are_not_duplicates():
    # `1` and "1" differ for the yaml package; JSON conversion then keeps the last one.
    [document] = parse_documents('1: a\n"1": b\n')
    assert document.error is None
    assert document.data == {"1": "b"}


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "# only a comment\n", "---\n", "---\n# c\n---\n", "--- ~\n", "null\n", "...\n"],
)
def test_empty_documents_are_skipped(text):
    assert parse_documents(text) == []


def test_empty_documents_still_count_in_the_index():
    text = "---\n# nothing\n---\na: 1\n---\n---\nb: 2\n...\n# tail\n"
    documents = parse_documents(text)
    assert [(d.index, d.data) for d in documents] == [(1, {"a": 1}), (3, {"b": 2})]
    assert [d.positions.start for d in documents] == [4, 7]


def test_content_after_a_document_end_marker_starts_a_new_document():
    documents = parse_documents("a: 1\n...\nb: 2\n")
    assert [(d.index, d.data) for d in documents] == [(0, {"a": 1}), (1, {"b": 2})]


@pytest.mark.parametrize(
    "text, data",
    [("- a\n- b\n", ["a", "b"]), ("just text\n", "just text"), ("42\n", 42), ("true\n", True)],
)
def test_non_object_roots_are_returned_for_the_loader_to_refuse(text, data):
    [document] = parse_documents(text)
    assert document.error is None and document.data == data


def test_a_broken_document_does_not_hide_its_neighbours():
    text = "a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n"
    documents = parse_documents(text)
    assert [d.index for d in documents] == [0, 1, 2]
    assert documents[0].data == {"a": 1}
    assert documents[1].data is None and documents[1].error.code == "yaml-syntax"
    assert documents[1].error.line in (3, 4)
    assert documents[2].data == {"d": 4}
    assert documents[2].positions.line(("d",)) == 6


@pytest.mark.parametrize("text, line", [("a: 1\n\tb: 2\n", 2), ("a:\n\t- 1\n", 2), ("m:\n  k: 1\n\tj: 2\n", 3)])
def test_tabs_in_indentation_get_their_own_message(text, line):
    [document] = parse_documents(text)
    assert document.error.line == line
    assert "tab" in document.error.message
    assert "spaces" in document.error.hint


def test_a_tab_after_a_colon_is_fine():
    assert parse_documents("a:\tb\n")[0].data == {"a": "b"}


def test_byte_order_mark_is_ignored():
    [document] = parse_documents("\ufeffapiVersion: v1\nkind: X\n")
    assert document.data == {"apiVersion": "v1", "kind": "X"}
    assert document.positions.line(("kind",)) == 2


def test_control_characters_are_an_error_not_a_crash():
    [document] = parse_documents("a: b\x07c\n")
    assert document.error is not None and document.error.line == 1


def test_positions_cover_every_key_and_item():
    text = (
        "# leading comment\n"
        "apiVersion: backstage.io/v1alpha1\n"
        "kind: Component\n"
        "metadata:\n"
        "  name: x\n"
        "  tags:\n"
        "    - a\n"
        "    - b\n"
        "spec:\n"
        "  dependsOn: [c, d]\n"
        "  nested:\n"
        "    -\n"
        "      deep: 1\n"
    )
    [document] = parse_documents(text)
    positions = document.positions
    assert positions.start == 2
    assert positions.lines[("metadata", "name")] == 5
    assert positions.lines[("metadata", "tags", 1)] == 8
    assert positions.lines[("spec", "dependsOn", 1)] == 10
    assert positions.lines[("spec", "nested", 0)] == 13
    assert positions.lines[("spec", "nested", 0, "deep")] == 13
    assert positions.line(("spec", "owner")) == 9  # missing key: its parent's line


def test_positions_are_offset_in_later_documents():
    text = "a: 1\n---\n# c\nb:\n  c: 2\n"
    second = parse_documents(text)[1]
    assert second.positions.start == 4
    assert second.positions.lines[("b", "c")] == 5


def test_alias_bombs_are_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 6):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    [document] = parse_documents("\n".join(lines) + "\n")
    assert document.error is not None and "alias" in document.error.message.lower()


@pytest.mark.parametrize(
    "text, count",
    [("a: 1\n", 1), ("", 0), ("# c\n", 0), ("--- # c\n", 1), ("a: 1\n---\n", 2), ("---\na: 1\n---\nb: 2\n", 2)],
)
def test_parse_single_counts_documents_like_the_yaml_resolver(text, count):
    assert parse_single(text)[1] == count


def _oracle_lines(name: str) -> list[dict]:
    lines = (CASES / "expected.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["file"] == f"cases/{name}"]


@pytest.mark.skipif(not CASES.is_dir(), reason="shared oracle cases not available")
@pytest.mark.parametrize(
    "name",
    ["13-yaml-errors-block-siblings.yaml", "14-yaml-1-2-scalars.yaml", "16-locations.yaml",
     "19-duplicates.yaml"],
)
def test_indexes_and_lines_match_the_oracle(name):
    documents = parse_documents((CASES / name).read_text())
    expected = [(r["index"], r["line"]) for r in _oracle_lines(name)]
    assert [(d.index, d.positions.start) for d in documents] == expected


@pytest.mark.skipif(not CASES.is_dir(), reason="shared oracle cases not available")
def test_case_13_errors_match_the_oracle():
    documents = parse_documents((CASES / "13-yaml-errors-block-siblings.yaml").read_text())
    duplicate = documents[1].error
    oracle = _oracle_lines("13-yaml-errors-block-siblings.yaml")[1]["error"]
    assert f"{duplicate.message} at line {duplicate.line}, column {duplicate.column}" in oracle
    assert documents[2].data == ["a list is not an entity"]
    assert documents[3].data["metadata"]["name"] == 12345
