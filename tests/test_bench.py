"""The benchmark's catalog generator writes what it promises (no timing here)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `bench` lives beside `generator`

from bench.synth import CATALOG_FILE, generate  # noqa: E402


def test_generates_the_requested_number_of_entities(tmp_path):
    synthetic = generate(tmp_path, 200, seed=7)

    documents = [
        doc
        for repo in synthetic.repos
        for doc in yaml.safe_load_all((repo / CATALOG_FILE).read_text(encoding="utf-8"))
        if doc is not None
    ]
    assert len(synthetic.repos) == 4
    assert len(documents) == synthetic.entities == 200
    assert {doc["kind"] for doc in documents} == {
        "Group", "User", "Domain", "System", "Component", "API", "Resource"
    }


def test_every_reference_points_at_a_generated_entity(tmp_path):
    synthetic = generate(tmp_path, 200, seed=7)
    documents = [
        doc for repo in synthetic.repos
        for doc in yaml.safe_load_all((repo / CATALOG_FILE).read_text(encoding="utf-8"))
    ]
    names = {(doc["kind"].lower(), doc["metadata"]["name"]) for doc in documents}
    defaults = {"owner": "group", "system": "system", "domain": "domain", "parent": "group",
                "subdomainOf": "domain", "subcomponentOf": "component", "memberOf": "group",
                "providesApis": "api", "consumesApis": "api", "dependsOn": None}
    for doc in documents:
        for key, kind in defaults.items():
            values = doc["spec"].get(key, [])
            for ref in [values] if isinstance(values, str) else values:
                target_kind, _, name = ref.rpartition(":")
                assert (target_kind or kind, name) in names, (doc["metadata"]["name"], key, ref)


def test_generation_is_deterministic(tmp_path):
    first = generate(tmp_path / "a", 200, seed=3)
    second = generate(tmp_path / "b", 200, seed=3)
    for a, b in zip(first.repos, second.repos):
        assert (a / CATALOG_FILE).read_bytes() == (b / CATALOG_FILE).read_bytes()
