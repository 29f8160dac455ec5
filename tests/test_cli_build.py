"""`playbill build` and `playbill serve` (generator/cli.py), run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "example"
COMPONENT = ("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {name}}}\n"
             "spec: {{type: service, lifecycle: production, owner: {owner}}}\n")


def run(*args: str, cwd: Path):
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def test_build_writes_the_site_and_prints_a_summary(tmp_path):
    result = run("build", str(EXAMPLE), "--site-dir", "out", "-q", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/index.html").is_file()
    assert "Wrote 42 pages" in result.output
    assert "for 39 entities to out" in result.output
    assert "0 errors, 0 warnings" in result.output
    assert "Search index:" in result.output


def test_a_catalog_with_no_entities_yet_builds_an_empty_portal(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text("# entities will go here\n")
    result = run("build", "catalog-info.yaml", "-q", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "for 0 entities to site" in result.output
    assert (tmp_path / "site/index.html").is_file()
    assert (tmp_path / "site/search/manifest.js").is_file()


def test_problems_do_not_fail_a_build_unless_strict(tmp_path):
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat/catalog-info.yaml").write_text(COMPONENT.format(name="a", owner="nobody"))
    relaxed = run("build", "cat", "-q", cwd=tmp_path)
    assert relaxed.exit_code == 0, relaxed.output
    assert "see site/health.html" in relaxed.output
    strict = run("build", "cat", "-q", "--strict", cwd=tmp_path)
    assert strict.exit_code == 1
    assert (tmp_path / "site/health.html").is_file()  # written anyway


def test_build_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/keep.txt").write_text("mine")
    result = run("build", str(EXAMPLE), "--site-dir", "docs", "-q", cwd=tmp_path)
    assert result.exit_code == 2
    assert "refusing to replace it" in result.output
    assert (tmp_path / "docs/keep.txt").read_text() == "mine"


def test_a_missing_templates_folder_is_a_usage_error(tmp_path):
    result = run("build", str(EXAMPLE), "--templates", "nope", "-q", cwd=tmp_path)
    assert result.exit_code == 2
    assert "Templates folder nope does not exist" in result.output


def test_a_broken_user_template_is_a_usage_error(tmp_path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl/home.html").write_text("{% if %}")
    result = run("build", str(EXAMPLE), "--templates", "tpl", "-q", cwd=tmp_path)
    assert result.exit_code == 2
    assert "template error" in result.output
    assert not (tmp_path / "site").exists()


def test_the_sources_file_site_section_sets_title_folder_and_templates(tmp_path):
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat/catalog-info.yaml").write_text(COMPONENT.format(name="a", owner="team-a"))
    (tmp_path / "tpl/partials").mkdir(parents=True)
    (tmp_path / "tpl/partials/source.html").write_text("<p>custom source</p>\n")
    (tmp_path / "catalog_sources.yaml").write_text(
        "sources:\n  - path: cat\n    catalog: [catalog-info.yaml]\n"
        "site:\n  title: Acme portal\n  site_dir: public\n  templates: tpl\n  graph_depth: 2\n")
    result = run("build", "-q", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    home = (tmp_path / "public/index.html").read_text()
    assert "<title>Home · Acme portal</title>" in home
    page = (tmp_path / "public/entity/default/component/a.html").read_text()
    assert "custom source" in page


def test_a_bad_site_section_is_reported_with_its_line(tmp_path):
    (tmp_path / "catalog_sources.yaml").write_text(
        "sources:\n  - path: .\nsite:\n  graph_depth: 7\n")
    result = run("build", "-q", cwd=tmp_path)
    assert result.exit_code == 2
    assert "catalog_sources.yaml:4" in result.output and "graph_depth" in result.output


def test_serve_without_a_site_is_a_usage_error(tmp_path):
    result = run("serve", "--no-build", "--site-dir", "nothing", cwd=tmp_path)
    assert result.exit_code == 2
    assert "No site in nothing" in result.output


def test_serve_answers_real_http_requests_on_loopback(tmp_path):
    assert run("build", str(EXAMPLE), "--site-dir", "site", "-q", cwd=tmp_path).exit_code == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--no-build", "--site-dir", "site",
         "--port", "0", "-q"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("Serving site at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert "<title>Home · Playbill</title>" in response.read().decode()
        base = url.rsplit("/", 1)[0]
        with urllib.request.urlopen(base + "/data/catalog-table.js", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/javascript")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_builds_in_processes_with_different_hash_seeds_are_byte_identical(tmp_path):
    """Set and dict order of strings changes with PYTHONHASHSEED between processes; a site
    that depends on it would change on every CI run."""
    for seed, folder in (("1", "one"), ("2", "two")):
        subprocess.run(
            [sys.executable, "-m", "generator", "build", str(EXAMPLE), "--site-dir", folder, "-q"],
            cwd=tmp_path, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed})

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes()
                for p in sorted(root.rglob("*")) if p.is_file()}

    one, two = files(tmp_path / "one"), files(tmp_path / "two")
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []


def test_the_playbill_program_exits_without_tearing_python_down(tmp_path):
    """`python -m generator` (as the console script) ends the process without freeing
    what the build made; the exit code, the output and the atexit handlers are as
    Python's own exit leaves them."""
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('atexit ran'))\n"
             "from generator.cli import run\n"
             "run(sys.argv[1:])\n"
             "print('never here')\n")

    def playbill(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", probe, *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    done = playbill("build", str(EXAMPLE), "--site-dir", "out", "-q", "--strict")
    assert done.returncode == 0, done.stderr
    assert "Wrote 42 pages" in done.stdout
    assert done.stdout.rstrip().endswith("atexit ran") and "never here" not in done.stdout
    bad = playbill("build", "--no-such-option")
    assert bad.returncode == 2 and "No such option" in bad.stderr
    assert bad.stdout.rstrip().endswith("atexit ran")
    (tmp_path / "broken.yaml").write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\n"
                                          "metadata: {name: 'no good'}\n")
    problems = playbill("validate", "broken.yaml", "--format", "json")
    assert problems.returncode == 1
    assert json.loads(problems.stdout.rsplit("atexit ran", 1)[0])["problems"]
    assert subprocess.run([sys.executable, "-m", "generator", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60).stdout.startswith(
        "playbill")