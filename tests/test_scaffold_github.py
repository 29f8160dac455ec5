"""publish:github, publish:github:pull-request, github:actions:dispatch and catalog:register
against our own GitHub REST server on 127.0.0.1, pushing to real bare repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pygit2
import pytest
import yaml

from generator.scaffold.actions.git import Author, push_branch_with_files
from generator.scaffold.actions.registry import ActionContext, ActionError, get_action
from generator.scaffold.github_api import GitHubClient, GitHubError
from githubserver import GitHubServer
from gitrepo import write_files

TOKEN = "ghp_testtoken123"
SOURCES = "sources:\n  # the example\n  - path: example\n    name: example\n\n# trailing note\n"


@pytest.fixture
def github(tmp_path):
    with GitHubServer(tmp_path / "github", token=TOKEN) as server:
        server.add_owner("acme", "Organization")
        yield server


@pytest.fixture
def workspace(tmp_path):
    folder = tmp_path / "ws"
    write_files(folder, {
        "catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
                             "metadata:\n  name: shop\nspec: {type: service, owner: me, lifecycle: x}\n",
        "src/app.py": "print('hi')\n",
        "debug.log": "noise\n",
        ".gitignore": "*.log\n",
    })
    return folder


def context(workspace: Path, github: GitHubServer, token: str = TOKEN, **extra) -> tuple[ActionContext, list[str]]:
    lines: list[str] = []
    ctx = ActionContext(
        workspace=workspace, log=lines.append,
        github=lambda given=None: GitHubClient(github.url, given or token), **extra,
    )
    return ctx, lines


def tree_files(repo: pygit2.Repository, ref: str) -> dict[str, str]:
    commit = repo.revparse_single(ref).peel(pygit2.Commit)
    found = {}

    def walk(tree, prefix=""):
        for entry in tree:
            if entry.type_str == "tree":
                walk(repo[entry.id], prefix + entry.name + "/")
            else:
                found[prefix + entry.name] = repo[entry.id].data.decode()

    walk(commit.tree)
    return found


def test_publish_github_creates_an_org_repository_and_pushes_the_work_folder(github, workspace):
    ctx, lines = context(workspace, github)
    output = get_action("publish:github").run(ctx, {
        "repoUrl": "github.com?owner=acme&repo=shop", "description": "The shop",
        "defaultBranch": "main", "repoVisibility": "internal", "gitCommitMessage": "Scaffold shop",
        "topics": ["python"],
    })
    assert ("POST", "/orgs/acme/repos") in github.requests
    info = github.repos["acme/shop"]
    assert info["description"] == "The shop" and info["visibility"] == "internal"
    assert output["remoteUrl"] == info["clone_url"]
    assert output["repoContentsUrl"] == "https://github.test/acme/shop/blob/main"
    bare = github.bare("acme", "shop")
    commit = bare.revparse_single("refs/heads/main")
    assert str(commit.id) == output["commitHash"]
    assert commit.message == "Scaffold shop"
    assert commit.author.name == "Scaffolder"
    assert set(tree_files(bare, "refs/heads/main")) == {"catalog-info.yaml", "src/app.py", ".gitignore"}
    assert not (workspace / ".git").exists()  # the work folder stays as the template left it
    assert any("topics" in line for line in lines)  # inputs Playbill does not apply are named


def test_publish_github_for_a_user_uses_the_user_endpoint_and_source_path(github, workspace):
    ctx, _ = context(workspace, github)
    output = get_action("publish:github").run(ctx, {
        "repoUrl": "github.com?owner=octocat&repo=tool", "sourcePath": "src",
    })
    assert ("POST", "/user/repos") in github.requests
    assert github.repos["octocat/tool"]["private"] is True
    assert tree_files(github.bare("octocat", "tool"), "refs/heads/master") == {"app.py": "print('hi')\n"}
    assert output["repoContentsUrl"].endswith("/blob/master")  # Backstage's default branch


def test_publish_github_fails_clearly_when_the_repository_exists(github, workspace):
    github.add_repo("acme", "shop", {"README.md": "old\n"})
    ctx, _ = context(workspace, github)
    with pytest.raises(ActionError, match="cannot create repository acme/shop: .*422.*already exists"):
        get_action("publish:github").run(ctx, {"repoUrl": "github.com?owner=acme&repo=shop"})


def test_a_bad_token_is_refused_and_never_shown(github, workspace):
    ctx, _ = context(workspace, github, token="ghp_wrong")
    with pytest.raises(ActionError) as failure:
        get_action("publish:github").run(ctx, {"repoUrl": "github.com?owner=acme&repo=shop"})
    assert "401 Bad credentials" in str(failure.value)
    assert "ghp_wrong" not in str(failure.value)
    assert "acme/shop" not in github.repos


@pytest.mark.parametrize("url", ["github.com", "github.com?repo=x", "github.com?owner=acme"])
def test_publish_github_refuses_a_malformed_repo_url(github, workspace, url):
    ctx, _ = context(workspace, github)
    with pytest.raises(ActionError, match="repoUrl"):
        get_action("publish:github").run(ctx, {"repoUrl": url})


def test_pull_request_pushes_a_branch_with_the_files_and_opens_the_request(github, workspace):
    github.add_repo("acme", "monorepo", {"README.md": "mono\n", "services/old/x.txt": "x\n"})
    ctx, _ = context(workspace, github)
    output = get_action("publish:github:pull-request").run(ctx, {
        "repoUrl": "github.com?owner=acme&repo=monorepo", "branchName": "add-shop",
        "title": "Add shop", "description": "Scaffolded", "targetPath": "services/shop",
        "draft": True,
    })
    assert output == {"remoteUrl": "https://github.test/acme/monorepo/pull/1",
                      "pullRequestNumber": 1, "targetBranchName": "main"}
    pull = github.pulls[0]
    assert (pull["head"]["ref"], pull["base"]["ref"], pull["body"], pull["draft"]) == (
        "add-shop", "main", "Scaffolded", True)
    files = tree_files(github.bare("acme", "monorepo"), "refs/heads/add-shop")
    assert files["services/shop/src/app.py"] == "print('hi')\n"
    assert files["README.md"] == "mono\n" and "services/old/x.txt" in files  # nothing deleted
    assert "services/shop/debug.log" not in files  # the skeleton's .gitignore holds
    main = github.bare("acme", "monorepo").revparse_single("refs/heads/main")
    branch = github.bare("acme", "monorepo").revparse_single("refs/heads/add-shop")
    assert branch.parents[0].id == main.id and branch.message == "Add shop"


def test_pull_request_refuses_an_existing_branch_and_a_target_path_outside(github, workspace):
    github.add_repo("acme", "monorepo", {"README.md": "mono\n"})
    ctx, _ = context(workspace, github)
    action = get_action("publish:github:pull-request")
    base = {"repoUrl": "github.com?owner=acme&repo=monorepo", "title": "t", "description": "d"}
    with pytest.raises(ActionError, match="outside"):
        action.run(ctx, {**base, "branchName": "b", "targetPath": "../elsewhere"})
    action.run(ctx, {**base, "branchName": "b"})
    with pytest.raises(ActionError, match="branch `b` already exists"):
        action.run(ctx, {**base, "branchName": "b"})


def test_dispatch_starts_a_workflow_and_returns_run_details(github, workspace):
    github.add_repo("acme", "shop", {"README.md": "x\n"})
    ctx, _ = context(workspace, github)
    action = get_action("github:actions:dispatch")
    plain = action.run(ctx, {"repoUrl": "github.com?owner=acme&repo=shop", "workflowId": "ci.yml",
                             "branchOrTagName": "main", "workflowInputs": {"env": "dev"}})
    assert plain == {}
    assert github.dispatches[0] == {"repo": "acme/shop", "workflow": "ci.yml", "ref": "main",
                                    "inputs": {"env": "dev"}}
    detailed = action.run(ctx, {"repoUrl": "github.com?owner=acme&repo=shop", "workflowId": 42,
                                "branchOrTagName": "main", "returnWorkflowRunDetails": True})
    assert detailed["workflowRunId"] == 1002
    assert detailed["workflowRunHtmlUrl"].endswith("/actions/runs/1002")
    assert "return_run_details" not in github.dispatches[0]  # only sent when asked for


def test_dispatch_reports_an_old_server_refusing_run_details(github, workspace):
    github.add_repo("acme", "shop", {"README.md": "x\n"})
    github.supports_run_details = False
    ctx, _ = context(workspace, github)
    with pytest.raises(ActionError, match="400 .*return_run_details"):
        get_action("github:actions:dispatch").run(ctx, {
            "repoUrl": "github.com?owner=acme&repo=shop", "workflowId": "ci.yml",
            "branchOrTagName": "main", "returnWorkflowRunDetails": True})


def test_catalog_register_opens_a_pull_request_on_the_portal(github, workspace, tmp_path):
    github.add_repo("acme", "portal", {"catalog_sources.yaml": SOURCES})
    sources = tmp_path / "checkout" / "catalog_sources.yaml"
    write_files(sources.parent, {"catalog_sources.yaml": SOURCES})
    ctx, _ = context(workspace, github, portal_repo="acme/portal", sources_file=sources, step_id="register")
    output = get_action("catalog:register").run(ctx, {
        "repoContentsUrl": "https://github.com/acme/shop/blob/main", "catalogInfoPath": "/catalog-info.yaml"})
    assert output == {
        "catalogInfoUrl": "https://github.com/acme/shop/blob/main/catalog-info.yaml",
        "entityRef": "component:default/shop",
        "pullRequestUrl": "https://github.test/acme/portal/pull/1",
    }
    changed = tree_files(github.bare("acme", "portal"), "refs/heads/playbill/register-shop-register")
    text = changed["catalog_sources.yaml"]
    assert text.startswith(SOURCES.split("\n\n")[0])  # every old line kept, in place
    assert text.endswith("\n# trailing note\n")
    assert yaml.safe_load(text)["sources"][-1] == {
        "url": "https://github.com/acme/shop.git", "ref": "main", "name": "shop",
        "catalog": ["catalog-info.yaml"]}
    assert github.pulls[0]["title"] == "Register shop in the catalog"
    assert sources.read_text() == SOURCES  # the local checkout is not touched


def test_catalog_register_needs_the_portal_repository(github, workspace, tmp_path):
    sources = tmp_path / "catalog_sources.yaml"
    sources.write_text(SOURCES)
    ctx, _ = context(workspace, github, sources_file=sources)
    with pytest.raises(ActionError, match="GITHUB_REPOSITORY"):
        get_action("catalog:register").run(ctx, {"catalogInfoUrl": "https://github.com/a/b/blob/main/c.yaml"})


def test_client_reads_its_base_url_and_token_from_the_environment():
    client = GitHubClient.from_env(env={"GITHUB_API_URL": "https://ghe.example/api/v3/", "GITHUB_TOKEN": "t"})
    assert (client.base_url, client.token) == ("https://ghe.example/api/v3", "t")
    assert GitHubClient.from_env("given", env={}).base_url == "https://api.github.com"
    assert GitHubClient.from_env("given", env={"GITHUB_TOKEN": "t"}).token == "given"


def test_client_says_when_nobody_answers():
    with pytest.raises(GitHubError, match="cannot reach"):
        GitHubClient("http://127.0.0.1:9", "t").get_repo("a", "b")


def test_pushes_over_smart_http_send_the_token_as_github_expects(tmp_path, workspace):
    with GitHubServer(tmp_path / "github", token=TOKEN, git_http=True) as github:
        github.add_owner("acme", "Organization")
        github.add_repo("acme", "monorepo", {"README.md": "mono\n"})
        ctx, _ = context(workspace, github)
        output = get_action("publish:github").run(ctx, {"repoUrl": "github.com?owner=acme&repo=shop",
                                                        "defaultBranch": "main"})
        assert output["remoteUrl"].startswith("http://127.0.0.1:")
        assert "src/app.py" in tree_files(github.bare("acme", "shop"), "refs/heads/main")
        get_action("publish:github:pull-request").run(ctx, {
            "repoUrl": "github.com?owner=acme&repo=monorepo", "branchName": "b", "title": "t",
            "description": "d"})
        assert "catalog-info.yaml" in tree_files(github.bare("acme", "monorepo"), "refs/heads/b")
        github.token = "rotated"  # the Git server now refuses the token the client holds
        with pytest.raises(ActionError, match="refused the credentials") as failure:
            push_branch_with_files(github.repos["acme/monorepo"]["clone_url"], None, "c", workspace,
                                   "", "m", Author(), TOKEN)
        assert TOKEN not in str(failure.value)


def test_dry_runs_record_what_they_would_publish_and_call_nobody(github, workspace):
    ctx, _ = context(workspace, github, dry_run=True)
    plans: list[dict] = []
    ctx.record = plans.append
    published = get_action("publish:github").run(ctx, {"repoUrl": "ghe.acme.io?owner=acme&repo=shop"})
    assert published == {"remoteUrl": "https://ghe.acme.io/acme/shop.git",
                         "repoContentsUrl": "https://ghe.acme.io/acme/shop/blob/master", "commitHash": ""}
    pull = get_action("publish:github:pull-request").run(ctx, {
        "repoUrl": "github.com?owner=acme&repo=mono", "branchName": "b", "title": "t", "description": "d"})
    assert pull["pullRequestNumber"] == 0
    details = get_action("github:actions:dispatch").run(ctx, {
        "repoUrl": "github.com?owner=acme&repo=mono", "workflowId": "ci.yml", "branchOrTagName": "main",
        "workflowInputs": {"a": "1"}, "returnWorkflowRunDetails": True})
    assert details == {"workflowRunId": 0, "workflowRunUrl": "", "workflowRunHtmlUrl": ""}
    assert [p["action"] for p in plans] == ["publish:github", "pull-request", "github:actions:dispatch"]
    assert plans[2]["inputs"] == {"a": "1"}
    assert github.requests == []


PUBLISH_THEN_REGISTER = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: shop}
spec:
  type: service
  steps:
    - id: write
      action: catalog:write
      input:
        entity: {apiVersion: backstage.io/v1alpha1, kind: Component, metadata: {name: shop},
                 spec: {type: service, owner: me, lifecycle: experimental}}
    - id: publish
      action: publish:github
      input: {repoUrl: "github.com?owner=acme&repo=shop", defaultBranch: main}
    - id: register
      action: catalog:register
      input: {repoContentsUrl: "${{ steps.publish.output.repoContentsUrl }}"}
"""


def test_a_run_failing_after_a_publish_says_what_was_published(github, tmp_path, monkeypatch):
    """publish:github made the repository, then catalog:register failed (the portal
    repository is not there): the run must not claim that nothing was published."""
    from click.testing import CliRunner

    from generator.scaffold.cli import scaffold

    write_files(tmp_path / "portal", {"catalog_sources.yaml": SOURCES,
                                      "scaffold_templates/shop/template.yaml": PUBLISH_THEN_REGISTER})
    monkeypatch.chdir(tmp_path / "portal")
    summary = tmp_path / "summary.md"
    env = {"GITHUB_API_URL": github.url, "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/portal",
           "GITHUB_STEP_SUMMARY": str(summary), "PLAYBILL_USER": None}
    result = CliRunner().invoke(scaffold, ["run", "scaffold_templates/shop"], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert "acme/shop" in github.repos  # the publish step did publish
    assert "nothing was published" not in result.output.lower()
    made = "https://github.test/acme/shop/blob/main"
    assert "Failed at step register (catalog:register) after these steps published" in result.stderr
    assert f"  publish (publish:github): {made}" in result.stderr
    assert "hint: running the template again would publish them again" in result.stderr
    assert f"Steps that published before it, not undone: publish ({made})" in result.stderr
    assert "nothing was published" not in summary.read_text().lower()
    assert f"\n- `publish` (publish:github): {made}\n" in summary.read_text()

    data = json.loads(CliRunner().invoke(
        scaffold, ["run", "scaffold_templates/shop", "--format", "json"],
        env={**env, "GITHUB_STEP_SUMMARY": None}).stdout)
    assert data["failed_step"] == "publish"  # the repository exists by now
    assert data["published"] == []
