"""The runner: checks before running, `if`/`each`/outputs as Backstage has them, secrets kept
out of everything shown, failures that name the step and publish nothing, dry runs that
write the result to a folder, provenance annotations. The corpus templates are run in
test_scaffold_corpus.py."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from generator.read import read_catalog
from generator.scaffold.actions.catalog import DRY_RUN_FOLDER
from generator.scaffold.runner import RunOptions, run_template
from generator.scaffold.template import SOURCE_TEMPLATE, SOURCE_TEMPLATE_COMMIT, load_template
from generator.scaffold.github_api import GitHubClient
from generator.sources import trees_for_paths
from githubserver import GitHubServer
from gitrepo import commit, make_repo, write_files



def make_template(folder: Path, steps: list, parameters: dict | None = None, output: dict | None = None,
                  files: dict | None = None):
    """Write a template (and skeleton `files`) below `folder` and load it."""
    spec = {"owner": "group:platform", "type": "service", "steps": steps,
            "parameters": parameters or {"properties": {"name": {"type": "string"}}}}
    if output is not None:
        spec["output"] = output
    doc = {"apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template",
           "metadata": {"name": "svc", "title": "Service"}, "spec": spec}
    write_files(folder, {"template.yaml": yaml.safe_dump(doc, sort_keys=False), **(files or {})})
    template, problems = load_template(folder / "template.yaml")
    assert template is not None and not [p for p in problems if p.is_error], problems
    return template


def log_step(id: str, message: str, **extra) -> dict:
    return {"id": id, "name": id, "action": "debug:log", "input": {"message": message}, **extra}


def test_steps_run_in_order_and_outputs_feed_later_steps(tmp_path):
    template = make_template(tmp_path / "t", [
        {"id": "fetch", "action": "fetch:template",
         "input": {"url": "./skeleton", "values": {"name": "${{ parameters.name }}"}}},
        {"id": "list", "action": "fs:readdir", "input": {"paths": ["."]}},
        log_step("say", "files: ${{ steps.list.output.files | length }} first=${{ steps['list'].output.files[0].name }}"),
    ], output={"text": [{"title": "Files", "content": "${{ steps.list.output.files | dump }}"}],
               "count": "${{ steps.list.output.files | length }}"},
        files={"skeleton/${{ values.name }}.txt": "hi ${{ values.name }}\n"})
    result = run_template(template, {"name": "shop"}, RunOptions())
    assert result.ok, result.problems
    assert [s.status for s in result.steps] == ["ok", "ok", "ok"]
    assert "files: 1 first=shop.txt" in result.log
    assert result.steps[1].output["files"][0]["name"] == "shop.txt"
    assert result.output["count"] == 1  # one expression keeps its type
    assert json.loads(result.output["text"][0]["content"])[0]["path"] == "shop.txt"


def test_if_skips_steps_and_each_iterates_lists_and_objects(tmp_path):
    template = make_template(tmp_path / "t", [
        log_step("never", "no", **{"if": "${{ parameters.name === 'other' }}"}),
        log_step("false", "no", **{"if": False}),
        log_step("empty-list", "no", **{"if": "${{ [] }}"}),
        {"id": "loop", "action": "debug:log", "each": "${{ ['a', 'b'] }}",
         "input": {"message": "item ${{ each.key }}=${{ each.value }}"}},
        {"id": "pairs", "action": "catalog:write", "each": {"one": "x", "two": "y"},
         "if": "${{ each.key !== 'two' }}",
         "input": {"filePath": "${{ each.key }}.yaml", "entity": {"name": "${{ each.value }}"}}},
    ])
    result = run_template(template, {"name": "shop"}, RunOptions(dry_run=True, output=tmp_path / "out"))
    assert result.ok, result.problems
    assert [s.status for s in result.steps] == ["skipped", "skipped", "skipped", "ok", "ok"]
    assert "item 0=a" in result.log and "item 1=b" in result.log
    assert 'Running step each: {"key": "0", "value": "a"}' in result.log
    assert sorted(p.name for p in (tmp_path / "out").glob("*.yaml")) == ["one.yaml"]


def test_each_must_be_a_list_or_an_object(tmp_path):
    template = make_template(tmp_path / "t", [
        {"id": "loop", "action": "debug:log", "each": "${{ parameters.name }}", "input": {"message": "x"}}])
    result = run_template(template, {"name": "shop"}, RunOptions())
    assert not result.ok and result.failed_step == "loop"
    assert "needs to be an array or an object" in result.problems[-1].message


def test_unknown_actions_fail_before_any_step_runs(tmp_path):
    template = make_template(tmp_path / "t", [
        {"id": "write", "action": "catalog:write", "input": {"entity": {"a": 1}}},
        {"id": "zip", "action": "publish:zip", "input": {}},
    ])
    out = tmp_path / "out"
    result = run_template(template, {}, RunOptions(dry_run=True, output=out))
    assert not result.ok and result.steps == []
    [problem] = result.problems
    assert problem.code == "unsupported-action"
    assert "step `zip` uses action `publish:zip`, which Playbill does not support" in problem.message
    assert "fetch:template" in problem.hint
    assert not out.exists()


def test_bad_parameter_values_stop_the_run_naming_the_parameter(tmp_path):
    template = make_template(tmp_path / "t", [log_step("a", "x")], parameters={
        "required": ["name"], "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}}})
    result = run_template(template, {"name": "Bad Name"}, RunOptions())
    assert not result.ok and result.steps == []
    assert any("name" in p.message and p.is_error for p in result.problems)


def test_defaults_fill_missing_values(tmp_path):
    template = make_template(tmp_path / "t", [log_step("a", "lang=${{ parameters.lang }}")], parameters={
        "properties": {"lang": {"type": "string", "default": "python"}}})
    assert "lang=python" in run_template(template, {}, RunOptions()).log


def test_a_failure_names_the_step_skips_the_rest_and_publishes_nothing(tmp_path):
    template = make_template(tmp_path / "t", [
        log_step("first", "one"),
        {"id": "move", "name": "Move it", "action": "fs:rename", "input": {"files": [{"from": "nope", "to": "x"}]}},
        log_step("after", "should not run"),
        {"id": "publish", "action": "publish:github", "if": "${{ always() }}",
         "input": {"repoUrl": "github.com?owner=acme&repo=shop"}},
        log_step("cleanup", "failed=${{ failure() }}", **{"if": "${{ always() }}"}),
    ], output={"links": [{"url": "x"}]})
    result = run_template(template, {}, RunOptions())
    assert not result.ok and result.failed_step == "move"
    assert [s.status for s in result.steps] == ["ok", "failed", "skipped", "skipped", "ok"]
    assert "no such file or folder" in result.steps[1].error
    assert "Step move (fs:rename) failed: cannot rename `nope`" in "\n".join(result.log)
    assert "failed=true" in result.log
    assert result.problems[-1].code == "step-failed" and "Nothing was published" in result.problems[-1].hint
    assert result.output == {}


def test_invalid_action_input_is_caught_before_the_action_runs(tmp_path):
    template = make_template(tmp_path / "t", [
        {"id": "rename", "action": "fs:rename", "input": {"files": [{"from": "a"}]}}])
    result = run_template(template, {}, RunOptions())
    assert "invalid input for fs:rename: files.0: 'to' is a required property" in result.steps[0].error


def test_secrets_never_reach_the_log_outputs_or_dry_run_files(tmp_path):
    secret = "s3cr3t-value"
    template = make_template(tmp_path / "t", [
        log_step("say", "token is ${{ secrets.token }} and upper ${{ secrets.token | upper }}"),
        {"id": "fetch", "action": "fetch:template",
         "input": {"url": "./skeleton", "values": {"token": "${{ secrets.token }}"}}},
        {"id": "publish", "action": "publish:github",
         "input": {"repoUrl": "github.com?owner=acme&repo=shop", "description": "${{ secrets.token }}"}},
    ], output={"text": [{"title": "t", "content": "${{ secrets.token }}|${{ parameters.name }}"}]},
        files={"skeleton/config.txt": "key=${{ values.token }}\n"})
    out = tmp_path / "out"
    result = run_template(template, {"name": "n"}, RunOptions(dry_run=True, output=out, secrets={"token": secret}))
    assert result.ok, result.problems
    everything = "\n".join(result.log) + json.dumps(result.planned) + json.dumps(result.output)
    everything += "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert secret not in everything and secret.upper() not in everything
    assert result.log[1] == "***"  # a line rendered from a secret is masked whole
    assert (out / "config.txt").read_text() == "key=***\n"  # a dry run renders with `***`
    assert result.planned[0]["description"] == "***"
    assert result.output["text"][0]["content"] == "|n"  # output is rendered without secrets


def test_real_runs_mask_secrets_in_the_log(tmp_path):
    template = make_template(tmp_path / "t", [log_step("say", "a ${{ secrets.k }} b")])
    result = run_template(template, {}, RunOptions(secrets={"k": "hunter2"}))
    assert result.log[1] == "***" and "hunter2" not in "\n".join(result.log)


def test_user_ref_and_catalog_entity_are_in_context(tmp_path):
    template = make_template(tmp_path / "t", [
        log_step("who", "${{ user.ref }} ${{ user.entity.metadata.name }} ${{ user.entity.spec.profile.email }}")])
    assert "user:default/jane jane " in run_template(template, {}, RunOptions(user_ref="jane")).log
    write_files(tmp_path / "catalog", {"users.yaml": (
        "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: jane}\n"
        "spec: {profile: {email: jane@acme.test}, memberOf: []}\n")})
    catalog = read_catalog(trees_for_paths([tmp_path / "catalog"]).trees)
    result = run_template(template, {}, RunOptions(user_ref="user:jane", catalog=catalog))
    assert "user:default/jane jane jane@acme.test" in result.log


def test_dry_run_writes_the_workspace_and_a_record_and_annotates_entities(tmp_path):
    repo_dir = tmp_path / "templates"
    make_repo(repo_dir, {"other/readme.md": "x\n"})
    template = make_template(repo_dir / "svc", [
        {"id": "fetch", "action": "fetch:template", "input": {"url": "./skeleton", "values": {"name": "shop"}}},
        {"id": "publish", "action": "publish:github", "input": {"repoUrl": "github.com?owner=acme&repo=shop"}},
    ], output={"links": [{"title": "Repo", "url": "${{ steps.publish.output.remoteUrl }}"},
                         {"title": "Hidden", "url": "x", "if": "${{ false }}"}]},
        files={"skeleton/catalog-info.yaml": (
            "# the entity\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
            "  name: ${{ values.name }}  # its name\nspec:\n  type: service\n  owner: me\n"),
            "skeleton/k8s.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n"})
    repo = make_repo(repo_dir)  # reopen
    folder_commit = commit(repo, {}, "Add the service template")
    commit(repo, {"other/readme.md": "changed\n"}, "Change something else")
    template = load_template(repo_dir / "svc" / "template.yaml")[0]
    out = tmp_path / "out"
    result = run_template(template, {}, RunOptions(dry_run=True, output=out))
    assert result.ok, result.problems
    assert result.output == {"links": [{"title": "Repo", "url": "https://github.com/acme/shop.git"}]}
    entity_text = (out / "catalog-info.yaml").read_text()
    assert entity_text.startswith("# the entity\n") and "# its name" in entity_text
    annotations = yaml.safe_load(entity_text)["metadata"]["annotations"]
    assert annotations[SOURCE_TEMPLATE] == "template:default/svc"
    assert annotations[SOURCE_TEMPLATE_COMMIT] == result.template_commit
    assert result.template_commit == folder_commit != template.commit  # not the checkout's HEAD
    assert "annotations" not in (out / "k8s.yaml").read_text()  # not a catalog entity
    record = json.loads((out / DRY_RUN_FOLDER / "run.json").read_text())
    assert record["planned"][0]["create_repository"] == "acme/shop"
    assert (out / DRY_RUN_FOLDER / "log.txt").read_text().startswith("Beginning step fetch")
    # a second dry run into the same folder replaces the first
    again = run_template(template, {}, RunOptions(dry_run=True, output=out))
    assert again.ok and (out / "catalog-info.yaml").is_file()


def test_dry_run_refuses_a_folder_it_did_not_write(tmp_path):
    template = make_template(tmp_path / "t", [log_step("a", "x")])
    write_files(tmp_path / "mine", {"precious.txt": "keep\n"})
    result = run_template(template, {}, RunOptions(dry_run=True, output=tmp_path / "mine"))
    assert not result.ok and result.problems[0].code == "output-not-empty"
    assert (tmp_path / "mine" / "precious.txt").read_text() == "keep\n"


def test_a_real_run_publishes_to_github_and_registers_through_a_pull_request(tmp_path):
    template = make_template(tmp_path / "t", [
        {"id": "fetch", "action": "fetch:template", "input": {"url": "./skeleton", "values": {"name": "${{ parameters.name }}"}}},
        {"id": "publish", "action": "publish:github",
         "input": {"repoUrl": "github.com?owner=acme&repo=${{ parameters.name }}", "defaultBranch": "main"}},
        {"id": "register", "action": "catalog:register",
         "input": {"repoContentsUrl": "https://github.com/acme/${{ parameters.name }}/blob/main"}},
    ], output={"links": [{"url": "${{ steps.register.output.pullRequestUrl }}"},
                         {"entityRef": "${{ steps.register.output.entityRef }}"}]},
        files={"skeleton/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
                                             "metadata:\n  name: ${{ values.name }}\n"})
    sources = tmp_path / "catalog_sources.yaml"
    sources.write_text("sources:\n  - path: example\n")
    with GitHubServer(tmp_path / "gh", token="tok") as github:
        github.add_owner("acme")
        github.add_repo("acme", "portal", {"catalog_sources.yaml": sources.read_text()})
        result = run_template(template, {"name": "shop"}, RunOptions(
            portal_repo="acme/portal", sources_file=sources,
            github=lambda token=None: GitHubClient(github.url, token or "tok")))
        assert result.ok, (result.problems, result.log)
        assert result.output["links"] == [{"url": "https://github.test/acme/portal/pull/1"},
                                          {"entityRef": "component:default/shop"}]
        pushed = github.bare("acme", "shop").revparse_single("refs/heads/main").tree["catalog-info.yaml"]
        text = github.bare("acme", "shop")[pushed.id].data.decode()
        assert f"{SOURCE_TEMPLATE}: template:default/svc" in text


def test_a_failed_publish_is_reported_and_later_publishing_is_skipped(tmp_path):
    template = make_template(tmp_path / "t", [
        {"id": "publish", "action": "publish:github", "input": {"repoUrl": "github.com?owner=acme&repo=shop"}},
        {"id": "dispatch", "action": "github:actions:dispatch",
         "input": {"repoUrl": "github.com?owner=acme&repo=shop", "workflowId": "ci", "branchOrTagName": "main"}},
    ])
    with GitHubServer(tmp_path / "gh", token="right") as github:
        github.add_owner("acme")
        result = run_template(template, {}, RunOptions(github=lambda token=None: GitHubClient(github.url, "wrong")))
        assert result.failed_step == "publish" and "401 Bad credentials" in result.steps[0].error
        assert result.steps[1].status == "skipped" and github.dispatches == []
