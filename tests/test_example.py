"""The bundled example read like Backstage reads a GitHub registration, checked against the
verdicts, relations and processed entities Backstage's own code recorded for it
(tests/fixtures/example-oracle.jsonl; regenerate as example/README.md says)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.read import read_catalog
from generator.model.catalog import Catalog
from generator.model.scm import RepoWeb
from generator.model.source import SourceTree

REPO = Path(__file__).resolve().parents[1]
ORACLE = [json.loads(line) for line in
          (REPO / "tests/fixtures/example-oracle.jsonl").read_text().splitlines()]
WEB = RepoWeb("github", "https://github.com/northwind/playbill-example", "main")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    tree = SourceTree("playbill-example", REPO / "example", ("catalog-info.yaml",), "url",
                      web=WEB, display_prefix="example/")
    return read_catalog([tree])


def test_no_problems_and_the_same_entities(catalog: Catalog):
    assert list(catalog.problems) == []
    assert all(row["valid"] for row in ORACLE)
    assert sorted(catalog.entities) == sorted(row["ref"] for row in ORACLE)


@pytest.mark.parametrize("row", ORACLE, ids=lambda row: row["ref"])
def test_relations_equal_backstage(catalog: Catalog, row: dict):
    entity = catalog.entity(row["ref"])
    ours = {(str(r.source), r.type, str(r.target)) for rel in entity.relations
            for r in (rel, rel.reversed())}
    assert ours == {(r["source"], r["type"], r["target"]) for r in row["relations"]}


@pytest.mark.parametrize("row", ORACLE, ids=lambda row: row["ref"])
def test_processed_entity_equals_backstage(catalog: Catalog, row: dict):
    """Annotations (managed-by, view/edit URLs, source location), resolved `$text`
    definitions and defaulted namespaces are what Backstage would store."""
    ours = catalog.entity(row["ref"]).data
    theirs = row["entity"]
    assert ours["metadata"]["annotations"] == theirs["metadata"]["annotations"]
    assert ours["metadata"]["namespace"] == theirs["metadata"]["namespace"]
    assert ours.get("spec", {}).get("definition") == theirs.get("spec", {}).get("definition")
