"""The whole read pipeline (sources -> load -> validate -> graph) against Backstage's verdicts.

Expectations are the oracle's recorded output in ../shared (Backstage's own catalog code):
`oracle/cases/expected.jsonl` per document, `oracle/corpus-verdicts.jsonl` per corpus file.
Both were recorded in file mode, which is how Playbill reads folders outside any Git work
tree. Skipped when ../shared is absent.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from generator import sources
from generator.read import read_catalog
from generator.model.catalog import Catalog

SHARED = Path(__file__).resolve().parents[2] / "shared"
CASES = SHARED / "oracle" / "cases"
CORPUS = SHARED / "corpus"
VERDICTS = SHARED / "oracle" / "corpus-verdicts.jsonl"

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(not CASES.is_dir(), reason="../shared is absent"),
]

def read(*paths: Path) -> Catalog:
    found = sources.trees_for_paths(list(paths))
    assert not found.problems
    return read_catalog(found.trees, found.problems)


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def cases() -> Catalog:
    return read(CASES)


def expected_cases() -> list[dict]:
    return rows(CASES / "expected.jsonl") if CASES.is_dir() else []


def backstage_text(text: str) -> str:
    """Backstage's message as the oracle prints it: paths relative to the oracle's folder."""
    return text.replace(str(CASES.parent) + "/", "").split("\n")[0]


def replaced_in_same_file(row: dict) -> bool:
    """Within one file the last document with a ref wins; earlier ones are not stored."""
    return any(r["file"] == row["file"] and r["ref"] == row["ref"] and r["index"] > row["index"]
               for r in expected_cases())


def document_problems(catalog: Catalog, row: dict, all_rows: list[dict]):
    """The problems Playbill reports for one oracle document: by ref when the envelope is
    good, else by the line range of the document in its file."""
    name = Path(row["file"]).name
    in_file = [p for p in catalog.problems if p.file and Path(p.file).name == name]
    if row["ref"] is not None:
        return [p for p in in_file if p.entity == row["ref"]]
    starts = sorted(r["line"] for r in all_rows if r["file"] == row["file"])
    later = [s for s in starts if s > row["line"]]
    end = later[0] if later else 10**9
    return [p for p in in_file if p.entity is None and row["line"] <= (p.line or 0) < end]


@pytest.mark.parametrize("row", expected_cases(), ids=lambda r: f"{Path(r['file']).stem}#{r['index']}")
def test_case_verdict_matches_backstage(cases: Catalog, row: dict):
    problems = document_problems(cases, row, expected_cases())
    errors = [p for p in problems if p.is_error]
    conflict = row.get("conflict") or ""
    if any(p.code == "unknown-kind" for p in problems):
        # Kinds no built-in processor knows (`Service`, lower-case `component`): Backstage
        # refuses them; Playbill keeps them with a warning (a deliberate product decision).
        assert not row["valid"]
        assert [p.code for p in problems] == ["unknown-kind"]
        assert problems[0].backstage.startswith(row["error"])
    elif conflict.startswith("Detected conflicting entityRef"):
        # Backstage keeps the first and only logs; Playbill says so as an error.
        assert [p.code for p in errors] == ["duplicate-ref"]
    elif row["valid"]:
        assert errors == []
        assert cases.entity(row["ref"]) is not None
    else:
        assert errors, f"Backstage refuses this document: {row['error']}"
        theirs = row["error"].split("\n")[0].rstrip(":")  # YAML errors end in a code frame
        ours = [backstage_text(p.backstage) for p in errors]
        assert any(text.startswith(theirs) for text in ours), (ours, theirs)
        if row["ref"]:
            assert cases.entity(row["ref"]) is None


@pytest.mark.parametrize(
    "row", [r for r in expected_cases()
            if r["valid"] and not r.get("conflict") and not replaced_in_same_file(r)],
    ids=lambda r: f"{Path(r['file']).stem}#{r['index']}",
)
def test_case_relations_match_backstage(cases: Catalog, row: dict):
    entity = cases.entity(row["ref"])
    ours = set()
    for relation in entity.relations:
        ours |= {tuple(relation.to_dict().values()), tuple(relation.reversed().to_dict().values())}
    theirs = {(r["source"], r["type"], r["target"]) for r in row.get("relations", [])}
    assert ours == theirs


def test_blocked_siblings_are_kept_with_a_warning(cases: Catalog):
    blocked = [r for r in expected_cases() if r.get("blocked")]
    assert blocked, "the oracle cases include documents Backstage would drop"
    for row in blocked:
        assert cases.entity(row["ref"]) is not None
        name = Path(row["file"]).name
        assert any(p.code == "backstage-drops-siblings" and Path(p.file).name == name
                   for p in cases.problems)


def corpus_verdicts() -> dict[str, bool]:
    verdict: dict[str, bool] = defaultdict(lambda: True)
    for row in rows(VERDICTS):
        if not row.get("not_an_entity_file"):
            verdict[row["file"]] &= row["valid"]
    return dict(verdict)


@pytest.mark.skipif(not VERDICTS.is_file(), reason="../shared is absent")
def test_corpus_agreement_is_at_least_98_percent():
    """Per file, as ../shared/checks/conformance judges: invalid means at least one error."""
    verdicts = corpus_verdicts()
    disagreements = []
    for rel, valid in sorted(verdicts.items()):
        catalog = read(CORPUS / rel)
        ours = not any(p.is_error for p in catalog.problems)
        if ours is not valid:
            first = next((p.message for p in catalog.problems if p.is_error), "")
            disagreements.append(f"{rel}: backstage {valid}, playbill {ours} {first[:100]}")
    agreement = 1 - len(disagreements) / len(verdicts)
    # Known and deliberate: AIResource/Environment files are warnings (unknown kinds).
    assert agreement >= 0.98, "\n".join(disagreements)
    assert all("ai-resources" in d or "environments" in d for d in disagreements), (
        "\n".join(disagreements))
