"""`playbill scaffold list|run|test|workflows`, driven through click on the group itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.scaffold.cli import scaffold

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scaffold_templates"

TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hello
spec:
  type: service
  parameters:
    required: [name]
    properties:
      name: {type: string, pattern: "^[a-z]+$"}
      "app.port": {type: integer, default: 80}
      token: {type: string, "ui:field": Secret}
  steps:
    - id: write
      action: fetch:template
      input:
        url: ./skeleton
        values: {name: "${{ parameters.name }}", port: "${{ parameters['app.port'] }}",
                 token: "${{ secrets.token }}"}
    - id: log
      action: debug:log
      input: {message: "made ${{ parameters.name }} with ${{ secrets.token }}"}
  output:
    text: [{title: Made, content: "${{ parameters.name }}"}]
  x-playbill-examples:
    - {name: plain, values: {name: shop}}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A portal repository with one template, as the working folder."""
    folder = tmp_path / "scaffold_templates" / "hello"
    (folder / "skeleton").mkdir(parents=True)
    (folder / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (folder / "skeleton" / "README.md").write_text(
        "# ${{ values.name }} on ${{ values.port }}, key ${{ values.token }}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("PLAYBILL_USER", "GITHUB_TOKEN", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def invoke(*args, env=None):
    return CliRunner().invoke(scaffold, list(args), env=env, catch_exceptions=False)


def test_list_finds_templates_in_scaffold_templates(project):
    result = invoke("list", "--format", "json")
    assert result.exit_code == 0
    [row] = json.loads(result.stdout)
    assert row["ref"] == "template:default/hello" and row["workflow"] == "scaffold-hello.yml"
    assert row["examples"] == 1 and row["unsupported"] == []


def test_list_the_bundled_examples():
    result = invoke("list", str(EXAMPLES))
    assert result.exit_code == 0
    for name in ("python-service", "docs-site", "add-api"):
        assert f"template:default/{name}" in result.stdout


def test_run_dry_with_values_file_and_parameters(project):
    (project / "values.yaml").write_text("name: shop\n", encoding="utf-8")
    result = invoke("run", "hello", "--values", "values.yaml", "-p", "app.port=8080",
                    "--dry-run", "out")
    assert result.exit_code == 0, result.output
    assert (project / "out" / "README.md").read_text() == "# shop on 8080, key \n"
    assert "Done." in result.stdout


def test_run_reads_workflow_inputs_and_secrets_from_the_environment(project):
    env = {"PLAYBILL_INPUTS": json.dumps({"name": "cart", "app_port": "81"}),
           "PLAYBILL_SECRET_token": "s3cr3t-value", "PLAYBILL_USER": "user:default/ada"}
    result = invoke("run", "scaffold_templates/hello", "--values-from-env", "PLAYBILL_INPUTS",
                    "--secrets-from-env", "--dry-run", "out", "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    assert "s3cr3t-value" not in result.output
    assert (project / "out" / "README.md").read_text() == "# cart on 81, key ***\n"
    data = json.loads(result.stdout)
    assert data["ok"] and data["output"]["text"][0]["content"] == "cart"
    assert any("***" in line for line in data["log"])
    assert not any("s3cr3t" in line for line in data["log"])


def test_a_bad_value_fails_naming_the_parameter_and_rule(project):
    result = invoke("run", "hello", "-p", "name=Shop", "--dry-run", "out")
    assert result.exit_code == 1
    assert 'parameter "name" must match pattern' in result.output and "(rule pattern)" in result.output
    assert not (project / "out" / "README.md").exists()


def test_an_unsupported_action_fails_before_any_step(project):
    path = project / "scaffold_templates" / "hello" / "template.yaml"
    path.write_text(TEMPLATE.replace("action: debug:log", "action: acme:deploy"), encoding="utf-8")
    result = invoke("run", "hello", "-p", "name=shop", "--dry-run", "out")
    assert result.exit_code == 1
    assert "acme:deploy" in result.output and "not support" in result.output
    assert not (project / "out" / "README.md").exists()


@pytest.mark.parametrize("args, message", [
    (["run", "nothing-here"], "no template named"),
    (["run", "hello", "-p", "oops"], "KEY=VALUE"),
    (["run", "hello", "--values-from-env", "UNSET_VAR_X"], "UNSET_VAR_X is not set"),
    (["run", "hello", "--values", "missing.json"], "cannot read values"),
])
def test_usage_errors_exit_2(project, args, message):
    result = invoke(*args)
    assert result.exit_code == 2 and message in result.output


def test_test_runs_every_example_dry(project):
    result = invoke("test")
    assert result.exit_code == 0, result.output
    assert "PASS template:default/hello [plain]" in result.stdout


def test_test_fails_on_a_failing_example(project):
    path = project / "scaffold_templates" / "hello" / "template.yaml"
    path.write_text(TEMPLATE.replace("{name: shop}", "{name: Shop}"), encoding="utf-8")
    result = invoke("test")
    assert result.exit_code == 1
    assert "FAIL template:default/hello [plain]" in result.stdout


def test_test_the_bundled_examples(tmp_path):
    result = invoke("test", str(EXAMPLES), "--keep", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("PASS") == 6
    made = tmp_path / "python-service" / "minimal"
    info = yaml.safe_load((made / "catalog-info.yaml").read_text())
    assert info["metadata"]["name"] == "gift-cards"
    assert info["metadata"]["annotations"]["backstage.io/source-template"] == \
        "template:default/python-service"
    assert (made / "src" / "gift_cards" / "app.py").exists()
    site = tmp_path / "docs-site" / "handbook"
    assert (site / "docs" / "how-to-guides.md").read_text().startswith("# How-to guides")


def test_workflows_writes_then_checks(project):
    result = invoke("workflows", "--max-inputs", "10")
    assert result.exit_code == 0, result.output
    written = project / ".github" / "workflows" / "scaffold-hello.yml"
    assert written.exists()
    assert invoke("workflows", "--max-inputs", "10", "--check").exit_code == 0
    # Three parameters fit either limit, so the default limit finds the same files.
    assert invoke("workflows", "--check").exit_code == 0
    changed = invoke("workflows", "--check", "--install", ".")
    assert changed.exit_code == 1 and "out of date" in changed.output


def test_step_summary_is_written_in_github_actions(project):
    summary = project / "summary.md"
    result = invoke("run", "hello", "-p", "name=shop", "--dry-run", "out",
                    env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 0
    assert summary.read_text().startswith("### hello: done")
