"""The `kubernetes:` section of catalog_sources.yaml (generator/status/config.py, read by
generator/config.py with the rest of the file)."""

from __future__ import annotations

from pathlib import Path

from generator.config import load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog_sources.yaml"
    path.write_text("sources:\n  - path: .\n" + text, encoding="utf-8")
    return path


def test_every_way_to_reach_a_cluster(tmp_path):
    config, problems = load_config(write(tmp_path, """\
kubernetes:
  service_locator: singleTenant
  timeout: 2.5
  clusters:
    - name: prod-eu
      context: prod-eu
      kubeconfig: kube/config
      token_env: PROD_TOKEN
    - name: here
      in_cluster: true
    - name: demo
      recorded: rec/demo.json
"""))
    assert problems == []
    kube = config.kubernetes
    assert (kube.service_locator, kube.timeout) == ("singleTenant", 2.5)
    prod, here, demo = kube.clusters
    assert prod.kubeconfig == (tmp_path / "kube/config").resolve()
    assert (prod.context, prod.token_env) == ("prod-eu", "PROD_TOKEN")
    assert here.in_cluster and here.context is None
    assert demo.recorded == (tmp_path / "rec/demo.json").resolve()


def test_no_section_means_no_clusters(tmp_path):
    config, problems = load_config(write(tmp_path, ""))
    assert problems == [] and config.kubernetes is None


def test_every_mistake_is_reported_at_once_with_its_line(tmp_path):
    _, problems = load_config(write(tmp_path, """\
kubernetes:
  service_locator: everyone
  timeout: 0
  clusters:
    - name: a
      context: a
      tokn_env: A_TOKEN
    - name: b
    - name: c
      recorded: c.json
      token_env: C_TOKEN
    - name: d
      context: d
      token_env: ghp_notavariable-name
"""))
    found = {(p.code, p.line): p for p in problems}
    assert set(found) == {("config-invalid", 4), ("config-invalid", 5),
                          ("config-unknown-key", 9), ("config-invalid", 10),
                          ("config-invalid", 11), ("config-invalid", 16)}
    assert "Did you mean `token_env`?" in found[("config-unknown-key", 9)].hint
    assert "exactly one of `context:`" in found[("config-invalid", 10)].message
    assert "`token_env` does not apply to a recording" in found[("config-invalid", 11)].message
    assert "not an environment variable name" in found[("config-invalid", 16)].message
    assert "ghp_" not in found[("config-invalid", 16)].message  # never echo a pasted token


def test_cluster_names_are_unique(tmp_path):
    _, problems = load_config(write(tmp_path, """\
kubernetes:
  clusters:
    - {name: a, context: a}
    - {name: a, context: b}
"""))
    [problem] = problems
    assert "repeated: a" in problem.message and problem.line == 5  # the list
