"""`playbill owner set` on real Git repositories: only the owner line changes (git diff
proves it) whatever the file looks like, wrong requests are refused clearly, and the pull
request goes through a GitHub REST API of ours on 127.0.0.1."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pygit2
import pytest
from click.testing import CliRunner

from generator.cli import main
from githubserver import GitHubServer
from gitrepo import commit, make_repo

TEAMS = """\
# Teams of the billing domain.
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-b
  namespace: default
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ada}
spec: {memberOf: [team-a]}
"""

HEAD = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
"""

# (name, the file's text, the line before, the line after); `{}` is the component name.
SHAPES = [
    ("comment", HEAD + "spec:\n  type: service\n  lifecycle: production\n"
                "  owner: team-a  # pager: #billing-oncall\n",
     "  owner: team-a  # pager: #billing-oncall", "  owner: team-b  # pager: #billing-oncall"),
    ("single-quoted", HEAD + "spec:\n  type: service\n  owner: 'team-a'\n  lifecycle: x\n",
     "  owner: 'team-a'", "  owner: 'team-b'"),
    ("double-quoted", HEAD + 'spec:\n  type: service\n  owner: "group:default/team-a"\n'
                             "  lifecycle: x\n",
     '  owner: "group:default/team-a"', '  owner: "team-b"'),
    ("flow", HEAD + "spec: {type: service, owner: team-a, lifecycle: production}  # flow\n",
     "spec: {type: service, owner: team-a, lifecycle: production}  # flow",
     "spec: {type: service, owner: team-b, lifecycle: production}  # flow"),
    ("alias", HEAD + "  labels: {team: &team team-a}\nspec:\n  type: service\n"
                     "  owner: *team\n  lifecycle: x\n",
     "  owner: *team", "  owner: team-b"),
    ("anchor", HEAD + "  annotations: {}\nspec:\n  owner: !!str &team team-a\n"
                      "  type: service\n  lifecycle: x\n",
     "  owner: !!str &team team-a", "  owner: !!str &team team-b"),
    ("crlf", (HEAD + "spec:\n  type: service\n  owner: team-a # x\n  lifecycle: x\n")
     .replace("\n", "\r\n"), "  owner: team-a # x", "  owner: team-b # x"),
]

# Documents around the one that changes: the same owner, comments and markers.
NEIGHBOURS = """\
# Services of the billing domain: keep this header.
%YAML 1.2
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: invoices   # same owner, must not change
spec:
  type: service
  lifecycle: production
  owner: team-a
---
{target}
--- # the last one
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {{name: ledger}}
spec: {{type: library, lifecycle: production, owner: team-a}}
...
"""


def run(cwd: Path, *args: str, env: dict | None = None):
    import os
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["owner", "set", *args, "-q"], env=env,
                                  catch_exceptions=False)
    finally:
        os.chdir(old)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout


def repository(root: Path, target: str) -> pygit2.Repository:
    repo = make_repo(root, {
        "teams.yaml": TEAMS,
        "services/catalog-info.yaml": NEIGHBOURS.format(target=target.rstrip("\r\n")),
    })
    repo.config["user.name"] = "Dee Veloper"
    repo.config["user.email"] = "dee@acme.test"
    return repo


def changed_lines(cwd: Path, base: str, branch: str) -> tuple[list[str], list[str]]:
    diff = git(cwd, "diff", "--unified=0", "--no-color", base, branch)
    body = [line for line in diff.splitlines() if line[:1] in "+-"
            and not line.startswith(("+++", "---"))]
    return [l[1:] for l in body if l[0] == "-"], [l[1:] for l in body if l[0] == "+"]


@pytest.mark.parametrize("shape, text, before, after", SHAPES, ids=[s[0] for s in SHAPES])
def test_local_commit_changes_only_the_owner_line(tmp_path, shape, text, before, after):
    root = tmp_path / "billing"
    repo = repository(root, text.replace("{name}", "billing"))
    main_before = str(repo.head.target)
    result = run(root, "component:billing", "team-b", ".", "--local")
    assert result.exit_code == 0, result.output
    branch = "playbill/owner/component-billing-to-team-b"
    assert f"on branch {branch}" in result.stdout
    assert changed_lines(root, "main", branch) == ([before], [after])
    # main, the index and the work tree are as they were; the branch is one commit on top
    assert str(repo.head.target) == main_before and repo.head.shorthand == "main"
    assert git(root, "status", "--porcelain") == ""
    tip = repo.branches.local[branch].peel(pygit2.Commit)
    assert [str(p) for p in tip.parent_ids] == [main_before]
    assert tip.message.startswith("Change owner of component:default/billing to group:default/team-b")
    assert tip.author.name == "Dee Veloper"


def test_the_new_branch_validates_with_the_new_owner(tmp_path):
    root = tmp_path / "billing"
    repository(root, SHAPES[0][1].format(name="billing"))
    assert run(root, "component:billing", "user:ada", ".", "--local").exit_code == 0
    git(root, "switch", "-q", "playbill/owner/component-billing-to-ada")
    result = CliRunner().invoke(main, ["validate", str(root), "--format", "json", "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0 and '"owner-not-found"' not in result.stdout
    text = (root / "services" / "catalog-info.yaml").read_text(encoding="utf-8")
    assert "  owner: user:ada  # pager" in text


def test_uncommitted_work_is_neither_included_nor_disturbed(tmp_path):
    root = tmp_path / "billing"
    repository(root, SHAPES[0][1].format(name="billing"))
    path = root / "services" / "catalog-info.yaml"
    draft = path.read_text(encoding="utf-8") + "# draft, not committed\n"
    path.write_text(draft, encoding="utf-8")
    assert run(root, "component:billing", "team-b", ".", "--local").exit_code == 0
    assert path.read_text(encoding="utf-8") == draft
    assert "draft" not in git(root, "show", "playbill/owner/component-billing-to-team-b:"
                                            "services/catalog-info.yaml")


BILLING = SHAPES[0][1].format(name="billing")


@pytest.mark.parametrize("args, message, hint", [
    (("component:billing", "team-c"), "new owner group:default/team-c is not in the catalog",
     "did you mean group:default/team-a or group:default/team-b?"),
    (("component:biling", "team-b"), "component:default/biling is not in the catalog",
     "did you mean component:default/billing?"),
    (("billing", "team-b"), "'billing' is not an entity ref", "kind:name"),
    (("component:billing", "component:invoices"), "is a component, not a group or user",
     "Group (team) or a User"),
    (("group:team-a", "team-b"), "group:default/team-a (Group) has no spec.owner",
     "only Components"),
    (("component:billing", "group:default/team-a"), "already owned by group:default/team-a", ""),
])
def test_bad_requests_are_refused_and_nothing_is_committed(tmp_path, args, message, hint):
    root = tmp_path / "billing"
    repo = repository(root, BILLING)
    result = run(root, *args, ".", "--local")
    assert result.exit_code == 2
    assert f"error: {message}" in result.stderr or message in result.stderr
    assert hint in result.stderr
    assert list(repo.branches.local) == ["main"]


@pytest.mark.parametrize("written, message", [
    ("  owner: >-\n    team-a\n", "spec.owner at line 20 is not a one-line value"),
    ("  owner:\n    team-a\n", "spec.owner at line 20 does not have its value on the same"),
])
def test_a_multi_line_owner_is_left_to_a_person(tmp_path, written, message):
    root = tmp_path / "billing"
    repo = repository(root, HEAD.format(name="billing") + "spec:\n  type: service\n"
                      "  lifecycle: x\n" + written)
    result = run(root, "component:billing", "team-b", ".", "--local")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "change it by hand" in result.stderr
    assert list(repo.branches.local) == ["main"]


def test_an_existing_branch_is_not_overwritten(tmp_path):
    root = tmp_path / "billing"
    repository(root, BILLING)
    assert run(root, "component:billing", "team-b", ".", "--local").exit_code == 0
    again = run(root, "component:billing", "team-b", ".", "--local")
    assert again.exit_code == 2 and "exists already" in again.stderr
    other = run(root, "component:billing", "team-b", ".", "--local", "--branch", "handover")
    assert other.exit_code == 0 and "on branch handover" in other.stdout


# --- pull requests -----------------------------------------------------------------------

@pytest.fixture
def github(tmp_path):
    with GitHubServer(tmp_path / "github", token="s3cret-t0ken") as server:
        server.add_owner("acme")
        yield server


def checkout_of(github: GitHubServer, tmp_path: Path) -> Path:
    """The portal's copy of acme/billing: a work tree whose origin is on github.com."""
    files = {"teams.yaml": TEAMS,
             "services/catalog-info.yaml": NEIGHBOURS.format(target=BILLING.rstrip())}
    github.add_repo("acme", "billing", files)
    root = tmp_path / "checkout"
    repo = make_repo(root, files)
    repo.remotes.create("origin", "https://github.com/acme/billing.git")
    return root


def test_a_pull_request_changes_only_the_owner_line(github, tmp_path):
    root = checkout_of(github, tmp_path)
    env = {"GITHUB_API_URL": github.url, "GITHUB_TOKEN": "s3cret-t0ken"}
    result = run(root, "component:billing", "team-b", ".", env=env)
    assert result.exit_code == 0, result.output
    pull = github.pulls[0]
    assert result.stdout.startswith(f"Opened {pull['html_url']}: Change owner of")
    assert pull["repo"] == "acme/billing" and pull["base"] == {"ref": "main"}
    assert pull["head"] == {"ref": "playbill/owner/component-billing-to-team-b"}
    assert "`spec.owner` of `component:default/billing`" in pull["body"]
    bare = github.root / "git" / "acme" / "billing.git"
    assert changed_lines(bare, "main", "playbill/owner/component-billing-to-team-b") == (
        ["  owner: team-a  # pager: #billing-oncall"], ["  owner: team-b  # pager: #billing-oncall"])
    assert "s3cret" not in result.output


def test_the_pull_request_edits_the_hosts_latest_copy(github, tmp_path):
    """Someone changed the file on GitHub since the portal's checkout: that change stays."""
    root = checkout_of(github, tmp_path)
    upstream = make_repo(tmp_path / "upstream")
    upstream.remotes.create("origin", github.bare("acme", "billing").path)
    upstream.remotes["origin"].fetch()
    upstream.reset(upstream.revparse_single("origin/main").id, pygit2.enums.ResetMode.HARD)
    text = (Path(upstream.workdir) / "services" / "catalog-info.yaml").read_text()
    commit(upstream, {"services/catalog-info.yaml": "# reviewed by ops\n" + text}, "Note")
    upstream.remotes["origin"].push(["refs/heads/main:refs/heads/main"])
    env = {"GITHUB_API_URL": github.url, "GITHUB_TOKEN": "s3cret-t0ken"}
    assert run(root, "component:billing", "team-b", ".", env=env).exit_code == 0
    bare = github.bare("acme", "billing")
    tip = bare.branches.local["playbill/owner/component-billing-to-team-b"].peel(pygit2.Commit)
    edited = bare[tip.tree["services/catalog-info.yaml"].id].data.decode()
    assert edited.startswith("# reviewed by ops\n") and "  owner: team-b  # pager" in edited


@pytest.mark.parametrize("env, message", [
    ({"GITHUB_TOKEN": ""}, "no GitHub token: set GITHUB_TOKEN"),
    ({"GITHUB_TOKEN": "wrong-t0ken"}, "401 Bad credentials"),
])
def test_pull_request_failures_are_clear_and_leak_no_token(github, tmp_path, env, message):
    root = checkout_of(github, tmp_path)
    result = run(root, "component:billing", "team-b", ".",
                 env={"GITHUB_API_URL": github.url, **env})
    assert result.exit_code == 2 and message in result.stderr
    assert "t0ken" not in result.output and not github.pulls


def test_a_repository_without_a_github_remote_needs_repo_or_local(tmp_path):
    root = tmp_path / "billing"
    repository(root, BILLING)
    result = run(root, "component:billing", "team-b", ".", env={"GITHUB_TOKEN": "x"})
    assert result.exit_code == 2
    assert "not on a Git host Playbill knows" in result.stderr and "--local" in result.stderr


# --- the portal ------------------------------------------------------------------------

def test_entity_pages_show_the_command_beside_the_change_owner_link(tmp_path):
    from generator.model.scm import RepoWeb
    from test_render import example_catalog, render_one

    catalog = example_catalog(RepoWeb("github", "https://github.com/acme/shop", "main"))
    html = render_one(catalog, "component:default/checkout-service", tmp_path)
    source = html[html.index('<section id="source"'):]
    source = source[:source.index("</section>")]
    link = source.index(">Edit / change owner</a>")
    command = source.index("<code>playbill owner set component:default/checkout-service "
                           "NEW_OWNER</code>")
    assert link < command
    group = render_one(catalog, "group:default/engineering", tmp_path)
    assert "playbill owner set" not in group  # groups have no owner to change


# --- a catalog read through the sources file --------------------------------------------

def test_a_git_source_gets_a_pull_request_but_no_local_commit(github, tmp_path):
    """A `url:` source is a cached clone: --local would commit into Playbill's cache."""
    checkout_of(github, tmp_path)
    portal = tmp_path / "portal"
    portal.mkdir()
    url = github.bare("acme", "billing").path
    (portal / "catalog_sources.yaml").write_text(
        f"sources:\n  - url: {Path(url).as_uri()}\n    name: billing\n"
        "    catalog: ['teams.yaml', 'services/catalog-info.yaml']\n", encoding="utf-8")
    local = run(portal, "component:billing", "team-b", "--local")
    assert local.exit_code == 2 and "cached clone" in local.stderr
    env = {"GITHUB_API_URL": github.url, "GITHUB_TOKEN": "s3cret-t0ken"}
    no_repo = run(portal, "component:billing", "team-b", env=env)
    assert no_repo.exit_code == 2 and "--repo OWNER/NAME" in no_repo.stderr
    pulled = run(portal, "component:billing", "team-b", "--repo", "acme/billing", env=env)
    assert pulled.exit_code == 0, pulled.output
    assert github.pulls[0]["base"] == {"ref": "main"}
    assert "s3cret" not in pulled.output
