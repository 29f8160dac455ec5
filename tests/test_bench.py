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


def test_the_docs_benchmark_generates_sites_that_build(tmp_path):
    from bench.docs import generate as generate_docs
    from generator import sources
    from generator.build import read_catalog
    from generator.docs import DocsOptions, build_docs

    folders = generate_docs(tmp_path / "repo", 3, 2)
    assert [f.name for f in folders] == ["service-0000", "service-0001", "service-0002"]
    catalog = read_catalog(sources.trees_for_paths([tmp_path / "repo"]).trees)
    built = build_docs(catalog, DocsOptions(cache_dir=tmp_path / "cache", workers=1))
    assert [len(site.pages) for site in built.sites] == [2, 2, 2]
    assert [p for p in built.problems if p.entity] == []  # the pages link each other
