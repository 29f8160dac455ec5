"""`playbill diff BASE HEAD` on generated multi-commit repositories: entities added,
removed and changed (owner, lifecycle, relations, other fields), as Markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.diff import DiffError, diff_revisions
from gitrepo import commit, make_repo, tag

TEAMS = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: []}
"""


def component(name: str, owner: str = "team-a", lifecycle: str = "experimental",
              depends: tuple[str, ...] = (), description: str = "", comment: str = "") -> str:
    extra = f"  description: {description}\n" if description else ""
    deps = f"  dependsOn: [{', '.join(depends)}]\n" if depends else ""
    return (f"{comment}apiVersion: backstage.io/v1alpha1\nkind: Component\n"
            f"metadata:\n  name: {name}\n{extra}spec:\n  type: service\n"
            f"  lifecycle: {lifecycle}\n  owner: {owner}\n{deps}")


@pytest.fixture
def history(tmp_path):
    """v1: teams, orders, payments. v2: orders re-owned, promoted, depends on shipping,
    described; payments gone; shipping new. v3: only comments. v4: sources file moves."""
    root = tmp_path / "shop"
    repo = make_repo(root, {
        "org/teams.yaml": TEAMS,
        "services/orders/catalog-info.yaml": component("orders"),
        "services/payments/catalog-info.yaml": component("payments", depends=("component:orders",)),
        "catalog_sources.yaml": "sources:\n  - path: .\n    catalog: ['**/*.yaml']\n",
    }, message="v1")
    tag(repo, "v1")
    commit(repo, {
        "services/orders/catalog-info.yaml": component(
            "orders", owner="team-b", lifecycle="production", depends=("component:shipping",),
            description="Takes orders"),
        "services/shipping/catalog-info.yaml": component("shipping", owner="group:team-b"),
    }, "v2", remove=("services/payments/catalog-info.yaml",))
    tag(repo, "v2")
    commit(repo, {"services/orders/catalog-info.yaml": component(
        "orders", owner="team-b", lifecycle="production", depends=("component:shipping",),
        description="Takes orders", comment="# reviewed\n")}, "v3")
    tag(repo, "v3")
    return root


def run(*args: str, cwd: Path):
    import os
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["diff", *args], catch_exceptions=False)
    finally:
        os.chdir(old)


def test_added_removed_and_changed(history):
    found = diff_revisions(history, "v1", "v2", [Path(".")])
    assert [s.ref for s in found.added] == ["component:default/shipping"]
    assert found.added[0].owner == "group:default/team-b"
    assert [s.ref for s in found.removed] == ["component:default/payments"]
    assert len(found.changed) == 1
    orders = found.changed[0]
    assert orders.ref == "component:default/orders"
    assert orders.owner == ("group:default/team-a", "group:default/team-b")
    assert orders.lifecycle == ("experimental", "production")
    assert orders.relations_added == ("dependsOn component:default/shipping",)
    assert orders.relations_removed == ()
    assert orders.fields == ("metadata.description", "spec.dependsOn")


def test_reverse_relations_count_where_declared_only(history):
    """payments dependsOn orders: removing payments does not list orders as changed."""
    found = diff_revisions(history, "v1", "v2", [Path(".")])
    assert [c.ref for c in found.changed] == ["component:default/orders"]


def test_comments_and_formatting_are_no_change(history):
    found = diff_revisions(history, "v2", "v3", [Path(".")])
    assert (found.added, found.removed, found.changed) == ([], [], [])


def test_the_sources_file_as_each_commit_has_it(history):
    """With no paths, each commit's own catalog_sources.yaml says what is read."""
    repo_files = {"catalog_sources.yaml": "sources:\n  - path: org\n    catalog: ['*.yaml']\n"}
    from pygit2 import Repository
    commit(Repository(str(history)), repo_files, "v4: only teams")
    found = diff_revisions(history, "v3", "HEAD")
    assert found.added == [] and found.changed == []
    assert [s.ref for s in found.removed] == ["component:default/orders",
                                              "component:default/shipping"]


def test_the_work_tree_is_not_touched(history):
    path = history / "services" / "orders" / "catalog-info.yaml"
    path.write_text("draft", encoding="utf-8")
    diff_revisions(history, "v1", "v2", [Path(".")])
    assert path.read_text(encoding="utf-8") == "draft"


def test_markdown_for_a_pull_request_comment(history):
    result = run("v1", "v2", ".", cwd=history)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"### Catalog changes `{sha(history, 'v1')}` → `{sha(history, 'v2')}`",
        "",
        "1 added, 1 removed, 1 changed.",
        "",
        "#### Added",
        "",
        "- `component:default/shipping` (Component, owner `group:default/team-b`, "
        "lifecycle `experimental`)",
        "",
        "#### Removed",
        "",
        "- `component:default/payments` (Component, owner `group:default/team-a`, "
        "lifecycle `experimental`)",
        "",
        "#### Changed",
        "",
        "- `component:default/orders`",
        "  - owner: `group:default/team-a` → `group:default/team-b`",
        "  - lifecycle: `experimental` → `production`",
        "  - relation added: `dependsOn component:default/shipping`",
        "  - also changed: `metadata.description`, `spec.dependsOn`",
    ]


def test_markdown_says_when_nothing_changed(history):
    result = run("v2", "v3", ".", "--repo", str(history), cwd=history.parent)
    assert "No entity is added, removed or changed." in result.stdout


def test_json(history):
    result = run("v1", "v2", ".", "--format", "json", cwd=history)
    data = json.loads(result.stdout)
    assert data["base"].startswith(sha(history, "v1"))
    assert data["changed"][0]["owner"] == ["group:default/team-a", "group:default/team-b"]
    assert data["removed"][0]["ref"] == "component:default/payments"
    assert data["problems"] == {"base": {"errors": 0, "warnings": 0, "notes": 0},
                                "head": {"errors": 0, "warnings": 0, "notes": 0}}


def test_problems_counts_show_what_the_change_breaks(history):
    from pygit2 import Repository
    commit(Repository(str(history)),
           {"services/orders/catalog-info.yaml": component("orders", owner="team-z")}, "oops")
    result = run("v3", "HEAD", ".", cwd=history)
    assert "Problems: warnings 0 → 1" in result.stdout


def test_an_unknown_revision_is_a_usage_error(history):
    result = run("v1", "v9", ".", cwd=history)
    assert result.exit_code == 2
    assert "'v9' is not a commit, branch or tag" in result.stderr
    with pytest.raises(DiffError, match="not inside a Git repository"):
        diff_revisions(history.parent, "v1", "v2")


def sha(root: Path, rev: str) -> str:
    from pygit2 import Commit, Repository
    return str(Repository(str(root)).revparse_single(rev).peel(Commit).id)[:7]


def test_backwards_files_only_the_later_commit_has_are_gone(history):
    """The temporary clone starts at HEAD: checking out an older commit must drop what
    it does not have (shipping), not read it from the clone's first checkout."""
    found = diff_revisions(history, "v3", "v1", [Path(".")])
    assert [s.ref for s in found.added] == ["component:default/payments"]
    assert [s.ref for s in found.removed] == ["component:default/shipping"]
