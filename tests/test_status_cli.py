"""`playbill build` with a `kubernetes:` section, and `playbill status`, run as a user
would, against the recorded demo cluster and a live API server of ours."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from kubeserver import KubeServer, load_items

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "example" / "kubernetes" / "demo-cluster.json"
EPOCH = "1796379600"  # 2026-12-04T10:20:00Z


def run(*args: str, cwd: Path, env: dict | None = None):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(old)


def sources_file(folder: Path, clusters: str) -> Path:
    path = folder / "catalog_sources.yaml"
    path.write_text(f"sources:\n  - path: {REPO / 'example'}\n    catalog: [catalog-info.yaml]\n"
                    f"kubernetes:\n  timeout: 5\n  clusters:\n{clusters}", encoding="utf-8")
    return path


def test_build_writes_status_json_and_is_reproducible_with_source_date_epoch(tmp_path):
    sources_file(tmp_path, f"    - name: demo\n      recorded: {DEMO}\n")
    env = {"SOURCE_DATE_EPOCH": EPOCH}
    first = run("build", "--site-dir", "one", "-q", cwd=tmp_path, env=env)
    assert first.exit_code == 0, first.output
    assert "Wrote 43 pages" in first.output  # 39 entities, 3 site pages, Kubernetes health
    run("build", "--site-dir", "two", "-q", cwd=tmp_path, env=env)
    status = json.loads((tmp_path / "one/status.json").read_text(encoding="utf-8"))
    assert status["generated_at"] == "2026-12-04T10:20:00Z"
    for path in sorted((tmp_path / "one").rglob("*")):
        if path.is_file():
            twin = tmp_path / "two" / path.relative_to(tmp_path / "one")
            assert twin.read_bytes() == path.read_bytes(), path


def test_a_cluster_that_fails_later_keeps_its_last_snapshot_in_the_site(tmp_path):
    with KubeServer(load_items(DEMO), token="good") as api:
        api.write_kubeconfig(tmp_path / "kubeconfig", context="prod", token="good")
        sources_file(tmp_path, f"    - name: prod\n      context: prod\n"
                               f"      kubeconfig: {tmp_path / 'kubeconfig'}\n")
        first = run("build", "--site-dir", "site", "-q", cwd=tmp_path,
                    env={"SOURCE_DATE_EPOCH": EPOCH})
        assert "0 errors, 0 warnings" in first.output
        api.token = "rotated"
        later = run("build", "--site-dir", "site", "-q", cwd=tmp_path,
                    env={"SOURCE_DATE_EPOCH": str(int(EPOCH) + 3600)})
    assert later.exit_code == 0, later.output  # the portal still builds
    assert "0 errors, 1 warning" in later.output
    status = json.loads((tmp_path / "site/status.json").read_text(encoding="utf-8"))
    [cluster] = status["clusters"]
    assert (cluster["taken_at"], cluster["fresh"]) == ("2026-12-04T10:20:00Z", False)
    assert status["generated_at"] == "2026-12-04T11:20:00Z"
    assert len(status["entities"]) == 8
    page = (tmp_path / "site/entity/default/component/web-shop.html").read_text(encoding="utf-8")
    assert 'Snapshot taken at <time datetime="2026-12-04T10:20:00Z">' in page
    assert "stale</span>" in page and "HTTP 401" in page
    strict = run("build", "--site-dir", "site", "-q", "--strict", cwd=tmp_path)
    assert strict.exit_code == 1


def test_status_prints_every_workload_problem_in_each_format(tmp_path):
    sources_file(tmp_path, f"    - name: demo\n      recorded: {DEMO}\n")
    text = run("status", "-q", cwd=tmp_path)
    assert text.exit_code == 1  # serious problems (severity 6 and up) are errors
    assert "example/services/payment-gateway/catalog-info.yaml" in text.output.replace(
        str(REPO) + "/", "")
    assert "containers-restarting component:default/payment-gateway" in text.output
    assert "5 errors, 5 warnings, 0 notes in 8 entities" in text.output
    data = json.loads(run("status", "-q", "--format", "json", cwd=tmp_path).output)
    assert data["summary"] == {"entities": 8, "errors": 5, "warnings": 5, "notes": 0}
    assert {p["code"] for p in data["problems"]} == {
        "pod-pending", "statefulset-not-ready", "condition-message-present",
        "container-waiting", "containers-restarting", "job-failed",
        "hpa-max-current-replicas", "readiness-probe-taking-too-long"}
    github = run("status", "-q", "--format", "github", cwd=tmp_path)
    assert "::error file=" in github.output and "title=job-failed (component%3Adefault/search-indexer)" in github.output
    assert not (tmp_path / "site").exists()  # status writes nothing


def test_status_reports_an_unreadable_cluster(tmp_path):
    sources_file(tmp_path, "    - name: prod\n      context: prod\n"
                           f"      kubeconfig: {tmp_path / 'missing'}\n")
    result = run("status", "-q", "--format", "json", cwd=tmp_path)
    [problem] = json.loads(result.output)["problems"]
    assert problem["code"] == "k8s-config" and problem["file"] == "catalog_sources.yaml"
    assert problem["line"] == 7  # the cluster's entry
    assert result.exit_code == 0
    assert run("status", "-q", "--strict", cwd=tmp_path).exit_code == 1


def test_status_needs_a_kubernetes_section(tmp_path):
    (tmp_path / "catalog_sources.yaml").write_text(f"sources:\n  - path: {REPO / 'example'}\n")
    result = run("status", "-q", cwd=tmp_path)
    assert result.exit_code == 2 and "no `kubernetes:` section" in result.output


def test_the_bundled_demo_shows_the_recorded_cluster(tmp_path):
    """`./scripts/demo` builds with the repository's catalog_sources.yaml: no cluster
    needed, the recording stands in for one. (--cache-dir and --no-docs: nothing is cached
    in the repository's own .playbill/.)"""
    result = run("build", "--site-dir", str(tmp_path / "site"), "-q", "--no-docs",
                 "--cache-dir", str(tmp_path / "cache"), cwd=REPO)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site/entity/default/component/payment-gateway.html").read_text()
    assert 'id="kubernetes"' in page and "CrashLoopBackOff" in page
    assert (tmp_path / "site/kubernetes.html").is_file()
