"""publish:github, publish:github:pull-request and github:actions:dispatch.

These are the only actions that change anything outside the work folder, so they are marked
`publishes`: in a dry run they record what they would do (through `ctx.record`, with
secrets already masked by the runner) and return outputs shaped like the real ones, so later
steps and the template's `output` still render. Inputs follow Backstage's GitHub module;
the ones Playbill does not apply (branch protection, collaborators, topics, repository
variables and secrets, reviewers, forks) are named in the log instead of silently dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from generator.scaffold.actions.fs import safe_child
from generator.scaffold.actions.git import Author, push_branch_with_files, push_new_repository
from generator.scaffold.actions.registry import ActionContext, ActionError, builtin
from generator.scaffold.github_api import GitHubClient, GitHubError

DEFAULT_BRANCH = "master"  # Backstage's publish:github default, kept for compatibility
DEFAULT_COMMIT_MESSAGE = "Initial commit"
_NOT_APPLIED_PUBLISH = (
    "access", "protectDefaultBranch", "protectEnforceAdmins", "deleteBranchOnMerge",
    "allowRebaseMerge", "allowSquashMerge", "allowMergeCommit", "allowAutoMerge",
    "squashMergeCommitTitle", "squashMergeCommitMessage", "bypassPullRequestAllowances",
    "requiredApprovingReviewCount", "restrictions", "requireCodeOwnerReviews",
    "dismissStaleReviews", "requiredStatusCheckContexts", "requireBranchesToBeUpToDate",
    "requiredConversationResolution", "collaborators", "hasProjects", "hasWiki", "hasIssues",
    "topics", "repoVariables", "secrets", "oidcCustomization", "requiredCommitSigning",
)
_NOT_APPLIED_PR = ("reviewers", "teamReviewers", "update", "forceFork", "gitAuthorName", "gitAuthorEmail")


def parse_repo_url(url: Any) -> dict[str, str]:
    """Backstage's `repoUrl` form, `github.com?owner=o&repo=r`, as `{host, owner, repo}`."""
    if not isinstance(url, str) or "?" not in url:
        raise ActionError(
            f"repoUrl `{url}` is not of the form host?owner=OWNER&repo=REPO "
            "(e.g. github.com?owner=acme&repo=shop)"
        )
    host, query = url.split("?", 1)
    values = {key: found[0] for key, found in parse_qs(query).items()}
    if not host or not values.get("repo"):
        raise ActionError(f"repoUrl `{url}` has no host or no repo")
    if not values.get("owner"):
        raise ActionError(f"Invalid repository owner provided in repoUrl `{url}`")
    return {**values, "host": host}


def _source(ctx: ActionContext, source_path: Any) -> Path:
    if not source_path:
        return ctx.workspace.resolve()
    folder = safe_child(ctx.workspace, source_path, "sourcePath")
    if not folder.is_dir():
        raise ActionError(f"sourcePath `{source_path}` is not a folder of the work folder")
    return folder


def _ignored(ctx: ActionContext, input: dict[str, Any], names: tuple[str, ...]) -> None:
    given = [name for name in names if input.get(name) not in (None, [], {})]
    if given:
        ctx.log("Not applied by Playbill (set these on GitHub): " + ", ".join(given))


def _web(host: str, owner: str, repo: str) -> str:
    return f"https://{host}/{owner}/{repo}"


PUBLISH_SCHEMA = {
    "type": "object",
    "required": ["repoUrl"],
    "properties": {
        "repoUrl": {"type": "string"},
        "description": {"type": "string"},
        "homepage": {"type": "string"},
        "defaultBranch": {"type": "string"},
        "repoVisibility": {"enum": ["private", "internal", "public"]},
        "sourcePath": {"type": "string"},
        "gitCommitMessage": {"type": "string"},
        "gitAuthorName": {"type": "string"},
        "gitAuthorEmail": {"type": "string"},
        "token": {"type": "string"},
    },
}


@builtin("publish:github", schema=PUBLISH_SCHEMA, publishes=True)
def publish_github(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Creates a GitHub repository and pushes the work folder (or `sourcePath`) to it.

    Outputs `remoteUrl` (the clone URL), `repoContentsUrl` and `commitHash`.
    """
    where = parse_repo_url(input.get("repoUrl"))
    owner, repo = where["owner"], where["repo"]
    branch = input.get("defaultBranch") or DEFAULT_BRANCH
    visibility = input.get("repoVisibility") or "private"
    message = input.get("gitCommitMessage") or DEFAULT_COMMIT_MESSAGE
    source = _source(ctx, input.get("sourcePath"))
    _ignored(ctx, input, _NOT_APPLIED_PUBLISH)
    if ctx.dry_run:
        web = _web(where["host"], owner, repo)
        ctx.record({
            "action": "publish:github", "create_repository": f"{owner}/{repo}",
            "host": where["host"], "visibility": visibility, "description": input.get("description") or "",
            "default_branch": branch, "commit_message": message,
            "files_from": source.relative_to(ctx.workspace.resolve()).as_posix() or ".",
        })
        ctx.log(f"Dry run: would create {visibility} repository {owner}/{repo} and push branch {branch}")
        return {"remoteUrl": f"{web}.git", "repoContentsUrl": f"{web}/blob/{branch}", "commitHash": ""}
    client = ctx.github_client(input.get("token"))
    created = _call(lambda: client.create_repo(
        owner, repo, description=input.get("description") or "", visibility=visibility,
        homepage=input.get("homepage"),
    ), f"cannot create repository {owner}/{repo}")
    remote = created["clone_url"]
    ctx.log(f"Created repository {owner}/{repo}; pushing branch {branch}")
    author = Author(input.get("gitAuthorName") or "", input.get("gitAuthorEmail") or "")
    commit = push_new_repository(source, remote, branch, message, author, client.token)
    return {
        "remoteUrl": remote,
        "repoContentsUrl": f"{created['html_url']}/blob/{branch}",
        "commitHash": commit,
    }


PULL_REQUEST_SCHEMA = {
    "type": "object",
    "required": ["repoUrl", "branchName", "title", "description"],
    "properties": {
        "repoUrl": {"type": "string"},
        "branchName": {"type": "string", "minLength": 1},
        "targetBranchName": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "draft": {"type": "boolean"},
        "targetPath": {"type": "string"},
        "sourcePath": {"type": "string"},
        "commitMessage": {"type": "string"},
        "token": {"type": "string"},
    },
}


@builtin("publish:github:pull-request", schema=PULL_REQUEST_SCHEMA, publishes=True)
def publish_pull_request(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Pushes the work folder (or `sourcePath`) into `targetPath` of an existing repository
    on a new branch and opens a pull request.

    Outputs `remoteUrl` (the pull request's page), `pullRequestNumber` and `targetBranchName`.
    """
    where = parse_repo_url(input.get("repoUrl"))
    source = _source(ctx, input.get("sourcePath"))
    target_path = _target_path(input.get("targetPath"))
    _ignored(ctx, input, _NOT_APPLIED_PR)
    result = open_pull_request(
        ctx, where["owner"], where["repo"], source, target_path,
        branch=input["branchName"], base=input.get("targetBranchName"),
        title=input["title"], body=input.get("description") or "",
        message=input.get("commitMessage") or input["title"], draft=bool(input.get("draft")),
        token=input.get("token"), host=where["host"],
    )
    return {
        "remoteUrl": result["html_url"],
        "pullRequestNumber": result["number"],
        "targetBranchName": result["base"],
    }


def _target_path(value: Any) -> str:
    """`targetPath` inside the target repository: relative, and never above its root."""
    if not value:
        return ""
    probe = safe_child(Path("/repository"), value, "targetPath")
    return probe.relative_to(Path("/repository").resolve()).as_posix()


def open_pull_request(
    ctx: ActionContext, owner: str, repo: str, source: Path, target_path: str, *,
    branch: str, base: str | None, title: str, body: str, message: str,
    draft: bool = False, token: str | None = None, host: str = "github.com",
) -> dict[str, Any]:
    """Put `source`'s files at `target_path` of `owner/repo` on `branch` and open a pull
    request; returns `{html_url, number, base}`. Shared with catalog:register.

    In a dry run nothing is cloned or pushed: the plan is recorded and a placeholder
    answer returned.
    """
    if ctx.dry_run:
        ctx.record({
            "action": "pull-request", "repository": f"{owner}/{repo}", "host": host,
            "branch": branch, "base": base or "(default branch)", "title": title,
            "body": body, "commit_message": message, "target_path": target_path or ".",
            "draft": draft,
        })
        ctx.log(f"Dry run: would open a pull request on {owner}/{repo} from branch {branch}")
        return {"html_url": f"{_web(host, owner, repo)}/pull/0", "number": 0, "base": base or ""}
    client = ctx.github_client(token)
    info = _call(lambda: client.get_repo(owner, repo), f"cannot read repository {owner}/{repo}")
    base = base or info.get("default_branch")
    _, base = push_branch_with_files(
        info["clone_url"], base, branch, source, target_path, message, Author(), client.token
    )
    ctx.log(f"Pushed branch {branch} to {owner}/{repo}; opening a pull request into {base}")
    pull = _call(lambda: client.create_pull(
        owner, repo, title=title, head=branch, base=base, body=body, draft=draft,
    ), f"Pull request creation failed on {owner}/{repo}")
    return {"html_url": pull["html_url"], "number": pull["number"], "base": base}


DISPATCH_SCHEMA = {
    "type": "object",
    "required": ["repoUrl", "workflowId", "branchOrTagName"],
    "properties": {
        "repoUrl": {"type": "string"},
        "workflowId": {"type": ["string", "number"]},
        "branchOrTagName": {"type": "string"},
        "workflowInputs": {"type": "object", "maxProperties": 25},
        "returnWorkflowRunDetails": {"type": "boolean"},
        "token": {"type": "string"},
    },
}


@builtin("github:actions:dispatch", schema=DISPATCH_SCHEMA, publishes=True)
def dispatch(ctx: ActionContext, input: dict[str, Any]) -> dict[str, Any]:
    """Starts a GitHub Actions workflow through its `workflow_dispatch` trigger.

    With `returnWorkflowRunDetails` it outputs `workflowRunId`, `workflowRunUrl` and
    `workflowRunHtmlUrl` (github.com since February 2026; older servers refuse the field).
    """
    where = parse_repo_url(input.get("repoUrl"))
    owner, repo = where["owner"], where["repo"]
    workflow, ref = str(input["workflowId"]), input["branchOrTagName"]
    inputs = input.get("workflowInputs") or {}
    details = bool(input.get("returnWorkflowRunDetails"))
    if ctx.dry_run:
        ctx.record({"action": "github:actions:dispatch", "repository": f"{owner}/{repo}",
                    "workflow": workflow, "ref": ref, "inputs": inputs})
        ctx.log(f"Dry run: would dispatch workflow {workflow} on {owner}/{repo} at {ref}")
        return {"workflowRunId": 0, "workflowRunUrl": "", "workflowRunHtmlUrl": ""} if details else {}
    client = ctx.github_client(input.get("token"))
    answer = _call(lambda: client.dispatch_workflow(owner, repo, workflow, ref, inputs, details),
                   f"cannot dispatch workflow {workflow} on {owner}/{repo}")
    ctx.log(f"Workflow {workflow} dispatched on {owner}/{repo} at {ref}")
    if not details or not isinstance(answer, dict):
        return {}
    return {
        "workflowRunId": answer.get("workflow_run_id"),
        "workflowRunUrl": answer.get("run_url"),
        "workflowRunHtmlUrl": answer.get("html_url"),
    }


def _call(call, what: str):
    try:
        return call()
    except GitHubError as failure:
        raise ActionError(f"{what}: {failure}") from None


__all__ = ["GitHubClient", "open_pull_request", "parse_repo_url"]
