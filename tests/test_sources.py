"""The sources stage against real repositories (generator/sources.py).

Remotes are pygit2 repositories in tmp_path, cloned through file:// URLs and local paths;
the only network is loopback (a closed port, and `git http-backend` behind a tiny HTTP
server that demands a token).
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pygit2
import pytest

from generator.config import SourcesConfig, load_config
from generator.progress import Finished, Step
from generator.sources import _in_parallel, fetch_sources, trees_for_paths
from gitrepo import branch, commit, file_url, make_repo, switch, tag

CATALOG = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"


def config_of(tmp_path: Path, *sources: dict) -> SourcesConfig:
    return SourcesConfig.from_data(
        {"cache_dir": "cache", "sources": list(sources)}, base_dir=tmp_path,
        file=tmp_path / "catalog_sources.yaml")


def remote_repo(tmp_path: Path, name: str = "shop") -> pygit2.Repository:
    return make_repo(tmp_path / "remotes" / name, {"catalog-info.yaml": CATALOG.format(name=name)})


def head_sha(repo: pygit2.Repository) -> str:
    return str(repo.head.target)


def all_text_below(folder: Path) -> str:
    """Every byte under `folder` as text, to prove a secret was never written there."""
    return "".join(p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.is_file())


# --- cloning and updating --------------------------------------------------------------------


def test_first_clone_pins_the_commit(tmp_path):
    remote = remote_repo(tmp_path)
    config = config_of(tmp_path, {"url": file_url(remote), "name": "shop"})
    messages: list = []

    result = fetch_sources(config, on_progress=messages.append)

    assert result.problems == []
    (tree,) = result.trees
    assert tree.commit == head_sha(remote)
    assert (tree.branch, tree.location_type, tree.display_prefix) == ("main", "url", "shop/")
    assert tree.remote == file_url(remote) and tree.web is None
    assert tree.root.parent == (tmp_path / "cache").resolve()
    assert (tree.root / "catalog-info.yaml").read_text() == CATALOG.format(name="shop")
    assert tree.globs == ("catalog-info.yaml",)
    assert messages == [Step("sources", 1, 1, "Fetching shop"),
                        Finished("sources", "1 of 1 source ready")]


def test_second_run_fetches_without_recloning(tmp_path):
    remote = remote_repo(tmp_path)
    config = config_of(tmp_path, {"url": file_url(remote)})
    first = fetch_sources(config).trees[0]
    marker = first.root / ".git" / "playbill-test-marker"
    marker.write_text("still the same clone")
    (first.root / "stray.yaml").write_text("left behind")
    (first.root / "catalog-info.yaml").write_text("edited in the cache")

    new_sha = commit(remote, {"services/orders/catalog-info.yaml": CATALOG.format(name="orders")})
    second = fetch_sources(config).trees[0]

    assert second.root == first.root and marker.exists()
    assert second.commit == new_sha != first.commit
    assert (second.root / "services/orders/catalog-info.yaml").exists()
    assert not (second.root / "stray.yaml").exists()
    assert (second.root / "catalog-info.yaml").read_text() == CATALOG.format(name="shop")


def test_branch_and_tag_refs(tmp_path):
    remote = remote_repo(tmp_path)
    v1 = head_sha(remote)
    tag(remote, "v1.0")
    branch(remote, "release")
    switch(remote, "release")
    release_sha = commit(remote, {"release.txt": "r"})
    switch(remote, "main")
    main_sha = commit(remote, {"main.txt": "m"})
    url = file_url(remote)
    config = config_of(tmp_path, {"url": url, "ref": "release", "name": "rel"},
                       {"url": url, "ref": "v1.0", "name": "v1"},
                       {"url": url, "name": "default"})

    result = fetch_sources(config)

    assert result.problems == []
    rel, v1_tree, default = result.trees
    assert (rel.commit, rel.branch, rel.extra["ref_type"]) == (release_sha, "release", "branch")
    assert (v1_tree.commit, v1_tree.branch, v1_tree.extra["ref_type"]) == (v1, None, "tag")
    assert (default.commit, default.branch) == (main_sha, "main")
    assert len({rel.root, v1_tree.root, default.root}) == 3  # one work tree per ref
    assert (rel.root / "release.txt").exists() and not (rel.root / "main.txt").exists()


def test_default_branch_follows_the_remote(tmp_path):
    remote = remote_repo(tmp_path)
    config = config_of(tmp_path, {"url": file_url(remote)})
    assert fetch_sources(config).trees[0].branch == "main"
    branch(remote, "trunk")
    switch(remote, "trunk")
    trunk_sha = commit(remote, {"trunk.txt": "t"})

    tree = fetch_sources(config).trees[0]

    assert (tree.branch, tree.commit) == ("trunk", trunk_sha)


def test_tag_moved_on_the_remote_is_followed(tmp_path):
    remote = remote_repo(tmp_path)
    tag(remote, "stable", annotated=False)
    config = config_of(tmp_path, {"url": file_url(remote), "ref": "stable"})
    fetch_sources(config)
    newer = commit(remote, {"x.txt": "x"})
    remote.references["refs/tags/stable"].set_target(newer)

    assert fetch_sources(config).trees[0].commit == newer


def test_commit_sha_as_ref(tmp_path):
    remote = remote_repo(tmp_path)
    first = head_sha(remote)
    commit(remote, {"later.txt": "l"})
    config = config_of(tmp_path, {"url": file_url(remote), "ref": first[:10]})

    tree = fetch_sources(config).trees[0]

    assert (tree.commit, tree.branch, tree.extra["ref_type"]) == (first, None, "commit")
    assert not (tree.root / "later.txt").exists()


def test_local_repository_path_as_url(tmp_path):
    remote = remote_repo(tmp_path)
    (tmp_path / "catalog_sources.yaml").write_text("")
    config = config_of(tmp_path, {"url": "remotes/shop"})

    result = fetch_sources(config)

    assert result.problems == []
    assert result.trees[0].commit == head_sha(remote)
    assert result.trees[0].display_prefix == "shop/"


# --- failures ---------------------------------------------------------------------------------


def test_problems_point_at_the_config_line(tmp_path):
    remote = remote_repo(tmp_path)
    path = tmp_path / "catalog_sources.yaml"
    path.write_text(f"sources:\n  - url: {file_url(remote)}\n  - url: {file_url(remote)}\n"
                    f"    ref: missing\n    name: other\n")
    config, problems = load_config(path)
    assert problems == []

    result = fetch_sources(config)

    assert [(p.code, p.line) for p in result.problems] == [("source-unavailable", 3)]
    assert len(result.trees) == 1


def test_missing_ref_is_reported_and_others_still_load(tmp_path):
    remote = remote_repo(tmp_path)
    config = config_of(tmp_path, {"url": file_url(remote), "ref": "nope", "name": "bad"},
                       {"url": file_url(remote), "name": "good"})

    result = fetch_sources(config)

    assert [t.name for t in result.trees] == ["good"]
    (problem,) = result.problems
    assert (problem.code, problem.is_error) == ("source-unavailable", True)
    assert "`nope`" in problem.message and "main" in problem.hint
    assert problem.file.endswith("catalog_sources.yaml") and problem.line is None  # built in code


def test_unreachable_source_next_to_a_good_one(tmp_path):
    good = remote_repo(tmp_path)
    config = config_of(tmp_path, {"url": (tmp_path / "nowhere").as_uri(), "name": "gone"},
                       {"url": str(tmp_path / "not-a-repo"), "name": "plain"},
                       {"url": file_url(good), "name": "good"})
    (tmp_path / "not-a-repo").mkdir()

    result = fetch_sources(config)

    assert [t.name for t in result.trees] == ["good"]
    assert [p.code for p in result.problems] == ["source-unavailable"] * 2
    assert all(p.hint for p in result.problems)
    assert not list((tmp_path / "cache").glob("*.partial"))


def test_many_sources_in_parallel_keep_config_order(tmp_path):
    """Fetches overlap, but trees, problems and step numbers come in config order; two
    sources sharing a clone folder (same URL and ref) take turns in it."""
    remotes = [remote_repo(tmp_path, f"svc-{n}") for n in range(6)]
    sources = [{"url": file_url(remote), "name": f"svc-{n}"} for n, remote in enumerate(remotes)]
    sources.insert(3, {"url": file_url(tmp_path / "missing"), "name": "gone"})
    sources.append({"url": file_url(remotes[0]), "name": "svc-0-again",
                    "catalog": ["*.yaml"]})
    config = config_of(tmp_path, *sources)
    messages: list = []

    result = fetch_sources(config, on_progress=messages.append, workers=4)

    names = [tree.name for tree in result.trees]
    assert names == ["svc-0", "svc-1", "svc-2", "svc-3", "svc-4", "svc-5", "svc-0-again"]
    assert result.trees[0].root == result.trees[-1].root  # one clone folder, shared
    assert [tree.commit for tree in result.trees[:6]] == [head_sha(r) for r in remotes]
    ((problem),) = result.problems
    assert problem.code == "source-unavailable" and "gone" in problem.message
    steps = [m for m in messages if isinstance(m, Step)]
    assert [step.done for step in steps] == list(range(1, 9))
    assert sorted(step.item for step in steps) == sorted(
        f"Fetching {source['name']}" for source in sources)
    assert messages[-1] == Finished("sources", "7 of 8 sources ready, 1 unavailable")


def test_fetches_run_at_once_and_a_shared_clone_folder_one_at_a_time():
    """The scheduling itself: two groups must meet at a barrier (they would time out one
    after the other), while items of one group never overlap."""
    barrier = threading.Barrier(2, timeout=10)
    assert _in_parallel(lambda item: barrier.wait() >= 0, ["a", "b"], str, 2) == [True, True]

    active, most = [0], [0]
    lock = threading.Lock()

    def busy(item: str) -> str:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        threading.Event().wait(0.02)
        with lock:
            active[0] -= 1
        return item.upper()

    assert _in_parallel(busy, ["x", "y", "z"], lambda item: "one folder", 4) == ["X", "Y", "Z"]
    assert most[0] == 1


def test_corrupt_cache_is_recloned(tmp_path):
    remote = remote_repo(tmp_path)
    config = config_of(tmp_path, {"url": file_url(remote)})
    root = fetch_sources(config).trees[0].root
    (root / ".git" / "HEAD").write_text("garbage\n")

    result = fetch_sources(config)

    assert result.problems == []
    assert result.trees[0].commit == head_sha(remote)
    assert (root / "catalog-info.yaml").exists()


def test_cache_of_another_remote_is_recloned(tmp_path):
    remote = remote_repo(tmp_path)
    config = config_of(tmp_path, {"url": file_url(remote)})
    root = fetch_sources(config).trees[0].root
    pygit2.Repository(str(root)).remotes.set_url("origin", "https://example.invalid/x.git")

    result = fetch_sources(config)

    assert result.problems == []
    assert pygit2.Repository(str(root)).remotes["origin"].url == file_url(remote)


def test_stale_cache_is_used_with_a_warning(tmp_path):
    remote = remote_repo(tmp_path)
    sha = head_sha(remote)
    config = config_of(tmp_path, {"url": file_url(remote), "name": "shop"})
    fetch_sources(config)
    shutil.rmtree(tmp_path / "remotes")

    result = fetch_sources(config)

    (tree,) = result.trees
    (problem,) = result.problems
    assert tree.commit == sha and tree.extra["stale"] is True
    assert (problem.code, problem.severity.value) == ("source-stale", "warning")
    assert sha[:12] in problem.message and "shop" in problem.message


def test_empty_remote(tmp_path):
    empty = make_repo(tmp_path / "remotes" / "empty")
    result = fetch_sources(config_of(tmp_path, {"url": file_url(empty)}))
    assert result.trees == []
    assert [p.code for p in result.problems] == ["source-unavailable"]


# --- tokens ----------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_token_never_leaks_when_the_host_is_unreachable(tmp_path, monkeypatch):
    token, embedded = "tok-SECRET-1234567890", "pw-EMBEDDED-0987654321"
    monkeypatch.setenv("SHOP_TOKEN", token)
    port = closed_port()
    config = config_of(
        tmp_path,
        {"url": f"https://127.0.0.1:{port}/acme/shop.git", "token_env": "SHOP_TOKEN", "name": "a"},
        {"url": f"https://bob:{embedded}@127.0.0.1:{port}/acme/web.git", "name": "b"})

    result = fetch_sources(config)

    assert result.trees == []
    assert [p.code for p in result.problems] == ["source-unavailable"] * 2
    for secret in (token, embedded):
        assert secret not in repr(result.problems)
        assert secret not in repr(config.sources[0].clean_url) + repr(config.sources[1].clean_url)
        if (tmp_path / "cache").exists():
            assert secret not in all_text_below(tmp_path / "cache")


class GitHttpServer:
    """`git http-backend` on 127.0.0.1, answering only requests with the right token."""

    def __init__(self, project_root: Path, user: str, token: str) -> None:
        expected = "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
        self.seen_auth: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                self.serve()

            def do_POST(self):
                self.serve()

            def serve(self):
                auth = self.headers.get("Authorization", "")
                server.seen_auth.append(auth)
                if auth != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                path, _, query = self.path.partition("?")
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                env = {**os.environ, "GIT_PROJECT_ROOT": str(project_root),
                       "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path, "QUERY_STRING": query,
                       "REQUEST_METHOD": self.command, "REMOTE_USER": user,
                       "CONTENT_TYPE": self.headers.get("Content-Type", "")}
                out = subprocess.run(["git", "http-backend"], input=body, env=env,
                                     capture_output=True, check=True).stdout
                head, _, payload = out.partition(b"\r\n\r\n")
                headers = [line.split(":", 1) for line in head.decode().split("\r\n") if line]
                status = next((v.strip() for k, v in headers if k.lower() == "status"), "200")
                self.send_response(int(status.split()[0]))
                for key, value in headers:
                    if key.lower() != "status":
                        self.send_header(key, value.strip())
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def git_http(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git http-backend is not installed")
    remote_repo(tmp_path)
    server = GitHttpServer(tmp_path / "remotes", "x-access-token", "tok-GOOD-123456")
    yield server
    server.close()


def test_token_authenticates_over_loopback_http(tmp_path, monkeypatch, git_http):
    monkeypatch.setenv("SHOP_TOKEN", "tok-GOOD-123456")
    config = config_of(tmp_path, {"url": f"{git_http.url}/shop", "token_env": "SHOP_TOKEN",
                                  "name": "shop"})

    first = fetch_sources(config)
    second = fetch_sources(config)  # the fetch path authenticates too

    assert first.problems == [] and second.problems == []
    tree = second.trees[0]
    assert tree.commit == head_sha(pygit2.Repository(str(tmp_path / "remotes/shop")))
    assert tree.remote == f"{git_http.url}/shop"
    assert "tok-GOOD-123456" not in all_text_below(tmp_path / "cache")
    assert "tok-GOOD-123456" not in repr(tree)
    assert git_http.seen_auth[-1].startswith("Basic ")  # the token really was needed


def test_web_urls_of_a_clone_follow_url_ref_and_host(tmp_path, monkeypatch, git_http):
    """A `host:` makes a self-hosted remote browsable; here a "Gitea" on loopback."""
    monkeypatch.setenv("SHOP_TOKEN", "tok-GOOD-123456")
    remote = pygit2.Repository(str(tmp_path / "remotes/shop"))
    branch(remote, "release/1.x")
    config = config_of(tmp_path, {"url": f"{git_http.url}/shop", "ref": "release/1.x",
                                  "host": "gitea", "token_env": "SHOP_TOKEN"})

    tree = fetch_sources(config).trees[0]

    assert tree.web.blob_url("catalog-info.yaml") == (
        f"{git_http.url}/shop/src/branch/release/1.x/catalog-info.yaml")
    assert tree.display_prefix == "shop/"


def test_rejected_or_missing_token_is_an_error_without_the_token(tmp_path, monkeypatch, git_http):
    monkeypatch.setenv("SHOP_TOKEN", "tok-WRONG-654321")
    monkeypatch.delenv("UNSET_TOKEN", raising=False)
    config = config_of(tmp_path,
                       {"url": f"{git_http.url}/shop", "token_env": "SHOP_TOKEN", "name": "a"},
                       {"url": f"{git_http.url}/shop", "token_env": "UNSET_TOKEN", "name": "b"})

    result = fetch_sources(config)

    assert result.trees == []
    wrong, unset = result.problems
    assert (wrong.code, unset.code) == ("source-unavailable", "source-unavailable")
    assert "tok-WRONG-654321" not in repr(result.problems)
    assert "SHOP_TOKEN" in wrong.hint
    assert "UNSET_TOKEN is not set" in unset.hint


# --- local folders ---------------------------------------------------------------------------


def test_path_source_inside_a_work_tree(tmp_path, monkeypatch):
    work = make_repo(tmp_path / "work", {"services/orders/catalog-info.yaml": CATALOG.format(name="o")})
    work.remotes.create("origin", "https://bob:pw@github.com/acme/work.git")
    monkeypatch.chdir(tmp_path / "work")
    config = config_of(tmp_path, {"path": "work/services", "catalog": ["*/catalog-info.yaml"],
                                  "name": "services"})

    result = fetch_sources(config)

    assert result.problems == []
    (tree,) = result.trees
    assert tree.root == (tmp_path / "work").resolve()
    assert tree.globs == ("services/*/catalog-info.yaml",)
    assert (tree.location_type, tree.commit, tree.branch) == ("url", head_sha(work), "main")
    assert tree.remote == "https://github.com/acme/work.git"
    assert tree.web.blob_url("a.yaml") == "https://github.com/acme/work/blob/main/a.yaml"
    orders = tmp_path / "work/services/orders/catalog-info.yaml"
    assert tree.display(orders) == "services/orders/catalog-info.yaml"


def test_path_source_outside_git(tmp_path, monkeypatch):
    (tmp_path / "plain").mkdir()
    monkeypatch.chdir(tmp_path)
    config = config_of(tmp_path, {"path": "plain"}, {"path": "missing"})

    result = fetch_sources(config)

    (tree,) = result.trees
    assert (tree.location_type, tree.root, tree.commit) == ("file", (tmp_path / "plain").resolve(), None)
    assert tree.display(tmp_path / "plain" / "a.yaml") == "plain/a.yaml"
    assert [p.code for p in result.problems] == ["source-unavailable"]


def test_trees_for_paths(tmp_path, monkeypatch):
    work = make_repo(tmp_path / "work", {"a/catalog-info.yaml": "x", "docs/mkdocs.yml": "y"})
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(tmp_path / "work" / "a")

    result = trees_for_paths([Path("catalog-info.yaml"), tmp_path / "work" / "docs", outside,
                              Path("nope.yaml")])

    file_tree, docs_tree, outside_tree = result.trees
    assert file_tree.root == (tmp_path / "work").resolve()
    assert file_tree.globs == ("a/catalog-info.yaml",) and not file_tree.sniff
    assert (file_tree.location_type, file_tree.commit) == ("url", head_sha(work))
    assert file_tree.display(tmp_path / "work/a/catalog-info.yaml") == "catalog-info.yaml"
    assert docs_tree.globs == ("docs/**/*.yaml", "docs/**/*.yml") and docs_tree.sniff
    assert docs_tree.display(tmp_path / "work/docs/mkdocs.yml") == str(
        (tmp_path / "work/docs/mkdocs.yml").resolve())
    assert outside_tree.location_type == "file"
    assert outside_tree.globs == ("**/*.yaml", "**/*.yml")
    assert outside_tree.display(outside / "x.yaml") == str((outside / "x.yaml").resolve())
    (missing,) = result.problems
    assert (missing.code, missing.file) == ("path-not-found", "nope.yaml")


def test_trees_for_paths_below_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "cat" / "sub").mkdir(parents=True)
    (tmp_path / "cat" / "sub" / "x[1].yaml").write_text("")
    monkeypatch.chdir(tmp_path)

    folder, single = trees_for_paths([Path("cat"), Path("cat/sub/x[1].yaml")]).trees

    assert folder.display(tmp_path / "cat" / "sub" / "x.yaml") == "cat/sub/x.yaml"
    assert single.root == (tmp_path / "cat" / "sub").resolve()
    assert single.globs == ("x[[]1].yaml",)  # the file itself, not a character class
    assert list(single.root.glob(single.globs[0])) == [single.root / "x[1].yaml"]


def test_rerooted_globs_match_the_same_files_in_the_loader(tmp_path, monkeypatch):
    """The loader expands globs from the tree root; re-rooting must not widen or lose matches."""
    from generator.load.globs import expand

    make_repo(tmp_path / "work", {"svc/a/catalog-info.yaml": "x", "other/a/catalog-info.yaml": "y",
                                  "odd {x}/we[i]rd*.yaml": "z"})
    monkeypatch.chdir(tmp_path)
    config = config_of(tmp_path, {"path": "work/svc", "catalog": ["*/catalog-info.yaml"]})
    (svc,) = fetch_sources(config).trees
    (odd,) = trees_for_paths([tmp_path / "work/odd {x}/we[i]rd*.yaml"]).trees

    assert [p.relative_to(svc.root).as_posix() for g in svc.globs for p in expand(svc.root, g)] == [
        "svc/a/catalog-info.yaml"]
    assert [p.name for g in odd.globs for p in expand(odd.root, g)] == ["we[i]rd*.yaml"]
