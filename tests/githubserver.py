"""A small GitHub REST API of our own on 127.0.0.1, backed by real bare Git repositories.

It implements just what the scaffolder calls, with GitHub's status codes and message
shapes: `GET /users/{name}`, `POST /orgs/{org}/repos`, `POST /user/repos`,
`GET /repos/{o}/{r}`, `POST /repos/{o}/{r}/pulls` and
`POST /repos/{o}/{r}/actions/workflows/{id}/dispatches`, plus what `playbill owner set`
calls: `GET`/`PUT /repos/{o}/{r}/contents/{path}`, `GET /repos/{o}/{r}/git/ref/heads/{b}`
and `POST /repos/{o}/{r}/git/refs`. Every call needs
`Authorization: Bearer <token>`. A repository's `clone_url` is the `file://` URL of a bare
repository under `root`, so pushes are real and tests read the result with pygit2; with
`git_http=True` it is a smart-HTTP URL on the same server instead, served by
`git http-backend` and guarded like github.com (`x-access-token:<token>`, Basic auth).

    with GitHubServer(tmp_path, token="t0k") as github:
        github.add_owner("acme", "Organization")
        client = GitHubClient(github.url, "t0k")
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qs, unquote

import pygit2

from gitrepo import file_url, make_repo


class GitHubServer:
    def __init__(self, root: Path, token: str = "test-token", user: str = "octocat",
                 git_http: bool = False) -> None:
        self.root = root
        self.git_http = git_http
        self.token = token
        self.user = user
        self.owners: dict[str, str] = {user: "User"}
        self.repos: dict[str, dict[str, Any]] = {}
        self.pulls: list[dict[str, Any]] = []
        self.dispatches: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.supports_run_details = True
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "GitHubServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- set-up -----------------------------------------------------------------------

    def add_owner(self, name: str, kind: str = "Organization") -> None:
        self.owners[name] = kind

    def add_repo(self, owner: str, name: str, files: Mapping[str, str], branch: str = "main") -> Path:
        """An existing repository holding `files` on `branch` (its default branch)."""
        work = make_repo(self.root / "work" / owner / name, files, branch=branch)
        bare = self.root / "git" / owner / f"{name}.git"
        pygit2.clone_repository(file_url(work), str(bare), bare=True)
        self._register(owner, name, bare, branch)
        return bare

    def bare(self, owner: str, name: str) -> pygit2.Repository:
        return pygit2.Repository(str(self.root / "git" / owner / f"{name}.git"))

    def _register(self, owner: str, name: str, bare: Path, branch: str, **extra: Any) -> dict:
        info = {
            "name": name, "full_name": f"{owner}/{name}", "owner": {"login": owner},
            "clone_url": self._clone_url(owner, name, bare), "html_url": f"https://github.test/{owner}/{name}",
            "default_branch": branch, **extra,
        }
        self.repos[f"{owner}/{name}"] = info
        return info

    def _clone_url(self, owner: str, name: str, bare: Path) -> str:
        if self.git_http:
            return f"{self.url}/git/{owner}/{name}.git"
        return bare.resolve().as_uri()

    def git_backend(self, method: str, path: str, query: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
        """Run `git http-backend` as a CGI for one smart-HTTP request."""
        env = {
            **os.environ, "GIT_PROJECT_ROOT": str(self.root / "git"), "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path[len("/git"):], "QUERY_STRING": query, "REQUEST_METHOD": method,
            "CONTENT_TYPE": headers.get("Content-Type") or "", "REMOTE_USER": "x-access-token",
            "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": str(len(body)),
            "GIT_PROTOCOL": headers.get("Git-Protocol") or "",
        }
        done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=False)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        fields = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line)
        status = int(fields.pop("Status", "200").split()[0])
        return status, fields, payload

    # --- endpoints --------------------------------------------------------------------

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        self.requests.append((method, path))
        routes = [
            ("GET", r"/users/([^/]+)", self._get_user),
            ("POST", r"/orgs/([^/]+)/repos", self._create_in_org),
            ("POST", r"/user/repos", self._create_for_user),
            ("GET", r"/repos/([^/]+)/([^/]+)", self._get_repo),
            ("POST", r"/repos/([^/]+)/([^/]+)/pulls", self._create_pull),
            ("POST", r"/repos/([^/]+)/([^/]+)/actions/workflows/([^/]+)/dispatches", self._dispatch),
            ("GET", r"/repos/([^/]+)/([^/]+)/contents/(.+)", self._get_contents),
            ("PUT", r"/repos/([^/]+)/([^/]+)/contents/(.+)", self._put_contents),
            ("GET", r"/repos/([^/]+)/([^/]+)/git/ref/heads/(.+)", self._get_branch_ref),
            ("POST", r"/repos/([^/]+)/([^/]+)/git/refs", self._create_ref),
        ]
        for verb, pattern, handler in routes:
            found = re.fullmatch(pattern, path)
            if verb == method and found:
                return handler(body or {}, *found.groups())
        return 404, {"message": "Not Found"}

    def _get_user(self, body: dict, name: str) -> tuple[int, Any]:
        if name not in self.owners:
            return 404, {"message": "Not Found"}
        return 200, {"login": name, "type": self.owners[name]}

    def _create_in_org(self, body: dict, org: str) -> tuple[int, Any]:
        if self.owners.get(org) != "Organization":
            return 404, {"message": "Not Found"}
        return self._create(org, body)

    def _create_for_user(self, body: dict) -> tuple[int, Any]:
        return self._create(self.user, body)

    def _create(self, owner: str, body: dict) -> tuple[int, Any]:
        name = body.get("name")
        if not name:
            return 422, {"message": "Validation Failed", "errors": [{"message": "name is missing"}]}
        if f"{owner}/{name}" in self.repos:
            return 422, {"message": "Repository creation failed.",
                         "errors": [{"message": "name already exists on this account"}]}
        bare = self.root / "git" / owner / f"{name}.git"
        pygit2.init_repository(str(bare), bare=True, initial_head="main")
        visibility = body.get("visibility") or ("private" if body.get("private") else "public")
        info = self._register(owner, name, bare, "main", description=body.get("description"),
                              private=bool(body.get("private")), visibility=visibility)
        return 201, info

    def _get_repo(self, body: dict, owner: str, name: str) -> tuple[int, Any]:
        info = self.repos.get(f"{owner}/{name}")
        return (200, info) if info else (404, {"message": "Not Found"})

    def _create_pull(self, body: dict, owner: str, name: str) -> tuple[int, Any]:
        info = self.repos.get(f"{owner}/{name}")
        if not info:
            return 404, {"message": "Not Found"}
        repo = self.bare(owner, name)
        for field in ("head", "base"):
            if f"refs/heads/{body.get(field)}" not in repo.references:
                return 422, {"message": "Validation Failed",
                             "errors": [{"message": f"{field} branch {body.get(field)} not found"}]}
        number = len(self.pulls) + 1
        pull = {"number": number, "html_url": f"{info['html_url']}/pull/{number}",
                "title": body.get("title"), "body": body.get("body"), "draft": body.get("draft"),
                "head": {"ref": body["head"]}, "base": {"ref": body["base"]}, "repo": f"{owner}/{name}"}
        self.pulls.append(pull)
        return 201, pull

    def _dispatch(self, body: dict, owner: str, name: str, workflow: str) -> tuple[int, Any]:
        if f"{owner}/{name}" not in self.repos:
            return 404, {"message": "Not Found"}
        if "return_run_details" in body and not self.supports_run_details:
            return 400, {"message": "Invalid request. \"return_run_details\" is not a permitted key."}
        if len(body.get("inputs") or {}) > 25:
            return 422, {"message": "inputs are too large (more than 25)"}
        self.dispatches.append({"repo": f"{owner}/{name}", "workflow": workflow, **body})
        if body.get("return_run_details"):
            run = 1000 + len(self.dispatches)
            return 200, {"workflow_run_id": run,
                         "run_url": f"{self.url}/repos/{owner}/{name}/actions/runs/{run}",
                         "html_url": f"https://github.test/{owner}/{name}/actions/runs/{run}"}
        return 204, None


    # --- contents and refs: a commit made through the API -------------------------------

    def _branch_commit(self, owner: str, name: str, branch: str) -> pygit2.Commit | None:
        if f"{owner}/{name}" not in self.repos:
            return None
        ref = self.bare(owner, name).references.get(f"refs/heads/{unquote(branch)}")
        return ref.peel(pygit2.Commit) if ref else None

    def _get_contents(self, body: dict, owner: str, name: str, path: str) -> tuple[int, Any]:
        info = self.repos.get(f"{owner}/{name}")
        if not info:
            return 404, {"message": "Not Found"}
        found = self._branch_commit(owner, name, body.get("ref") or info["default_branch"])
        path = unquote(path)
        if found is None or path not in found.tree:
            return 404, {"message": "Not Found"}
        blob = self.bare(owner, name)[found.tree[path].id]
        return 200, {"type": "file", "path": path, "sha": str(blob.id), "encoding": "base64",
                     "content": base64.encodebytes(blob.data).decode("ascii")}

    def _put_contents(self, body: dict, owner: str, name: str, path: str) -> tuple[int, Any]:
        info = self.repos.get(f"{owner}/{name}")
        if not info:
            return 404, {"message": "Not Found"}
        branch, path = body.get("branch") or info["default_branch"], unquote(path)
        head = self._branch_commit(owner, name, branch)
        if head is None:
            return 422, {"message": f"Branch {branch} not found"}
        current = str(head.tree[path].id) if path in head.tree else None
        if body.get("sha") != current:
            return 409, {"message": f"{path} does not match {body.get('sha')}"}
        repo = self.bare(owner, name)
        index = pygit2.Index()
        index.read_tree(head.tree)
        blob = repo.create_blob(base64.b64decode(body["content"]))
        index.add(pygit2.IndexEntry(path, blob, pygit2.enums.FileMode.BLOB))
        who = pygit2.Signature("GitHub", "noreply@github.test", 1_700_000_000, 0)
        oid = repo.create_commit(f"refs/heads/{branch}", who, who, body["message"],
                                 index.write_tree(repo), [head.id])
        return 200, {"content": {"path": path, "sha": str(blob)}, "commit": {"sha": str(oid)}}

    def _get_branch_ref(self, body: dict, owner: str, name: str, branch: str) -> tuple[int, Any]:
        found = self._branch_commit(owner, name, branch)
        if found is None:
            return 404, {"message": "Not Found"}
        return 200, {"ref": f"refs/heads/{unquote(branch)}",
                     "object": {"type": "commit", "sha": str(found.id)}}

    def _create_ref(self, body: dict, owner: str, name: str) -> tuple[int, Any]:
        if f"{owner}/{name}" not in self.repos:
            return 404, {"message": "Not Found"}
        repo, ref = self.bare(owner, name), body.get("ref", "")
        if not ref.startswith("refs/") or ref.count("/") < 2:
            return 422, {"message": f"{ref} is not a valid ref name."}
        if ref in repo.references:
            return 422, {"message": "Reference already exists"}
        repo.references.create(ref, pygit2.Oid(hex=body["sha"]))
        return 201, {"ref": ref, "object": {"type": "commit", "sha": body["sha"]}}


def _handler(server: GitHubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _serve(self, method: str) -> None:
            if self.path.startswith("/git/"):
                return self._git(method)
            if self.headers.get("Authorization") != f"Bearer {server.token}":
                return self._answer(401, {"message": "Bad credentials"})
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                return self._answer(400, {"message": "Problems parsing JSON"})
            path, _, query = self.path.partition("?")
            if method == "GET" and query:  # GitHub reads a GET's parameters from the query
                body = {key: values[-1] for key, values in parse_qs(query).items()}
            status, payload = server.handle(method, path, body)
            self._answer(status, payload)

        def _git(self, method: str) -> None:
            expected = "Basic " + base64.b64encode(f"x-access-token:{server.token}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="GitHub"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path, _, query = self.path.partition("?")
            status, fields, payload = server.git_backend(method, path, query, self.headers, self._body())
            self.send_response(status)
            for key, value in fields.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _body(self) -> bytes:
            """The request body, plain or chunked (libgit2 streams pushes chunked)."""
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()

        def _answer(self, status: int, payload: Any) -> None:
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

    return Handler
