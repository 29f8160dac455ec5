"""`playbill validate`: arguments, formats and exit codes, on real files and Git repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from gitrepo import commit, file_url, make_repo, write_files

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
spec:
  type: service
  lifecycle: production
  owner: team-a
"""

BAD_NAME = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: -orders
spec:
  type: service
  lifecycle: production
  owner: team-a
"""

UNKNOWN_OWNER = GOOD.replace("owner: team-a", "owner: team-b")


def run(*args: str, cwd: Path | None = None):
    runner = CliRunner()
    old = Path.cwd()
    if cwd:
        os.chdir(cwd)
    try:
        return runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def problems(result) -> list[dict]:
    return json.loads(result.stdout)["problems"]


def test_clean_file_exits_0(tmp_path):
    write_files(tmp_path, {"catalog-info.yaml": GOOD})
    result = run("validate", "-q", str(tmp_path / "catalog-info.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("0 errors, 0 warnings, 0 notes in 2 entities")


def test_error_exits_1_with_file_line_and_hint(tmp_path):
    write_files(tmp_path, {"a/catalog-info.yaml": GOOD, "b/catalog-info.yaml": BAD_NAME})
    result = run("validate", "-q", "--format", "json", "a", "b", cwd=tmp_path)
    assert result.exit_code == 1
    [problem] = [p for p in problems(result) if p["severity"] == "error"]
    assert problem["code"] == "name-format"
    assert (problem["file"], problem["line"]) == ("b/catalog-info.yaml", 4)
    assert problem["entity"] == "component:default/-orders"
    assert problem["hint"]
    # The broken entity hides nothing: the good file's entities are still counted.
    assert json.loads(result.stdout)["summary"]["entities"] == 2


def test_text_format_names_file_line_and_rule(tmp_path):
    write_files(tmp_path, {"catalog-info.yaml": BAD_NAME})
    result = run("validate", "-q", "catalog-info.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "catalog-info.yaml"
    assert lines[1].split()[:3] == ["4", "error", "name-format"]
    assert "-orders" in result.stdout and "hint:" in result.stdout


def test_github_format_annotates_the_line(tmp_path):
    write_files(tmp_path, {"catalog-info.yaml": BAD_NAME})
    result = run("validate", "-q", "--format", "github", "catalog-info.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    [line] = [x for x in result.stdout.splitlines() if x.startswith("::error ")]
    assert line.startswith("::error file=catalog-info.yaml,line=4,title=name-format")


def test_warnings_pass_unless_strict(tmp_path):
    write_files(tmp_path, {"catalog-info.yaml": UNKNOWN_OWNER})
    loose = run("validate", "-q", "--format", "json", "catalog-info.yaml", cwd=tmp_path)
    assert loose.exit_code == 0
    assert [p["code"] for p in problems(loose)] == ["owner-not-found"]
    strict = run("validate", "-q", "--strict", "catalog-info.yaml", cwd=tmp_path)
    assert strict.exit_code == 1


BROKEN_TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: broken
spec:
  type: service
  steps:
    - id: go
      action: nope:nope
"""


def test_broken_templates_are_warnings_as_backstage_stores_them(tmp_path):
    write_files(tmp_path, {"template.yaml": BROKEN_TEMPLATE})
    loose = run("validate", "-q", "--format", "json", "template.yaml", cwd=tmp_path)
    assert loose.exit_code == 0
    [problem] = problems(loose)
    assert (problem["code"], problem["severity"], problem["line"]) == \
        ("scaffold-unknown-action", "warning", 9)
    assert run("validate", "-q", "--strict", "template.yaml", cwd=tmp_path).exit_code == 1


def test_scaffold_is_a_subcommand():
    result = run("scaffold", "--help")
    assert result.exit_code == 0
    assert "workflows" in result.stdout and "run" in result.stdout


def test_missing_path_is_a_usage_error(tmp_path):
    result = run("validate", "-q", "nope.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert "nope.yaml does not exist" in result.stderr


def test_no_sources_file_and_no_paths_is_a_usage_error(tmp_path):
    result = run("validate", "-q", cwd=tmp_path)
    assert result.exit_code == 2
    assert "catalog_sources.yaml" in result.stderr


def test_broken_sources_file_exits_2_with_its_line(tmp_path):
    (tmp_path / "sources.yaml").write_text("sources:\n  - path: .\n    colour: blue\n")
    result = run("validate", "-q", "--sources", "sources.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert "sources.yaml:3" in result.stderr
    assert "colour" in result.stderr


def test_named_files_check_location_targets_but_do_not_read_them(tmp_path):
    location = (
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\n"
        "spec:\n  targets: [./broken.yaml, ./gone.yaml]\n"
    )
    write_files(tmp_path, {"catalog-info.yaml": location, "broken.yaml": BAD_NAME})
    result = run("validate", "-q", "--format", "json", "catalog-info.yaml", cwd=tmp_path)
    assert [p["code"] for p in problems(result) if p["severity"] == "error"] == [
        "location-target-missing"]
    both = run("validate", "-q", "--format", "json", ".", cwd=tmp_path)
    assert sorted(p["code"] for p in problems(both) if p["severity"] == "error") == [
        "location-target-missing", "name-format"]


def test_git_sources_are_cloned_and_refetched(tmp_path):
    """The main job on a real repository: clone, then see a new commit on the next run."""
    upstream = make_repo(tmp_path / "upstream", {"catalog-info.yaml": GOOD})
    sources = tmp_path / "catalog_sources.yaml"
    sources.write_text(f"cache_dir: cache\nsources:\n  - url: {file_url(upstream)}\n")
    first = run("validate", "-q", "--format", "json", cwd=tmp_path)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["summary"]["entities"] == 2
    commit(upstream, {"catalog-info.yaml": GOOD + "---\n" + BAD_NAME}, "Add a broken entity")
    second = run("validate", "-q", "--format", "json", cwd=tmp_path)
    assert second.exit_code == 1
    [problem] = [p for p in problems(second) if p["severity"] == "error"]
    assert problem["file"] == "upstream/catalog-info.yaml" and problem["line"] == 21


def test_unreachable_source_is_reported_and_others_still_load(tmp_path):
    good = make_repo(tmp_path / "good", {"catalog-info.yaml": GOOD})
    (tmp_path / "catalog_sources.yaml").write_text(
        f"cache_dir: cache\nsources:\n  - url: {file_url(good)}\n"
        f"  - url: file://{tmp_path}/missing-repo\n")
    result = run("validate", "-q", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 1
    errors = [p for p in problems(result) if p["severity"] == "error"]
    assert [p["code"] for p in errors] == ["source-unavailable"]
    assert errors[0]["line"] == 4
    assert json.loads(result.stdout)["summary"]["entities"] == 2


def test_bundled_example_is_clean():
    """The README's first command: the example catalog through catalog_sources.yaml."""
    result = run("validate", "-q", "--format", "json", cwd=REPO)
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["problems"] == []
    assert data["summary"]["entities"] >= 30


def test_console_script_runs_as_installed():
    script = Path(sys.executable).with_name("playbill")
    result = subprocess.run([str(script), "validate", "-q", "example"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("0 errors, 0 warnings, 0 notes in 39 entities")


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_secrets_never_reach_the_output(tmp_path, fmt, monkeypatch):
    token = "ghp_" + "S3cr3t" * 6
    monkeypatch.setenv("PLAYBILL_TEST_TOKEN", token)
    (tmp_path / "catalog_sources.yaml").write_text(
        "cache_dir: cache\nsources:\n"
        "  - url: https://127.0.0.1:9/acme/private.git\n    token_env: PLAYBILL_TEST_TOKEN\n")
    result = run("validate", "--format", fmt, cwd=tmp_path)
    assert result.exit_code == 1
    assert token not in result.stdout + result.stderr
    assert "source-unavailable" in result.stdout
