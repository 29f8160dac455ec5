"""Every built-in scaffolder action on real folders, with hand-built contexts; the registry and
its entry point for teams' own actions. GitHub actions are in test_scaffold_github.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

from generator.read import read_catalog
from generator.scaffold.actions import registry
from generator.scaffold.actions.catalog import DRY_RUN_FOLDER, add_source, source_entry
from generator.scaffold.actions.fs import glob_regex, safe_child
from generator.scaffold.actions.registry import ActionContext, ActionError, available_actions, get_action
from generator.sources import trees_for_paths
from gitrepo import make_repo, write_files

BUILTINS = [
    "catalog:fetch", "catalog:register", "catalog:write", "debug:log", "debug:wait",
    "fetch:plain", "fetch:plain:file", "fetch:template", "fetch:template:file", "fs:delete",
    "fs:readdir", "fs:rename", "github:actions:dispatch", "publish:github",
    "publish:github:pull-request",
]


class Ctx:
    """A context on real folders: `ws` is the work folder, `tpl` the template's folder."""

    def __init__(self, tmp_path: Path, **extra) -> None:
        self.ws = tmp_path / "ws"
        self.tpl = tmp_path / "tpl"
        self.ws.mkdir()
        self.tpl.mkdir()
        self.lines: list[str] = []
        self.plans: list[dict] = []
        self.ctx = ActionContext(workspace=self.ws, template_dir=self.tpl, log=self.lines.append,
                                 record=self.plans.append, **extra)

    def run(self, action: str, input: dict) -> dict:
        return get_action(action).run(self.ctx, input)

    def files(self) -> dict[str, str]:
        return {p.relative_to(self.ws).as_posix(): p.read_text(errors="replace")
                for p in sorted(self.ws.rglob("*")) if p.is_file()}


@pytest.fixture
def c(tmp_path):
    return Ctx(tmp_path)


# --- registry ------------------------------------------------------------------------

def test_every_builtin_is_available_and_publishers_are_marked():
    assert set(BUILTINS) <= set(available_actions())
    publishing = {a for a in BUILTINS if registry.is_publishing(get_action(a))}
    assert publishing == {"catalog:register", "github:actions:dispatch", "publish:github",
                          "publish:github:pull-request"}
    assert get_action("roadiehq:utils:fs:write") is None
    assert get_action("fs:rename").description.startswith("Renames files")


def test_teams_add_actions_through_the_entry_point_group(tmp_path, monkeypatch):
    write_files(tmp_path / "plugin", {
        "team_actions.py": (
            "class Hello:\n"
            "    id = 'acme:hello'\n"
            "    def run(self, ctx, input):\n"
            "        ctx.log('hello ' + input['who'])\n"
            "        return {'greeting': 'hello ' + input['who']}\n"
            "class Shadow:\n"
            "    id = 'fs:rename'\n"
            "    def run(self, ctx, input):\n"
            "        raise AssertionError('a team action must not replace a built-in')\n"
            "class Bye(Hello):\n"
            "    id = 'acme:bye'\n"
            "def actions():\n"
            "    return [Hello(), Shadow()]\n"),
        "team_actions-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: team-actions\nVersion: 1.0\n",
        "team_actions-1.0.dist-info/entry_points.txt":
            "[playbill.scaffold.actions]\nteam = team_actions:actions\nbye = team_actions:Bye\n",
    })
    monkeypatch.syspath_prepend(str(tmp_path / "plugin"))
    registry.plugin_actions.cache_clear()
    try:
        assert {"acme:hello", "acme:bye"} <= set(available_actions())  # a factory and a class
        ctx = Ctx(tmp_path)
        assert ctx.run("acme:hello", {"who": "team"}) == {"greeting": "hello team"}
        assert get_action("fs:rename") is registry._BUILTINS["fs:rename"]
    finally:
        monkeypatch.undo()
        registry.plugin_actions.cache_clear()
        sys.modules.pop("team_actions", None)
    assert "acme:hello" not in available_actions()


# --- paths never leave the work folder -----------------------------------------------

@pytest.mark.parametrize("path, message", [
    ("../x", "outside the work folder"),
    ("a/../../x", "outside the work folder"),
    ("/etc/passwd", "absolute"),
    (7, "must be a string"),
])
def test_safe_child_refuses_escapes(tmp_path, path, message):
    with pytest.raises(ActionError, match=message):
        safe_child(tmp_path, path)


def test_safe_child_follows_symlinks_before_judging(tmp_path):
    (tmp_path / "ws").mkdir()
    os.symlink(tmp_path, tmp_path / "ws" / "up")
    with pytest.raises(ActionError, match="outside"):
        safe_child(tmp_path / "ws", "up/secret.txt")
    assert safe_child(tmp_path / "ws", "a/./b") == (tmp_path / "ws" / "a" / "b").resolve()


@pytest.mark.parametrize("action, input", [
    ("fs:rename", {"files": [{"from": "a.txt", "to": "../b.txt"}]}),
    ("fs:delete", {"files": ["../outside.txt"]}),
    ("fs:readdir", {"paths": [".."]}),
    ("catalog:write", {"filePath": "/tmp/evil.yaml", "entity": {}}),
    ("fetch:plain", {"url": "./skeleton", "targetPath": "../out"}),
    ("fetch:template", {"url": "./skeleton", "targetPath": "../../out"}),
    ("fetch:plain:file", {"url": "./skeleton/a.txt", "targetPath": "/abs.txt"}),
])
def test_no_action_writes_outside_the_work_folder(c, tmp_path, action, input):
    write_files(c.tpl, {"skeleton/a.txt": "a\n"})
    write_files(c.ws, {"a.txt": "a\n"})
    write_files(tmp_path, {"outside.txt": "keep\n"})
    with pytest.raises(ActionError, match="outside|absolute"):
        c.run(action, input)
    assert (tmp_path / "outside.txt").read_text() == "keep\n"


# --- fs ------------------------------------------------------------------------------

def test_fs_rename_moves_files_and_folders_and_guards_overwrites(c):
    write_files(c.ws, {"a.txt": "a\n", "b.txt": "b\n", "dir/x.txt": "x\n"})
    c.run("fs:rename", {"files": [{"from": "dir", "to": "new/place"}, {"from": "a.txt", "to": "c.txt"}]})
    assert c.files() == {"b.txt": "b\n", "c.txt": "a\n", "new/place/x.txt": "x\n"}
    with pytest.raises(ActionError, match="destination exists"):
        c.run("fs:rename", {"files": [{"from": "b.txt", "to": "c.txt"}]})
    c.run("fs:rename", {"files": [{"from": "b.txt", "to": "c.txt", "overwrite": True}]})
    assert c.files()["c.txt"] == "b\n"
    with pytest.raises(ActionError, match="no such file"):
        c.run("fs:rename", {"files": [{"from": "nope", "to": "x"}]})
    with pytest.raises(ActionError, match="from and to"):
        c.run("fs:rename", {"files": [{"from": "c.txt"}]})


def test_fs_delete_removes_paths_and_globs_and_ignores_missing(c):
    write_files(c.ws, {"a.txt": "a\n", "keep.md": "k\n", "docs/x.tmp": "x\n", "docs/y.tmp": "y\n",
                       ".github/workflows/ci.yml": "on: push\n", "build/out.bin": "o\n"})
    c.run("fs:delete", {"files": ["a.txt", "build", "**/*.tmp", ".github/**", "missing.txt"]})
    assert set(c.files()) == {"keep.md"}
    with pytest.raises(ActionError, match="files must be an Array"):
        c.run("fs:delete", {"files": "a.txt"})


def test_fs_readdir_lists_files_and_folders(c):
    write_files(c.ws, {"a.txt": "a\n", "src/b.py": "b\n", "src/deep/c.py": "c\n"})
    flat = c.run("fs:readdir", {"paths": ["."]})
    assert [f["path"] for f in flat["files"]] == ["a.txt"]
    assert [f["name"] for f in flat["folders"]] == ["src"]
    deep = c.run("fs:readdir", {"paths": ["src"], "recursive": True})
    assert [f["path"] for f in deep["files"]] == ["src/b.py", "src/deep/c.py"]
    assert deep["folders"][0] == {"name": "deep", "path": "src/deep",
                                  "fullPath": str((c.ws / "src/deep").resolve())}
    with pytest.raises(ActionError, match="no such folder"):
        c.run("fs:readdir", {"paths": ["nope"]})


@pytest.mark.parametrize("pattern, path, matches", [
    (".github/workflows/*", ".github/workflows/ci.yml", True),
    (".github/workflows/*", ".github/workflows/sub/ci.yml", False),
    ("**/*.png", "a/b/c.png", True),
    ("**/*.png", "c.png", True),
    ("*.{png,jpg}", "x.jpg", True),
    ("file[0-9].txt", "file7.txt", True),
    ("file[!0-9].txt", "file7.txt", False),
    ("./docs/*", "docs/index.md", True),
    ("docs/?.md", "docs/ab.md", False),
])
def test_glob_matching_is_globbys_with_dot_files(pattern, path, matches):
    assert bool(glob_regex(pattern).match(path)) is matches


# --- debug ---------------------------------------------------------------------------

def test_debug_log_writes_the_message_and_lists_the_workspace(c):
    write_files(c.ws, {"b.txt": "bee\n", "a/x.txt": "ex\n"})
    c.run("debug:log", {"message": "hello", "listWorkspace": True})
    assert c.lines == ["hello", "Workspace:\n  - a/x.txt\n  - b.txt"]
    c.lines.clear()
    c.run("debug:log", {"listWorkspace": "with-contents"})
    assert "  - b.txt:\n    bee" in c.lines[0]


def test_debug_wait_sleeps_briefly_refuses_long_waits_and_skips_in_dry_run(tmp_path):
    import time

    c = Ctx(tmp_path)
    start = time.monotonic()
    c.run("debug:wait", {"milliseconds": 50})
    assert time.monotonic() - start >= 0.05
    with pytest.raises(ActionError, match="maximum"):
        c.run("debug:wait", {"minutes": 11})
    c.ctx.dry_run = True
    start = time.monotonic()
    c.run("debug:wait", {"minutes": 5})
    assert time.monotonic() - start < 1 and "dry run" in c.lines[-1]


# --- fetch ---------------------------------------------------------------------------

def test_fetch_plain_copies_a_folder_unchanged(c):
    write_files(c.tpl, {"skeleton/README.md": "${{ values.name }}\n", "skeleton/.github/ci.yml": "x\n"})
    c.run("fetch:plain", {"url": "./skeleton", "targetPath": "out"})
    assert c.files() == {"out/README.md": "${{ values.name }}\n", "out/.github/ci.yml": "x\n"}


def test_fetch_plain_file_copies_one_file(c):
    write_files(c.tpl, {"files/LICENSE": "MIT\n"})
    c.run("fetch:plain:file", {"url": "./files/LICENSE", "targetPath": "legal/LICENSE"})
    assert c.files() == {"legal/LICENSE": "MIT\n"}
    with pytest.raises(ActionError, match="not a file"):
        c.run("fetch:plain:file", {"url": "./files", "targetPath": "x"})


@pytest.mark.parametrize("url, message", [
    ("https://github.com/acme/templates/tree/main/skeleton", "remote"),
    ("/abs/skeleton", "absolute"),
    ("./missing", "not a folder"),
])
def test_fetch_refuses_remote_absolute_and_missing_urls(c, url, message):
    with pytest.raises(ActionError, match=message):
        c.run("fetch:plain", {"url": url})


def test_fetch_may_climb_out_of_the_template_folder_but_not_out_of_its_repository(tmp_path):
    repo_root = tmp_path / "templates"
    make_repo(repo_root, {"skeletons/base/a.txt": "a\n", "t/one/template.yaml": "x\n"})
    c = Ctx(tmp_path)
    c.ctx.template_dir = repo_root / "t" / "one"
    c.run("fetch:plain", {"url": "../../skeletons/base"})
    assert c.files() == {"a.txt": "a\n"}
    write_files(tmp_path, {"secret/key.txt": "k\n"})
    with pytest.raises(ActionError, match="outside the repository"):
        c.run("fetch:plain", {"url": "../../../secret"})


def test_fetch_reads_urls_into_the_templates_own_repository_from_the_checkout(tmp_path):
    repo_root = tmp_path / "templates"
    repo = make_repo(repo_root, {"skeletons/base/a.txt": "a\n", "t/one/template.yaml": "x\n"})
    repo.remotes.create("origin", "git@github.com:acme/templates.git")
    c = Ctx(tmp_path)
    c.ctx.template_dir = repo_root / "t" / "one"
    c.run("fetch:plain", {"url": "https://github.com/acme/templates/tree/main/skeletons/base"})
    assert c.files() == {"a.txt": "a\n"}
    assert "from the template's own checkout" in c.lines[0]
    with pytest.raises(ActionError, match="is remote"):
        c.run("fetch:plain", {"url": "https://github.com/acme/other/tree/main/skeletons/base"})


def test_fetch_template_renders_names_and_contents_and_copies_binaries(c):
    write_files(c.tpl, {
        "skeleton/${{ values.name }}/main.py": "print('${{ values.name | upper }}')\n",
        "skeleton/README.md": "{% if values.docs %}# ${{ values.name }}{% endif %}\n",
        "skeleton/${{ values.missing }}/skipped.txt": "never\n",
        "skeleton/.github/workflows/ci.yml": "name: ${{ github.ref }}\n",
    })
    (c.tpl / "skeleton" / "logo.png").write_bytes(b"\x89PNG\0${{ values.name }}")
    (c.tpl / "skeleton" / "run.sh").write_text("echo ${{ values.name }}\n")
    os.chmod(c.tpl / "skeleton" / "run.sh", 0o755)
    c.run("fetch:template", {
        "url": "./skeleton", "values": {"name": "shop", "docs": True},
        "copyWithoutTemplating": [".github/workflows/*"],
    })
    files = c.files()
    assert files["shop/main.py"] == "print('SHOP')\n"
    assert files["README.md"] == "# shop\n"
    assert files[".github/workflows/ci.yml"] == "name: ${{ github.ref }}\n"
    assert not any("skipped" in f for f in files)
    assert (c.ws / "logo.png").read_bytes() == b"\x89PNG\0${{ values.name }}"
    assert files["run.sh"] == "echo shop\n" and os.access(c.ws / "run.sh", os.X_OK)


def test_fetch_template_with_copy_without_render_keeps_names_too(c):
    write_files(c.tpl, {"skeleton/${{ values.name }}.txt": "${{ values.name }}\n"})
    c.run("fetch:template", {"url": "./skeleton", "values": {"name": "x"},
                             "copyWithoutRender": ["*.txt"]})
    assert c.files() == {"${{ values.name }}.txt": "${{ values.name }}\n"}


def test_fetch_template_file_extension_renders_only_those_files(c):
    write_files(c.tpl, {"skeleton/app.py.njk": "name = '${{ values.name }}'\n",
                        "skeleton/raw.py": "name = '${{ values.name }}'\n",
                        "skeleton/${{ values.name }}.cfg": "x\n"})
    c.run("fetch:template", {"url": "./skeleton", "values": {"name": "svc"}, "templateFileExtension": True})
    assert c.files() == {"app.py": "name = 'svc'\n", "raw.py": "name = '${{ values.name }}'\n",
                         "svc.cfg": "x\n"}


def test_fetch_template_cookiecutter_compat(c):
    write_files(c.tpl, {"skeleton/{{ cookiecutter.name }}/README.md": "# {{ cookiecutter.name }} ${x}\n"})
    c.run("fetch:template", {"url": "./skeleton", "values": {"name": "legacy"}, "cookiecutterCompat": True})
    assert c.files() == {"legacy/README.md": "# legacy ${x}\n"}


@pytest.mark.parametrize("input, message", [
    ({"copyWithoutRender": ["a"], "copyWithoutTemplating": ["b"]}, "can not be used at the same time"),
    ({"templateFileExtension": ".j2", "cookiecutterCompat": True}, "incompatible"),
    ({"copyWithoutTemplating": "a"}, "must be an Array"),
    ({"targetPath": "../tpl/skeleton"}, "outside"),
])
def test_fetch_template_refuses_contradicting_inputs(c, input, message):
    write_files(c.tpl, {"skeleton/a.txt": "a\n"})
    with pytest.raises(ActionError, match=message):
        c.run("fetch:template", {"url": "./skeleton", **input})


def test_fetch_template_keeps_existing_files_unless_replace(c):
    write_files(c.tpl, {"skeleton/a.txt": "new ${{ values.v }}\n"})
    write_files(c.ws, {"a.txt": "old\n"})
    c.run("fetch:template", {"url": "./skeleton", "values": {"v": 1}})
    assert c.files() == {"a.txt": "old\n"}
    c.run("fetch:template", {"url": "./skeleton", "values": {"v": 1}, "replace": True})
    assert c.files() == {"a.txt": "new 1\n"}


def test_fetch_template_names_the_file_that_fails_to_render(c):
    write_files(c.tpl, {"skeleton/bad.txt": "${{ values.x | nosuchfilter }}\n"})
    with pytest.raises(ActionError, match="bad.txt.*nosuchfilter"):
        c.run("fetch:template", {"url": "./skeleton", "values": {"x": 1}})


def test_fetch_template_file_renders_one_file(c):
    write_files(c.tpl, {"files/catalog-info.yaml": "name: ${{ values.name }}\n"})
    c.run("fetch:template:file", {"url": "./files/catalog-info.yaml", "targetPath": "catalog-info.yaml",
                                  "values": {"name": "one"}})
    assert c.files() == {"catalog-info.yaml": "name: one\n"}
    c.run("fetch:template:file", {"url": "./files/catalog-info.yaml", "targetPath": "catalog-info.yaml",
                                  "values": {"name": "two"}})
    assert c.files() == {"catalog-info.yaml": "name: one\n"}  # kept without replace


# --- catalog -------------------------------------------------------------------------

class _Tpl:
    ref = "template:default/service"


def test_catalog_write_writes_yaml_annotated_with_the_template(c):
    c.ctx.template = _Tpl()
    entity = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
              "metadata": {"name": "shop", "annotations": {"a": "b"}}, "spec": {"type": "service"}}
    c.run("catalog:write", {"entity": entity})
    written = yaml.safe_load((c.ws / "catalog-info.yaml").read_text())
    assert written["metadata"]["annotations"] == {"a": "b", "backstage.io/source-template": "template:default/service"}
    assert list(written) == ["apiVersion", "kind", "metadata", "spec"]  # order kept
    c.run("catalog:write", {"filePath": "deep/entity.yaml", "entity": entity})
    assert (c.ws / "deep" / "entity.yaml").is_file()


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    folder = tmp_path_factory.mktemp("catalog")
    write_files(folder, {"catalog-info.yaml": (
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\n"
        "spec: {type: team, children: []}\n---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: jane, namespace: people}\n"
        "spec: {memberOf: [default/team-a]}\n")})
    return read_catalog(trees_for_paths([folder]).trees)


def test_catalog_fetch_reads_the_built_catalog(tmp_path, catalog):
    c = Ctx(tmp_path, catalog=catalog)
    one = c.run("catalog:fetch", {"entityRef": "team-a", "defaultKind": "group"})
    assert one["entity"]["metadata"]["name"] == "team-a"
    many = c.run("catalog:fetch", {"entityRefs": ["user:people/jane", "group:nobody"], "optional": True})
    assert [e and e["kind"] for e in many["entities"]] == ["User", None]
    with pytest.raises(ActionError, match="Entity group:default/nobody not found"):
        c.run("catalog:fetch", {"entityRef": "group:nobody"})
    with pytest.raises(ActionError, match="missing or empty kind"):
        c.run("catalog:fetch", {"entityRef": "team-a"})


def test_catalog_fetch_without_a_catalog_fails_clearly(c):
    with pytest.raises(ActionError, match="needs the built catalog"):
        c.run("catalog:fetch", {"entityRef": "group:team-a"})


def test_catalog_register_in_a_dry_run_writes_the_changed_sources_file(tmp_path):
    sources = tmp_path / "catalog_sources.yaml"
    sources.write_text("# portal\nsources:\n- path: example   # keep me\n")
    c = Ctx(tmp_path, dry_run=True, output=tmp_path / "out", sources_file=sources)
    out = c.run("catalog:register", {"catalogInfoUrl": "https://github.com/acme/shop/blob/main/cat.yaml"})
    assert out["catalogInfoUrl"] == "https://github.com/acme/shop/blob/main/cat.yaml"
    changed = (tmp_path / "out" / DRY_RUN_FOLDER / "catalog_sources.yaml").read_text()
    assert changed.startswith("# portal\nsources:\n- path: example   # keep me\n- url: https://github.com/acme/shop.git\n")
    assert sources.read_text() == "# portal\nsources:\n- path: example   # keep me\n"
    assert c.plans[0]["action"] == "pull-request"
    with pytest.raises(ActionError, match="expected a file URL"):
        c.run("catalog:register", {"catalogInfoUrl": "github.com?owner=a&repo=b"})


SHOP = {"url": "https://github.com/acme/shop.git", "ref": "main", "name": "shop",
        "catalog": ["catalog-info.yaml"]}


@pytest.mark.parametrize("before", [
    "",
    "cache_dir: .cache\n",
    "sources: []\n",
    "sources:\n  - path: a\n    catalog: [x.yaml]\ncache_dir: .c\n",
    "sources:\n  - path: a\n  # - url: commented example\n\n# end\n",
    "sources:\n- path: a\n",
])
def test_add_source_appends_and_keeps_every_other_line(before):
    after = add_source(before, SHOP)
    data = yaml.safe_load(after)
    assert data["sources"][-1] == SHOP
    old = [line for line in before.splitlines() if line.strip() and line != "sources: []"]
    assert [line for line in after.splitlines() if line in old] == old


def test_add_source_says_when_the_file_is_already_listed():
    text = "sources:\n  - url: https://github.com/ACME/shop\n    catalog: catalog-info.yaml\n"
    assert add_source(text, SHOP) is None
    assert add_source(text, {**SHOP, "catalog": ["other.yaml"]}) is not None


def test_source_entry_reads_github_and_gitlab_file_urls():
    assert source_entry("https://github.com/o/r/blob/dev/services/a/catalog-info.yaml") == {
        "url": "https://github.com/o/r.git", "ref": "dev", "name": "r",
        "catalog": ["services/a/catalog-info.yaml"]}
    assert source_entry("https://gitlab.com/g/r/-/blob/main/c.yaml")["url"] == "https://gitlab.com/g/r.git"

