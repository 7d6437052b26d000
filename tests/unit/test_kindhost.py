"""The pure parts of kind on this machine: the cluster configuration, the engine's configuration and
network, and the node's scripts (checked by the shell that runs them)."""

from __future__ import annotations

import ipaddress
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from podchaos.cluster.kindhost import engine, environment, nodefiles, nodeimage, tools
from podchaos.cluster.local import layout

EMBEDDED_NETWORKS = ("10.250.0.0/24", "10.251.0.0/16", "10.252.0.0/24")


def kind_environment(tmp_path: Path) -> environment.KindEnvironment:
    return environment.KindEnvironment(
        kind=tmp_path / "kind",
        env={},
        image=nodeimage.NodeImage(tmp_path / "node.tar", "localhost/podchaos/kind-node:v1.37.2-k", "v1.37.2"),
        provider="nerdctl",
        volumes=tmp_path / "volumes",
    )


def test_cluster_config_has_a_control_plane_and_two_workers_sharing_the_volume_dir(tmp_path: Path) -> None:
    config = yaml.safe_load(environment.cluster_config(kind_environment(tmp_path), "c1"))
    roles = [node["role"] for node in config["nodes"]]
    assert roles == ["control-plane", "worker", "worker"]
    mounts = {
        (mount["hostPath"], mount["containerPath"])
        for node in config["nodes"]
        for mount in node["extraMounts"]
    }
    assert mounts == {(str(tmp_path / "volumes" / "c1"), nodeimage.VOLUMES_IN_NODE)}
    assert config["networking"]["kubeProxyMode"] == "nftables"


def test_cluster_config_lets_kubelet_run_on_cgroup_v1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(environment, "CGROUP_V2_MARKER", tmp_path / "absent")
    config = yaml.safe_load(environment.cluster_config(kind_environment(tmp_path), "c1"))
    patches = [yaml.safe_load(patch) for patch in config["kubeadmConfigPatches"]]
    assert {"kind": "KubeletConfiguration", "failCgroupV1": False} in patches
    marker = tmp_path / "cgroup.controllers"
    marker.write_text("")
    monkeypatch.setattr(environment, "CGROUP_V2_MARKER", marker)
    assert "kubeadmConfigPatches" not in environment.cluster_config(kind_environment(tmp_path), "c1")


def test_kind_network_is_a_bridge_of_its_own_without_masquerade_gateway_or_ports() -> None:
    conflist = json.loads(engine.network_conflist())
    assert conflist["name"] == "kind"
    (plugin,) = conflist["plugins"]  # no portmap, no firewall plugin: no host rules
    assert plugin["type"] == "bridge"
    assert plugin["bridge"] == engine.BRIDGE
    assert plugin["ipMasq"] is False
    assert plugin["isGateway"] is False
    assert plugin["ipam"]["routes"] == []  # nodes get no default route
    subnet = ipaddress.ip_network(plugin["ipam"]["ranges"][0][0]["subnet"])
    assert ipaddress.ip_address(engine.HOST_ADDRESS) in subnet
    for network in (*EMBEDDED_NETWORKS, layout.CLUSTER_CIDR, *layout.OWN_NETWORKS):
        assert not subnet.overlaps(ipaddress.ip_network(network)), network


def test_engine_uses_its_own_root_state_and_socket() -> None:
    paths = engine.EngineLayout(Path("/x/base"), Path("/x/run"))
    config = engine.containerd_config(paths)
    assert 'root = "/x/base/containerd"' in config
    assert 'state = "/x/run/containerd"' in config
    assert 'address = "/x/run/containerd/containerd.sock"' in config
    assert "io.containerd.grpc.v1.cri" in config  # CRI disabled: only nerdctl talks to it
    toml = engine.nerdctl_toml(paths)
    assert 'address = "unix:///x/run/containerd/containerd.sock"' in toml
    assert f'namespace = "{engine.NAMESPACE}"' in toml
    assert 'cni_netconfpath = "/x/base/cni"' in toml


@pytest.mark.parametrize("script", [nodefiles.ENTRYPOINT, nodefiles.CNI_SCRIPT])
def test_node_scripts_are_valid_shell(script: str, tmp_path: Path) -> None:
    path = tmp_path / "script"
    path.write_text(script)
    checked = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_entrypoint_hides_controllers_the_host_has_not_mounted(tmp_path: Path) -> None:
    proc_cgroups = (
        "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
        "cpu\t1\t1\t1\nmemory\t4\t48\t1\nnet_cls\t0\t1\t1\nhugetlb\t0\t1\t1\npids\t8\t1\t1\n"
    )
    source = tmp_path / "cgroups"
    source.write_text(proc_cgroups)
    (awk_line,) = [line for line in nodefiles.ENTRYPOINT.splitlines() if line.strip().startswith("awk")]
    program = awk_line.split("'")[1]
    shown = subprocess.run(["awk", program, str(source)], capture_output=True, text=True, check=True).stdout
    assert [line.split()[0] for line in shown.splitlines()] == ["#subsys_name", "cpu", "memory", "pids"]


def test_upstream_programs_are_named_as_go_build_names_them(tmp_path: Path) -> None:
    kind_tool = tools.UpstreamTool("sigs.k8s.io/kind", "v0.33.0", (".",), tmp_path / "kind")
    assert kind_tool.outputs() == [tmp_path / "kind" / "kind"]
    containerd = tools.UpstreamTool("m/containerd/v2", "v2.2.1", ("./cmd/containerd", "./cmd/ctr"), tmp_path)
    assert containerd.outputs() == [tmp_path / "containerd", tmp_path / "ctr"]
    other_version = tools.UpstreamTool("sigs.k8s.io/kind", "v0.34.0", (".",), tmp_path / "kind")
    assert kind_tool.key() != other_version.key()
