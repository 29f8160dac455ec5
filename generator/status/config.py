"""The `kubernetes:` section of `catalog_sources.yaml`: which clusters the status stage reads.

    kubernetes:
      service_locator: multiTenant     # | singleTenant | catalogRelation (as in Backstage)
      timeout: 10                      # seconds per request (connect and read)
      clusters:
        - name: prod-eu                # unique; shown on pages
          context: prod-eu             # a kubeconfig context ...
          kubeconfig: ~/.kube/config   #   in this file (default: $KUBECONFIG or ~/.kube/config)
          token_env: PROD_EU_TOKEN     #   optional: a bearer token from this variable instead
        - name: in-cluster
          in_cluster: true             # ... or the pod's service account
        - name: demo
          recorded: kubernetes/demo.json   # ... or a recording (`kubectl get -A -o json`)

Each cluster has exactly one of `context`, `in_cluster` and `recorded`. Tokens are read
from the environment only; this file names the variable. The model is validated by
`generator.config` together with the rest of the file, so its problems carry lines too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo
from pydantic import field_validator, model_validator

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CLUSTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")

HINTS = {
    "kubernetes": "a mapping with `clusters:` (and optionally service_locator, timeout)",
    "clusters": "a list of clusters, each with `name:` and one of `context:`, "
    "`in_cluster: true` or `recorded:`",
    "context": "a context name from your kubeconfig (`kubectl config get-contexts`)",
    "kubeconfig": "a kubeconfig file path, relative to the config file's folder",
    "in_cluster": "`true` to use the service account of the pod Playbill runs in",
    "recorded": "a JSON file from `kubectl get pods,deployments,... -A -o json`",
    "service_locator": "one of multiTenant, singleTenant, catalogRelation",
    "timeout": "seconds per request, e.g. 10",
}


def _base_dir(info: ValidationInfo) -> Path:
    context = info.context or {}
    return Path(context.get("base_dir") or Path.cwd())


class ClusterConfig(BaseModel):
    """One cluster: where its API server is and how Playbill authenticates to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    context: str | None = None
    kubeconfig: Path | None = None
    in_cluster: bool = False
    recorded: Path | None = None
    token_env: str | None = None

    _line: int | None = PrivateAttr(default=None)

    @property
    def line(self) -> int | None:
        """The line of this cluster's entry in the config file, when read from one."""
        return self._line

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _CLUSTER_NAME.match(value):
            raise ValueError("must be letters, digits and -_. (at most 63)")
        return value

    @field_validator("kubeconfig", "recorded")
    @classmethod
    def _file(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else (_base_dir(info) / value.expanduser()).resolve()

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV_NAME.match(value):
            raise ValueError("is not an environment variable name; put the token in a "
                             "variable and name that variable here")
        return value

    @model_validator(mode="after")
    def _one_way_in(self) -> "ClusterConfig":
        ways = [self.context is not None, self.in_cluster, self.recorded is not None]
        if sum(ways) != 1:
            raise ValueError("needs exactly one of `context:` (kubeconfig), "
                             "`in_cluster: true` or `recorded:` (a JSON recording)")
        if self.kubeconfig is not None and self.context is None:
            raise ValueError("`kubeconfig` goes with `context`")
        if self.token_env and self.recorded is not None:
            raise ValueError("`token_env` does not apply to a recording")
        return self


class KubernetesConfig(BaseModel):
    """The clusters and how entities are matched to them (Backstage's service locator)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clusters: tuple[ClusterConfig, ...]
    service_locator: Literal["multiTenant", "singleTenant", "catalogRelation"] = "multiTenant"
    timeout: float = Field(default=10.0, gt=0, le=300)

    @field_validator("clusters")
    @classmethod
    def _unique(cls, value: tuple[ClusterConfig, ...]) -> tuple[ClusterConfig, ...]:
        if not value:
            raise ValueError("lists no cluster")
        names = [cluster.name for cluster in value]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"cluster names must be unique; repeated: {', '.join(repeated)}")
        return value


def attach_cluster_lines(config: KubernetesConfig, root: yaml.MappingNode) -> None:
    """Note each cluster's line in the config file, so its problems can point at it."""
    section = next((v for k, v in root.value if k.value == "kubernetes"), None)
    if not isinstance(section, yaml.MappingNode):
        return
    entries = next((v for k, v in section.value if k.value == "clusters"), None)
    if isinstance(entries, yaml.SequenceNode):
        for cluster, node in zip(config.clusters, entries.value):
            cluster._line = node.start_mark.line + 1
