"""`playbill docs REF`, `playbill build --no-docs` and the `docs:` section of
catalog_sources.yaml (generator/cli.py, generator/config.py), run as a user would."""

from __future__ import annotations

from pathlib import Path

from test_cli_build import EXAMPLE, run

from generator import config

DOCS = "docs/default/component/catalog-service/"


def sources_file(folder: Path, docs: str = "") -> Path:
    path = folder / "catalog_sources.yaml"
    path.write_text(f"sources:\n  - path: {EXAMPLE}\n    name: example\n{docs}")
    return path


def test_docs_builds_one_entity_for_a_preview(tmp_path):
    sources_file(tmp_path)
    result = run("docs", "component:default/catalog-service", "--out", "preview", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert f"preview/{DOCS}index.html" in result.output
    assert (tmp_path / "preview" / DOCS / "operations.html").is_file()
    assert not (tmp_path / "preview/docs/default/component/checkout-service").exists()
    assert (tmp_path / ".playbill/docs-cache/sites").is_dir()  # the cache survives


def test_docs_for_an_unknown_entity_or_one_without_docs(tmp_path):
    sources_file(tmp_path)
    unknown = run("docs", "component:default/nope", cwd=tmp_path)
    assert unknown.exit_code == 2 and "No entity component:default/nope" in unknown.output
    without = run("docs", "component:default/web-shop", cwd=tmp_path)
    assert without.exit_code == 1 and "no docs were built" in without.output


def test_build_publishes_docs_unless_told_not_to(tmp_path):
    sources_file(tmp_path)
    built = run("build", "-q", cwd=tmp_path)
    assert built.exit_code == 0, built.output
    assert "Docs: 2 sites (2 rebuilt), 4 pages" in built.output
    assert (tmp_path / "site" / DOCS / "index.html").is_file()
    again = run("build", "-q", cwd=tmp_path)
    assert "Docs: 2 sites (0 rebuilt)" in again.output
    skipped = run("build", "-q", "--no-docs", cwd=tmp_path)
    assert "Docs:" not in skipped.output and not (tmp_path / "site/docs").exists()


def test_the_docs_section_turns_docs_off_and_moves_the_cache(tmp_path):
    sources_file(tmp_path, "docs:\n  enabled: false\n")
    off = run("build", "-q", cwd=tmp_path)
    assert off.exit_code == 0 and not (tmp_path / "site/docs").exists()
    sources_file(tmp_path, "docs:\n  cache_dir: ci-cache\n  allow: {keys: [hooks]}\n")
    on = run("build", "-q", cwd=tmp_path)
    assert on.exit_code == 0 and (tmp_path / "ci-cache/sites").is_dir()


def test_an_unknown_key_in_the_docs_section_names_the_allowed_ones(tmp_path):
    path = sources_file(tmp_path, "docs:\n  allow:\n    hook: [x]\n")
    cfg, problems = config.load_config(path)
    assert cfg is None
    (problem,) = problems
    assert problem.code == "config-unknown-key" and problem.line == 6
    assert "keys, plugins, extensions, python_names" in problem.hint
