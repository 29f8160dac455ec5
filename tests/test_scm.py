"""Web URL shapes of Git hosts, and reading clone URLs (generator/model/scm.py)."""

from __future__ import annotations

import pytest

from generator.model.scm import RepoWeb, is_remote_url, remote_user, strip_credentials, web_for


@pytest.mark.parametrize(
    ("remote", "host", "expected"),
    [
        ("https://github.com/acme/shop.git", None, ("github", "https://github.com/acme/shop")),
        ("https://github.com/acme/shop", None, ("github", "https://github.com/acme/shop")),
        ("https://github.com/acme/shop/", None, ("github", "https://github.com/acme/shop")),
        ("git@github.com:acme/shop.git", None, ("github", "https://github.com/acme/shop")),
        ("ssh://git@github.com/acme/shop.git", None, ("github", "https://github.com/acme/shop")),
        ("https://x-access-token:s3cret@github.com/acme/shop.git", None,
         ("github", "https://github.com/acme/shop")),
        ("https://GitHub.com/acme/shop.git", None, ("github", "https://github.com/acme/shop")),
        ("https://gitlab.com/group/sub/repo.git", None,
         ("gitlab", "https://gitlab.com/group/sub/repo")),
        ("git@bitbucket.org:team/repo.git", None, ("bitbucket", "https://bitbucket.org/team/repo")),
        # self-hosted: the kind comes from `host:`; an https port is the web server's
        ("https://ghe.acme.corp/acme/shop.git", "github", ("github", "https://ghe.acme.corp/acme/shop")),
        ("https://git.acme.corp:3000/acme/shop.git", "gitea",
         ("gitea", "https://git.acme.corp:3000/acme/shop")),
        ("http://gitea.local:3000/acme/shop.git", "gitea", ("gitea", "http://gitea.local:3000/acme/shop")),
        # ...but an ssh port is the SSH daemon's
        ("ssh://git@git.acme.corp:2222/acme/shop.git", "gitlab",
         ("gitlab", "https://git.acme.corp/acme/shop")),
        ("git@git.acme.corp:acme/shop.git", "gitea", ("gitea", "https://git.acme.corp/acme/shop")),
    ],
)
def test_web_for_known_shapes(remote, host, expected):
    web = web_for(remote, "main", host)
    assert web is not None
    assert (web.host, web.base) == expected
    assert web.ref == "main"


@pytest.mark.parametrize(
    ("remote", "host"),
    [
        ("file:///srv/git/shop.git", None),
        ("file:///srv/git/shop.git", "github"),
        ("/srv/git/shop.git", None),
        ("https://git.acme.corp/acme/shop.git", None),  # unknown host, no `host:`
        ("https://github.com/", None),
        ("https://github.com:notaport/x.git", None),
    ],
)
def test_web_for_unknown(remote, host):
    assert web_for(remote, "main", host) is None


def test_github_urls():
    web = RepoWeb("github", "https://github.com/acme/shop", "main")
    assert web.blob_url("services/orders/catalog-info.yaml") == (
        "https://github.com/acme/shop/blob/main/services/orders/catalog-info.yaml")
    assert web.tree_url("services/orders/") == "https://github.com/acme/shop/tree/main/services/orders/"
    assert web.edit_url("/catalog-info.yaml") == "https://github.com/acme/shop/edit/main/catalog-info.yaml"


def test_gitlab_urls():
    web = RepoWeb("gitlab", "https://gitlab.com/g/sub/repo", "main")
    assert web.blob_url("a/b.yaml") == "https://gitlab.com/g/sub/repo/-/blob/main/a/b.yaml"
    assert web.tree_url("a/") == "https://gitlab.com/g/sub/repo/-/tree/main/a/"
    assert web.edit_url("a/b.yaml") == "https://gitlab.com/g/sub/repo/-/edit/main/a/b.yaml"


def test_bitbucket_cloud_urls():
    """As @backstage/integration's BitbucketCloudIntegration.resolveEditUrl: the view URL
    plus `mode=edit` and `at=<ref>`, set through URLSearchParams (so `/` is encoded)."""
    web = RepoWeb("bitbucket", "https://bitbucket.org/team/repo", "main")
    assert web.blob_url("a/b.yaml") == "https://bitbucket.org/team/repo/src/main/a/b.yaml"
    assert web.tree_url("a/") == "https://bitbucket.org/team/repo/src/main/a/"
    assert web.edit_url("a/b.yaml") == (
        "https://bitbucket.org/team/repo/src/main/a/b.yaml?mode=edit&at=main")
    feature = RepoWeb("bitbucket", "https://bitbucket.org/team/repo", "feature/x")
    assert feature.edit_url("a.yaml") == (
        "https://bitbucket.org/team/repo/src/feature/x/a.yaml?mode=edit&at=feature%2Fx")


def test_gitea_urls():
    """As @backstage/integration's gitea/core.ts: `src/branch/<ref>` and `_edit/<ref>`."""
    web = RepoWeb("gitea", "https://gitea.com/a/b", "main")
    assert web.blob_url("path/to/c.yaml") == "https://gitea.com/a/b/src/branch/main/path/to/c.yaml"
    assert web.tree_url("path/") == "https://gitea.com/a/b/src/branch/main/path/"
    assert web.edit_url("path/to/c.yaml") == "https://gitea.com/a/b/_edit/main/path/to/c.yaml"


def test_paths_are_quoted():
    web = RepoWeb("github", "https://github.com/acme/shop", "main")
    assert web.blob_url("docs/my file#1.yaml") == (
        "https://github.com/acme/shop/blob/main/docs/my%20file%231.yaml")


@pytest.mark.parametrize("host", ["github", "gitlab", "bitbucket", "gitea"])
@pytest.mark.parametrize("ref", ["main", "release/1.x", "v1.0"])
@pytest.mark.parametrize("path", ["catalog-info.yaml", "services/orders/catalog-info.yaml",
                                  "docs/my file.yaml", "services/orders/"])
def test_path_of_round_trips(host, ref, path):
    web = RepoWeb(host, "https://example.com/acme/shop", ref)
    assert web.path_of(web.blob_url(path)) == path
    assert web.path_of(web.tree_url(path)) == path
    assert web.path_of(web.edit_url(path)) == path
    assert web.path_of(web.blob_url(path) + "#L10") == path


def test_path_of_rejects_other_repositories_refs_and_shapes():
    web = RepoWeb("github", "https://github.com/acme/shop", "main")
    assert web.path_of("https://github.com/acme/shop-two/blob/main/a.yaml") is None
    assert web.path_of("https://github.com/acme/other/blob/main/a.yaml") is None
    assert web.path_of("https://github.com/acme/shop/blob/dev/a.yaml") is None
    assert web.path_of("https://github.com/acme/shop/src/main/a.yaml") is None  # not GitHub's
    assert web.path_of("https://github.com/acme/shop/blob/-/a.yaml") == "a.yaml"  # default branch
    gitlab = RepoWeb("gitlab", "https://gitlab.com/acme/shop", "main")
    assert gitlab.path_of("https://gitlab.com/acme/shop/blob/main/a.yaml") is None


@pytest.mark.parametrize(
    ("remote", "clean"),
    [
        ("https://x-access-token:ghp_secret@github.com/acme/shop.git", "https://github.com/acme/shop.git"),
        ("https://ghp_secret@github.com/acme/shop.git", "https://github.com/acme/shop.git"),
        ("http://user:pw@127.0.0.1:8080/r.git", "http://127.0.0.1:8080/r.git"),
        ("ssh://git:pw@host.example/r.git", "ssh://git@host.example/r.git"),
        ("ssh://git@host.example/r.git", "ssh://git@host.example/r.git"),
        ("git@github.com:acme/shop.git", "git@github.com:acme/shop.git"),
        ("https://github.com/acme/shop.git", "https://github.com/acme/shop.git"),
        ("file:///srv/git/shop", "file:///srv/git/shop"),
        ("/srv/git/shop", "/srv/git/shop"),
    ],
)
def test_strip_credentials(remote, clean):
    assert strip_credentials(remote) == clean


def test_remote_user():
    assert remote_user("https://bob:p%40ss@host/r.git") == ("bob", "p@ss")
    assert remote_user("git@github.com:acme/shop.git") == ("git", None)
    assert remote_user("https://host/r.git") == (None, None)


@pytest.mark.parametrize(
    ("text", "remote"),
    [
        ("https://github.com/acme/shop.git", True),
        ("file:///srv/git/shop", True),
        ("git@github.com:acme/shop.git", True),
        ("github.com:acme/shop.git", True),
        ("../shop", False),
        ("/srv/git/shop", False),
        ("shop", False),
        ("./a:b", False),
        ("C:\\repos\\shop", False),
    ],
)
def test_is_remote_url(text, remote):
    assert is_remote_url(text) is remote
