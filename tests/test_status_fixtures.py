"""The recorded demo cluster (example/kubernetes/demo-cluster.json) is schema-true: every
object passes the kubernetes client's own models (which refuse unknown fields, missing
required ones and wrong types), and the file is what its script writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import kubernetes.client
import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "example" / "kubernetes" / "demo-cluster.json"
SCRIPT = REPO / "tests" / "fixtures" / "kubernetes" / "make_demo_cluster.py"
ITEMS = json.loads(DEMO.read_text(encoding="utf-8"))["items"]


def model_of(item: dict):
    version = item["apiVersion"].rsplit("/", 1)[-1].capitalize()  # apps/v1 → V1
    return getattr(kubernetes.client, f"{version}{item['kind']}")


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: f"{i['kind']}/{i['metadata']['name']}")
def test_every_object_passes_the_clients_model(item):
    model = model_of(item).from_dict(item)
    assert model.metadata.name == item["metadata"]["name"]
    assert model.to_dict()["metadata"]["labels"] == item["metadata"]["labels"]


def test_the_models_do_refuse_a_wrong_object():
    broken = json.loads(json.dumps(next(i for i in ITEMS if i["kind"] == "Pod")))
    del broken["status"]["containerStatuses"][0]["imageID"]
    with pytest.raises(ValueError):
        kubernetes.client.V1Pod.from_dict(broken)


def test_the_recording_is_what_its_script_writes(tmp_path):
    out = tmp_path / "demo.json"
    subprocess.run([sys.executable, str(SCRIPT), str(out)], check=True, capture_output=True)
    assert out.read_bytes() == DEMO.read_bytes()
