"""Conformance: every MkDocs config in ../shared/corpus (real repositories' docs) either
builds, or fails with a clear problem naming its file. Skipped without ../shared."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from generator.docs import sitebuild
from generator.docs.mkdocsconfig import prepare

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
pytestmark = pytest.mark.conformance


def corpus_configs() -> list[str]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return sorted(row["local_path"] for row in rows if row["kinds"] == "mkdocs-config")


CONFIGS = corpus_configs()


@pytest.mark.skipif(not CONFIGS, reason="../shared/corpus is not here")
@pytest.mark.parametrize("config", CONFIGS)
def test_a_real_config_builds_or_says_why_not(config, tmp_path):
    path = CORPUS / config
    repo_root = CORPUS / config.split("/", 1)[0]
    shown = lambda p: p.resolve().relative_to(CORPUS).as_posix()  # noqa: E731
    prepared = prepare(path.parent, repo_root, "Fallback", shown, "component:default/x")
    if prepared.config is None:
        assert any(p.is_error and p.file and p.message and p.hint for p in prepared.problems)
        return
    templates = (str(Path(__file__).resolve().parents[1] / "site_templates"),)
    header = {"entity": {"title": "X", "kind": "Component", "url": "entity/x.html"},
              "owner": None, "edit_url": None, "docs_dir": prepared.config["docs_dir"],
              "repo_root": str(repo_root), "view_base": None, "entity_files": {}}
    job = sitebuild.SiteJob("component:default/x", prepared.config,
                            str(prepared.config_file) if prepared.config_file else None,
                            str(tmp_path / "out"), header, templates,
                            shown(Path(prepared.config["docs_dir"])))
    built = sitebuild.build_one(job)
    if built.ok:
        assert built.pages, "a built site has pages"
        assert (tmp_path / "out" / built.pages[0][0]).is_file()
        assert not (tmp_path / "out" / "assets").exists()  # the theme is shared
    else:
        failures = [p for p in built.problems if p["severity"] == "error"]
        assert failures and all(p["message"] for p in failures)


@pytest.mark.skipif(not CONFIGS, reason="../shared/corpus is not here")
def test_the_odd_shapes_of_the_corpus_are_all_there():
    """The shapes the tests with our own fixtures cover, as they occur in real repositories."""
    texts = {config: (CORPUS / config).read_text(encoding="utf-8") for config in CONFIGS}
    assert any(c.endswith("mkdocs.yaml") for c in texts)
    assert any("/docs/mkdocs.yaml" in c for c in texts)  # config inside docs/
    assert any("!include" in t for t in texts.values())
    assert any("extra_javascript" in t for t in texts.values())
    assert any("print-site" in t for t in texts.values())
