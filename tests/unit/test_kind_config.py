"""The kind cluster config: podchaos's own (a control plane and two workers) and the check of a user's
file, whose errors name the file, the field and what was expected. Logic only: kind itself is not run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from podchaos.cluster.kind.config import (
    CGROUP_V1_PATCH,
    default_config,
    host_is_cgroup_v1,
    load_config,
)
from podchaos.cluster.kind.node_image import choose_image, kindest_node_image
from podchaos.errors import ClusterSetupError

HEADER = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n"
REPO = Path(__file__).resolve().parents[2]


def test_podchaos_config_has_a_control_plane_and_two_workers() -> None:
    config = default_config()
    document = yaml.safe_load(config.text)
    assert document == {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "nodes": [{"role": "control-plane"}, {"role": "worker"}, {"role": "worker"}],
    }
    assert config.roles == ("control-plane", "worker", "worker")
    assert config.schedulable_nodes == 2


def test_on_a_cgroup_v1_host_the_kubelet_is_told_to_run_on_it() -> None:
    document = yaml.safe_load(default_config(cgroup_v1=True).text)
    assert document["kubeadmConfigPatches"] == [CGROUP_V1_PATCH]
    assert yaml.safe_load(CGROUP_V1_PATCH) == {"kind": "KubeletConfiguration", "failCgroupV1": False}


def test_cgroup_version_is_read_from_the_cgroup_root(tmp_path: Path) -> None:
    assert host_is_cgroup_v1(tmp_path) is True
    (tmp_path / "cgroup.controllers").write_text("cpu memory\n")
    assert host_is_cgroup_v1(tmp_path) is False
    assert host_is_cgroup_v1(tmp_path / "absent") is False


def test_podchaos_config_passes_its_own_check(tmp_path: Path) -> None:
    path = tmp_path / "kind.yaml"
    path.write_text(default_config(cgroup_v1=True).text)
    assert load_config(path, "podchaos").roles == ("control-plane", "worker", "worker")


def test_the_ci_docs_kind_config_passes_the_check() -> None:
    config = load_config(REPO / "docs" / "example-project" / ".github" / "kind.yaml", "podchaos")
    assert config.schedulable_nodes == 2


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("nodes: []\n- x", "", "not valid YAML"),
        ("- role: worker\n", "", "expected a mapping with kind: Cluster"),
        (
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha3\n",
            "apiVersion",
            "expected kind.x-k8s.io/v1alpha4",
        ),
        ("kind: Clusters\napiVersion: kind.x-k8s.io/v1alpha4\n", "kind", "expected Cluster, got 'Clusters'"),
        (HEADER + "node:\n- role: worker\n", "node", "not a field of a kind Cluster config"),
        (HEADER + "nodes: {role: worker}\n", "nodes", "expected a list of nodes"),
        (HEADER + "nodes:\n- worker\n", "nodes[0]", "expected a mapping with a role"),
        (
            HEADER + "nodes:\n- role: control-plane\n- rol: worker\n",
            "nodes[1].rol",
            "not a field of a kind node",
        ),
        (
            HEADER + "nodes:\n- role: control-plane\n- role: wroker\n",
            "nodes[1].role",
            "expected control-plane or worker",
        ),
        (HEADER + "nodes:\n- role: worker\n", "nodes", "no node has role control-plane"),
        (HEADER + "name: ci\n", "name", "'ci' is not the kind cluster podchaos uses ('podchaos'"),
    ],
)
def test_a_bad_kind_config_is_named_by_file_and_field(
    tmp_path: Path, text: str, field: str, expected: str
) -> None:
    path = tmp_path / "kind.yaml"
    path.write_text(text)

    with pytest.raises(ClusterSetupError) as caught:
        load_config(path, "podchaos")

    prefix = f"kind config {path}: " + (f"{field}: " if field else "")
    assert str(caught.value).startswith(prefix), str(caught.value)
    assert expected in str(caught.value)


def test_a_missing_kind_config_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        ClusterSetupError, match=re.escape(f"kind config {tmp_path / 'absent.yaml'}: cannot be read")
    ):
        load_config(tmp_path / "absent.yaml", "podchaos")


def test_nodes_default_as_kind_defaults_them(tmp_path: Path) -> None:
    path = tmp_path / "kind.yaml"
    path.write_text(HEADER)
    assert load_config(path, "podchaos").roles == ("control-plane",)
    path.write_text(HEADER + "name: podchaos\nnodes:\n- image: kindest/node:v1.36.3\n- role: worker\n")
    config = load_config(path, "podchaos")
    assert config.roles == ("control-plane", "worker")  # an empty role is a control plane
    assert config.schedulable_nodes == 1


def test_a_release_maps_to_kinds_node_image() -> None:
    assert kindest_node_image("v1.36.3") == "kindest/node:v1.36.3"
    assert kindest_node_image("1.36.3") == "kindest/node:v1.36.3"
    assert kindest_node_image(None) is None
    assert choose_image("my/node:1", "v1.36.3", kindest_node_image) == "my/node:1"
    assert choose_image(None, "v1.36.3", kindest_node_image) == "kindest/node:v1.36.3"


def test_fields_a_machine_needs_go_into_every_node_of_podchaos_config(tmp_path: Path) -> None:
    mount = {"hostPath": "/run/podchaos/cgroups", "containerPath": "/proc/cgroups", "readOnly": True}
    config = default_config(node_fields={"extraMounts": [mount]})

    nodes = yaml.safe_load(config.text)["nodes"]
    assert [node["role"] for node in nodes] == ["control-plane", "worker", "worker"]
    assert all(node["extraMounts"] == [mount] for node in nodes)
    path = tmp_path / "kind.yaml"
    path.write_text(config.text)
    assert load_config(path, "podchaos").roles == config.roles  # still a config kind accepts


@pytest.mark.parametrize("fields", [{"role": "worker"}, {"extraMount": []}])
def test_podchaos_config_refuses_node_fields_kind_does_not_have(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="not a field podchaos may set"):
        default_config(node_fields=fields)
