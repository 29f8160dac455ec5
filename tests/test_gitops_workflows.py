"""The portal's own workflows (portal.yml, validate.yml) and the composite action
(action.yml): actionlint on all of them, and the action's steps run as a runner would run
them, with the environment variables GitHub Actions sets."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pygit2
import pytest
import yaml

from generator.cli import build as build_command
from generator.config import DEFAULT_CACHE_DIR
from gitrepo import commit, make_repo
from test_partial import SERVICE, portal  # noqa: F401  (a fixture)
from test_scaffold_workflows import actionlint, needs_actionlint

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


# --- actionlint ------------------------------------------------------------------------

@needs_actionlint
def test_portal_workflows_pass_actionlint():
    """validate.yml runs `uses: ./`, so actionlint checks its inputs against action.yml."""
    files = [str(WORKFLOWS / name) for name in ("portal.yml", "portal-sharded.yml",
                                                "validate.yml")]
    run = subprocess.run([actionlint(), "-no-color", *files], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


@needs_actionlint
def test_actionlint_checks_inputs_against_the_action(tmp_path):
    """Proves the check above covers action.yml: a misspelt input is caught."""
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    text = (WORKFLOWS / "validate.yml").read_text(encoding="utf-8")
    path = tmp_path / ".github" / "workflows" / "validate.yml"
    path.write_text(text.replace("format: github", "formatt: github"), encoding="utf-8")
    make_repo(tmp_path)
    run = subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert run.returncode != 0 and '"formatt" is not defined' in run.stdout


# --- portal.yml ------------------------------------------------------------------------

def test_portal_runs_on_schedule_push_and_by_hand_and_deploys_pages():
    flow = workflow("portal.yml")
    assert set(flow["on"]) == {"schedule", "push", "workflow_dispatch"}
    steps = flow["jobs"]["build"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert uses.index("actions/cache") < uses.index("actions/upload-pages-artifact")
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["steps"][-1]["uses"].startswith("actions/deploy-pages@")


def test_portal_caches_the_clone_folder_playbill_uses():
    cache = next(s for s in workflow("portal.yml")["jobs"]["build"]["steps"]
                 if s.get("uses", "").startswith("actions/cache@"))
    paths = cache["with"]["path"].split()
    assert any(Path(DEFAULT_CACHE_DIR).is_relative_to(path) for path in paths)
    build = step_named(workflow("portal.yml")["jobs"]["build"], "Build the portal")["run"]
    assert "--site-dir _site" in build and "_site" in paths  # unchanged pages are reused
    assert "github.run_id" in cache["with"]["key"]  # entries are immutable: save a new one
    assert cache["with"]["restore-keys"].strip()


def test_portal_build_step_writes_the_folder_it_uploads(tmp_path):
    """Run the build step's script on a copy of this repository's catalog, as the runner
    would from the checkout's root, and check the artifact path holds the site."""
    portal_checkout(tmp_path)
    steps = workflow("portal.yml")["jobs"]["build"]["steps"]
    script = next(s["run"] for s in steps if s.get("name") == "Build the portal")
    words = shlex.split(script)
    assert words[:2] == ["playbill", "build"]
    known = {opt for param in build_command.params for opt in param.opts}
    assert {w for w in words[2:] if w.startswith("-")} <= known
    done = run_bash(script, tmp_path, runner_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert (tmp_path / upload["with"]["path"] / "index.html").is_file()
    assert (tmp_path / upload["with"]["path"] / "catalog.json").is_file()


def portal_checkout(folder: Path) -> Path:
    """What actions/checkout gives the portal jobs: this repository's catalog."""
    for name in ("example", "scaffold_templates"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copy(ROOT / "catalog_sources.yaml", folder)
    return folder


def step_named(job: dict, name: str) -> dict:
    return next(step for step in job["steps"] if step.get("name") == name)


def test_the_sharded_workflow_deploys_the_same_site(tmp_path):
    """Each matrix job's shard step, the artifacts as download-artifact lays them out, and
    the merge step: the uploaded site equals portal.yml's. Both run in the same workspace
    path, as on GitHub's runners (`path:` sources outside Git name their folder).
    status.json says when the Kubernetes snapshot was taken, so all jobs get the same
    SOURCE_DATE_EPOCH, as reproducible builds do for runs that must compare equal."""
    clock = {"SOURCE_DATE_EPOCH": "1764806400"}
    workspace = tmp_path / "workspace"
    single = portal_checkout(workspace)
    build = step_named(workflow("portal.yml")["jobs"]["build"], "Build the portal")["run"]
    assert run_bash(build, single, {**runner_env(tmp_path, single), **clock}).returncode == 0
    expected = tree_files(single / "_site")
    shutil.rmtree(workspace)

    flow = workflow("portal-sharded.yml")
    job, numbers = flow["jobs"]["shard"], flow["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    merge_ws = portal_checkout(workspace)
    for number in numbers:
        work = portal_checkout(tmp_path / f"shard-job-{number}")
        env = {**runner_env(tmp_path, work), **clock, "SHARD": str(number), "SHARDS": str(len(numbers))}
        done = run_bash(step_named(job, "Fetch and check shard")["run"], work, env)
        assert done.returncode == 0, done.stdout + done.stderr
        name = upload["with"]["name"].replace("${{ matrix.shard }}", str(number))
        shutil.copytree(work / upload["with"]["path"].replace("${{ matrix.shard }}", str(number)),
                        merge_ws / "shards" / name)  # download-artifact: <path>/<name>/
    merge = flow["jobs"]["merge"]
    done = run_bash(step_named(merge, "Build the portal from the shards")["run"], merge_ws,
                    {**runner_env(tmp_path, merge_ws), **clock})
    assert done.returncode == 0, done.stdout + done.stderr
    site = next(s for s in merge["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    assert tree_files(merge_ws / site["with"]["path"]) == expected


def tree_files(root: Path) -> dict[str, bytes]:
    assert (root / "index.html").is_file(), root
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_validate_workflow_runs_the_action_on_pull_requests():
    flow = workflow("validate.yml")
    assert list(flow["on"]) == ["pull_request"]
    step = flow["jobs"]["validate"]["steps"][1]
    assert step["uses"] == "./"
    assert step["with"]["command"] == "validate" and step["with"]["format"] == "github"
    assert (ROOT / step["with"]["sources"]).is_file()


def test_validate_workflow_writes_the_catalog_diff_to_the_summary(tmp_path):
    """The diff step in a checkout of a pull request: origin/<base> and HEAD ahead of it."""
    origin = tmp_path / "origin"
    make_repo(origin, {"catalog_sources.yaml": "sources:\n  - path: .\n",
                       "catalog-info.yaml": SERVICE})
    checkout = tmp_path / "checkout"
    repo = pygit2.clone_repository(origin.as_uri(), str(checkout))
    commit(repo, {"catalog-info.yaml": SERVICE.replace("lifecycle: production",
                                                       "lifecycle: deprecated")}, "Retire")
    step = next(s for s in workflow("validate.yml")["jobs"]["validate"]["steps"]
                if s.get("name") == "Catalog diff")
    env = runner_env(tmp_path, checkout)
    env["BASE_REF"] = "main"  # what ${{ github.base_ref }} gives
    done = run_bash(step["run"], checkout, env)
    assert done.returncode == 0, done.stderr
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary.startswith("### Catalog changes")
    assert "- `component:default/billing`\n  - lifecycle: `production` → `deprecated`" in summary


# --- the composite action --------------------------------------------------------------

def runner_env(tmp_path: Path, workspace: Path | None = None) -> dict[str, str]:
    """The variables a GitHub-hosted runner sets for a step (those the action reads and a
    few it must not trip over), with this test's Playbill first on PATH."""
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    files = {name: temp / name.lower() for name in
             ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
    for path in files.values():
        path.touch()
    return {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(temp), "GITHUB_WORKSPACE": str(workspace or tmp_path),
        "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REPOSITORY": "acme/billing", "GITHUB_SHA": "0" * 40,
        **{name: str(path) for name, path in files.items()},
    }


def run_bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """As `shell: bash` runs a step: the script in a file, `bash --noprofile --norc -eo
    pipefail {0}`."""
    path = Path(env["RUNNER_TEMP"]) / "step.sh"
    path.write_text(script, encoding="utf-8")
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


_INPUT = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")
_CONDITION = re.compile(r"inputs\.([\w-]+) == '([^']*)'")


def expand(text: str, inputs: dict[str, str]) -> str:
    """`${{ inputs.x }}`, the only expression the action's steps may use; anything else
    fails the test, so a step cannot quietly depend on something this runner lacks."""
    expanded = _INPUT.sub(lambda m: inputs[m.group(1)], str(text))
    assert "${{" not in expanded, text
    return expanded


def run_action(workspace: Path, tmp_path: Path, **given: str) -> tuple[int, str, str, dict]:
    """Run action.yml's steps with `given` inputs: exit code, stdout, stderr, outputs."""
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    inputs.update({name.replace("_", "-"): value for name, value in given.items()})
    inputs["install"] = "false"  # the test's own Playbill is on PATH; no network here
    env = runner_env(tmp_path, workspace)
    out, err, code = "", "", 0
    for step in ACTION["runs"]["steps"]:
        condition = step.get("if")
        if condition:
            name, value = _CONDITION.fullmatch(condition).groups()
            if inputs[name] != value:
                continue
        assert "uses" not in step, f"step {step['name']} would need the network"
        step_env = {**env, **{k: expand(v, inputs) for k, v in step.get("env", {}).items()}}
        cwd = workspace / expand(step.get("working-directory", "."), inputs)
        done = run_bash(step["run"], cwd, step_env)
        out, err, code = out + done.stdout, err + done.stderr, done.returncode
        if code:
            break
    lines = Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8").splitlines()
    return code, out, err, dict(line.split("=", 1) for line in lines)


@pytest.fixture
def service(tmp_path):
    root = tmp_path / "billing"
    make_repo(root, {"catalog-info.yaml": SERVICE, "README.md": "# billing\n"})
    return root


def test_the_only_steps_skipped_without_install_are_python_and_playbill():
    skipped = [s for s in ACTION["runs"]["steps"] if s.get("if") == "inputs.install == 'true'"]
    assert [s.get("uses", "").split("@")[0] for s in skipped] == ["actions/setup-python", ""]
    assert '"$GITHUB_ACTION_PATH"' in skipped[1]["run"]


def test_validate_annotates_and_fails_strict(service, tmp_path):
    code, out, err, outputs = run_action(service, tmp_path, command="validate",
                                         paths="catalog-info.yaml", strict="true")
    assert code == 1 and outputs == {"exit-code": "1"}
    assert out.count("::warning file=catalog-info.yaml,line=") == 4
    assert "0 errors, 4 warnings" in err


def test_validate_partial_passes_with_notices(service, tmp_path):
    code, out, _, outputs = run_action(service, tmp_path, command="validate",
                                       paths="catalog-info.yaml", strict="true", partial="true")
    assert code == 0 and outputs == {"exit-code": "0"}
    assert out.count("::notice file=catalog-info.yaml,line=") == 4


def test_validate_against_a_published_catalog(service, tmp_path, portal):  # noqa: F811
    url, _ = portal
    code, out, _, outputs = run_action(service, tmp_path, command="validate", paths=".",
                                       strict="true", against=f"{url}/catalog.json")
    assert code == 1 and outputs == {"exit-code": "1"}
    assert out.count("::warning ") == 1 and "api:default/billing-api" in out


def test_build_writes_the_site_in_the_working_directory(tmp_path):
    root = tmp_path / "repo"
    make_repo(root, {"catalog/catalog-info.yaml": SERVICE})
    code, out, _, outputs = run_action(root, tmp_path, command="build", paths="catalog-info.yaml",
                                       working_directory="catalog", site_dir="public")
    assert code == 0 and outputs == {"exit-code": "0"}
    assert (root / "catalog" / "public" / "index.html").is_file()
    assert "Wrote" in out


def test_a_bad_command_is_refused(service, tmp_path):
    code, out, _, outputs = run_action(service, tmp_path, command="deploy")
    assert code == 2 and outputs == {"exit-code": "2"}
    assert "::error title=playbill action::input command must be validate or build" in out


def test_inputs_never_reach_the_shell_as_code(service, tmp_path):
    code, _, err, outputs = run_action(service, tmp_path, command="validate",
                                       paths="$(touch pwned) `touch pwned2`")
    assert not (service / "pwned").exists() and not (service / "pwned2").exists()
    assert code == 2 and outputs == {"exit-code": "2"}
    assert "$(touch does not exist" in err
