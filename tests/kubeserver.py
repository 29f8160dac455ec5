"""A small Kubernetes API server of our own on 127.0.0.1, serving recorded objects.

It answers the list calls the status stage makes, as a real API server does: the core
group under `/api/v1`, the others under `/apis/<group>/<version>`, per namespace or for
all namespaces, filtered by `?labelSelector=` (equality and set-based requirements), in
a `<Kind>List` envelope without per-item `kind`/`apiVersion`. Errors are `Status`
objects: 401 without the right bearer token, 403 for the resources in `forbidden`, 404
for paths it does not serve. A resource in `slow` waits that long before answering (an
event, so stopping the server ends the wait). Every request is kept in `requests`.

    with KubeServer(load_items(DEMO), token="t0k") as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", context="demo")
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

#: (group, version, plural) → kind: what this server serves.
RESOURCES = {
    ("", "v1", "pods"): "Pod", ("", "v1", "services"): "Service",
    ("", "v1", "configmaps"): "ConfigMap", ("", "v1", "limitranges"): "LimitRange",
    ("apps", "v1", "deployments"): "Deployment", ("apps", "v1", "replicasets"): "ReplicaSet",
    ("apps", "v1", "statefulsets"): "StatefulSet", ("apps", "v1", "daemonsets"): "DaemonSet",
    ("autoscaling", "v1", "horizontalpodautoscalers"): "HorizontalPodAutoscaler",
    ("batch", "v1", "jobs"): "Job", ("batch", "v1", "cronjobs"): "CronJob",
    ("networking.k8s.io", "v1", "ingresses"): "Ingress",
}
_PATH = re.compile(r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
                   r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[^/]+)$")


def load_items(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["items"]


class KubeServer:
    def __init__(self, items: list[dict[str, Any]], token: str = "test-token") -> None:
        self.items = items
        self.token = token
        self.forbidden: set[str] = set()
        self.slow: dict[str, float] = {}
        self.requests: list[dict[str, Any]] = []
        #: Called with each request's path before it is answered (tests hook waits here).
        self.on_request: Callable[[str], None] | None = None
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "KubeServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def write_kubeconfig(self, path: Path, context: str = "test", token: str | None = None,
                         server: str | None = None) -> Path:
        """A real kubeconfig with one cluster, user and context; `token` None leaves the
        user without credentials (for `token_env`), else it is the user's token."""
        user: dict[str, Any] = {"token": token} if token else {}
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": context, "cluster": {"server": server or self.url}}],
            "users": [{"name": f"{context}-user", "user": user}],
            "contexts": [{"name": context,
                          "context": {"cluster": context, "user": f"{context}-user"}}],
        }
        path.write_text(json.dumps(config, indent=1), encoding="utf-8")  # JSON is YAML
        return path

    def list_of(self, kind: str, namespace: str | None, selector: str) -> list[dict]:
        found = []
        for item in self.items:
            meta = item.get("metadata", {})
            if item.get("kind") != kind or (namespace and meta.get("namespace") != namespace):
                continue
            if _selects(selector, meta.get("labels") or {}):
                found.append({k: v for k, v in item.items() if k not in ("kind", "apiVersion")})
        return found


def _selects(selector: str, labels: dict[str, str]) -> bool:
    """Label selector matching, written apart from Playbill's own so the two check each
    other: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`."""
    for part in re.split(r",(?![^(]*\))", selector or ""):
        part = part.strip()
        if not part:
            continue
        if m := re.fullmatch(r"(\S+?)\s*(!=|==|=)\s*(\S*)", part):
            key, op, value = m.groups()
            ok = (labels.get(key) == value) != (op == "!=")
        elif m := re.fullmatch(r"(\S+)\s+(in|notin)\s*\((.*)\)", part):
            key, op, values = m.groups()
            ok = (labels.get(key) in {v.strip() for v in values.split(",")}) == (op == "in")
        elif part.startswith("!"):
            ok = part[1:].strip() not in labels
        else:
            ok = part in labels
        if not ok:
            return False
    return True


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def _handler(api: KubeServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            url = urlsplit(self.path)
            selector = parse_qs(url.query).get("labelSelector", [""])[0]
            api.requests.append({"path": url.path, "labelSelector": selector,
                                 "authorization": self.headers.get("Authorization")})
            if api.on_request:
                api.on_request(url.path)
            if self.headers.get("Authorization") != f"Bearer {api.token}":
                return self._send(401, _status(401, "Unauthorized", "Unauthorized"))
            match = _PATH.match(url.path)
            group = (match and (match["group"] or "")) or ""
            version = match and (match["core"] or match["version"])
            kind = RESOURCES.get((group, version, match["plural"])) if match else None
            if kind is None:
                return self._send(404, _status(404, "NotFound", "the server could not find "
                                               "the requested resource"))
            plural, namespace = match["plural"], match["ns"]
            if plural in api.forbidden:
                where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
                return self._send(403, _status(403, "Forbidden", (
                    f'{plural} is forbidden: User "system:serviceaccount:playbill:playbill" '
                    f'cannot list resource "{plural}" in API group "{group}"{where}')))
            if plural in api.slow and api.stopping.wait(api.slow[plural]):
                return
            items = api.list_of(kind, namespace, selector)
            self._send(200, {"kind": f"{kind}List",
                             "apiVersion": f"{group}/{version}" if group else version,
                             "metadata": {"resourceVersion": "4711"}, "items": items})

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    return Handler
