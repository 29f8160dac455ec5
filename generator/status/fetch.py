"""Reading one cluster: a live API server through the `kubernetes` client, or a recording.

Both answer `list(object_type, namespace, selector)` with the raw items of the list, as
the API returns them. A live list is one GET (`list_namespaced_<type>`, or
`list_<type>_for_all_namespaces` without a namespace) with `labelSelector` and a connect
and read timeout, and no retries, so a dead cluster costs one timeout, not four.
Failures become `FetchError`s with Backstage's error types (`UNAUTHORIZED_ERROR`, ...)
and a Playbill code that says what to do; messages never carry credentials.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from generator.status import selector as selectors
from generator.status.config import ClusterConfig
from generator.status.objects import BY_KIND, ObjectType

Obj = dict[str, Any]
RECORDED_AT = "playbill.dev/recorded-at"
#: Errors after which the rest of a cluster is not worth asking for.
WHOLE_CLUSTER = {"k8s-unreachable", "k8s-timeout", "k8s-unauthorized", "k8s-config"}


class FetchError(Exception):
    """A list that failed: Backstage's `type`, our `code`, the HTTP status and path."""

    def __init__(self, code: str, kind: str, message: str, status: int | None = None,
                 path: str = "") -> None:
        super().__init__(message)
        self.code, self.type, self.message = code, kind, message
        self.status_code, self.resource_path = status, path

    @property
    def whole_cluster(self) -> bool:
        return self.code in WHOLE_CLUSTER

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "type": self.type, "status_code": self.status_code,
                "resource_path": self.resource_path, "message": self.message}


class Cluster(Protocol):
    def list(self, kind: ObjectType, namespace: str | None, selector: str) -> list[Obj]: ...


class LiveCluster:
    """A cluster's API server, through the kubernetes client's typed APIs."""

    def __init__(self, api_client: Any, timeout: float) -> None:
        self.api_client, self.timeout = api_client, timeout

    def list(self, kind: ObjectType, namespace: str | None, selector: str) -> list[Obj]:
        import kubernetes.client
        import urllib3

        api = getattr(kubernetes.client, kind.api)(self.api_client)
        path = kind.path(namespace)
        if namespace:
            call, args = getattr(api, f"list_namespaced_{kind.method}"), (namespace,)
        else:
            call, args = getattr(api, f"list_{kind.method}_for_all_namespaces"), ()
        try:
            response = call(*args, label_selector=selector, _preload_content=False,
                            _request_timeout=(self.timeout, self.timeout))
            return json.loads(response.data).get("items") or []
        except kubernetes.client.ApiException as exc:
            raise _http_error(exc.status, _status_message(exc.body), path) from None
        except urllib3.exceptions.HTTPError as exc:
            raise _network_error(exc, path) from None
        except ValueError as exc:  # not JSON
            raise FetchError("k8s-fetch-error", "UNKNOWN_ERROR",
                             f"the answer is not JSON ({exc})", None, path) from None


class RecordedCluster:
    """A `kubectl get ... -A -o json` List, filtered here as the API server would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FetchError("k8s-config", "FETCH_ERROR",
                             f"cannot read the recording {path.name}: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise FetchError("k8s-config", "FETCH_ERROR",
                             f"{path.name} is not a Kubernetes List (kubectl get -o json)")
        self.items = [item for item in data["items"] if isinstance(item, dict)]
        annotations = (data.get("metadata") or {}).get("annotations") or {}
        self.recorded_at: str | None = annotations.get(RECORDED_AT)

    def list(self, kind: ObjectType, namespace: str | None, selector: str) -> list[Obj]:
        return [item for item in self.items
                if BY_KIND.get(item.get("kind")) == kind
                and (namespace is None or item.get("metadata", {}).get("namespace") == namespace)
                and selectors.matches(selector, item.get("metadata", {}).get("labels"))]


def open_cluster(config: ClusterConfig, timeout: float) -> Cluster:
    """A client for `config`; raises FetchError (code k8s-config) when it cannot be made."""
    if config.recorded is not None:
        return RecordedCluster(config.recorded)
    from kubernetes import config as kubeconfig
    from kubernetes.client import ApiClient, Configuration
    from kubernetes.config.config_exception import ConfigException

    settings = Configuration()
    try:
        if config.in_cluster:
            kubeconfig.load_incluster_config(client_configuration=settings)
        else:
            kubeconfig.load_kube_config(
                config_file=str(config.kubeconfig) if config.kubeconfig else None,
                context=config.context, client_configuration=settings, persist_config=False)
    except (ConfigException, OSError, ValueError, TypeError) as exc:
        where = "in-cluster service account" if config.in_cluster else \
            f"kubeconfig context `{config.context}`"
        raise FetchError("k8s-config", "FETCH_ERROR", f"cannot use the {where}: "
                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                         ) from None
    if config.token_env:
        token = os.environ.get(config.token_env)
        if not token:
            raise FetchError("k8s-config", "FETCH_ERROR",
                             f"environment variable {config.token_env} is not set or empty")
        settings.api_key = {"authorization": f"Bearer {token}"}
        settings.api_key_prefix = {}
        settings.refresh_api_key_hook = None
    settings.retries = 0
    return LiveCluster(ApiClient(configuration=settings), timeout)


def taken_at(cluster: Cluster, now: datetime) -> datetime:
    """When the cluster's state was read: a recording's own time when it has one."""
    from generator.status.detect import parse_time

    recorded = getattr(cluster, "recorded_at", None)
    return parse_time(recorded) or now


def _http_error(status: int | None, detail: str, path: str) -> FetchError:
    kinds = {400: "BAD_REQUEST", 401: "UNAUTHORIZED_ERROR", 404: "NOT_FOUND",
             500: "SYSTEM_ERROR"}
    codes = {401: "k8s-unauthorized", 403: "k8s-forbidden", 404: "k8s-not-found"}
    message = f"HTTP {status} for GET {path}" + (f": {detail}" if detail else "")
    return FetchError(codes.get(status or 0, "k8s-fetch-error"),
                      kinds.get(status or 0, "UNKNOWN_ERROR"), message, status, path)


def _network_error(exc: Exception, path: str) -> FetchError:
    import urllib3

    reason = getattr(exc, "reason", None) or exc
    # NewConnectionError (refused, no route) subclasses ConnectTimeoutError in urllib3 2
    refused = isinstance(reason, urllib3.exceptions.NewConnectionError)
    if not refused and isinstance(reason, (urllib3.exceptions.TimeoutError, TimeoutError)):
        return FetchError("k8s-timeout", "FETCH_ERROR",
                          f"GET {path} did not answer in time", None, path)
    text = str(reason).split(": ", 1)[-1][:200]
    return FetchError("k8s-unreachable", "FETCH_ERROR", f"GET {path} failed: {text}",
                      None, path)


def _status_message(body: Any) -> str:
    """The `message` of the Status object an API server answers errors with."""
    try:
        data = json.loads(body or "")
    except (TypeError, ValueError):
        return ""
    return str(data.get("message", ""))[:300] if isinstance(data, dict) else ""
