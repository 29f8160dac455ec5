"""Playbill's verdicts against Backstage's own, recorded by the oracle in ../shared.

Only the case files whose verdict depends on validation alone: Location following,
placeholders and YAML 1.2 parsing (cases 13-16) belong to the loader's tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.model import Document, LocationRef, Positions
from generator.model.problem import Severity
from generator.validate import check_document, validate

SHARED = Path(__file__).resolve().parents[2] / "shared"
CASES = SHARED / "oracle" / "cases"
CASE_FILES = [
    "01-valid-component.yaml", "02-entity-names.yaml", "03-length-limits.yaml",
    "04-missing-owner.yaml", "05-api-versions.yaml", "06-unknown-kinds.yaml",
    "07-root-fields.yaml", "08-annotations-labels.yaml", "09-refs-and-namespaces.yaml",
    "10-uppercase-refs.yaml", "11-empty-spec.yaml", "12-dependson-needs-kind.yaml",
    "17-group-user.yaml", "18-templates.yaml", "19-duplicates.yaml", "20-tags-and-links.yaml",
]

pytestmark = pytest.mark.skipif(not CASES.is_dir(), reason="../shared is absent")


def _documents(name: str) -> list[Document]:
    """Each non-empty YAML document of a case file, indexed like the oracle (empty ones count)."""
    file = f"cases/{name}"
    location = LocationRef("file", file)
    text = (CASES / name).read_text()
    return [
        Document(data, file, CASES / name, index, Positions(), location, location, str(location))
        for index, data in enumerate(yaml.safe_load_all(text))
        if data is not None
    ]


def _expected() -> dict[tuple[str, int], dict]:
    if not CASES.is_dir():
        return {}
    rows = (json.loads(line) for line in (CASES / "expected.jsonl").read_text().splitlines())
    return {(row["file"], row["index"]): row for row in rows}


EXPECTED = _expected()
DOCUMENTS = [doc for name in CASE_FILES for doc in _documents(name)] if CASES.is_dir() else []


def _pairs(relations) -> list[dict]:
    """Forward relations and their reverses, interleaved as Backstage emits them."""
    rows = []
    for relation in relations:
        rows += [relation.to_dict(), relation.reversed().to_dict()]
    return rows


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: f"{d.file}#{d.index}")
def test_verdict_matches_backstage(document: Document) -> None:
    expected = EXPECTED[(document.file, document.index)]
    checked = check_document(document)
    assert str(checked.ref) == expected["ref"]
    errors = [p for p in checked.problems if p.severity is Severity.ERROR]
    unknown_kind = [p for p in checked.problems if p.code == "unknown-kind"]
    if expected["valid"]:
        assert not errors and checked.entity is not None
        assert _pairs(checked.entity.relations) == expected.get("relations", [])
    elif unknown_kind:
        # Playbill only warns about kinds nobody validates; Backstage refuses them.
        assert not errors and checked.entity is not None and not checked.entity.known_kind
        assert unknown_kind[0].backstage.startswith(expected["error"])
    else:
        assert checked.entity is None
        assert errors[0].backstage == expected["error"]


def test_duplicates_match_backstage() -> None:
    """Case 19: the last of two same-file definitions wins; a ref already read from
    another file (case 01) keeps its first definition."""
    result = validate(DOCUMENTS)
    kept = {(e.document.file, e.document.index) for e in result.entities}
    for (file, index), row in EXPECTED.items():
        if "conflict" not in row:
            continue
        same_file = "same file" in row["conflict"]
        assert (file, index) in kept if same_file else (file, index) not in kept
    codes = {p.code for p in result.problems if p.file == "cases/19-duplicates.yaml"}
    assert {"duplicate-in-file", "duplicate-ref"} <= codes
    assert ("cases/19-duplicates.yaml", 0) not in kept
    assert ("cases/01-valid-component.yaml", 0) in kept
