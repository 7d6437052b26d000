"""A real kind cluster on this machine, created through podchaos and deleted again.

Builds (or reuses) kind, the node image and, without Docker, podchaos's own containerd with nerdctl;
creates a cluster of a control plane and two workers; runs scenarios on it that kill a container,
drain a node, measure traffic and keep a StatefulSet's claim; deletes it; and compares the host's
cgroup hierarchies, sysctls, nftables/iptables, devices and mounts with what they were before.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from host_state import HostState

from podchaos.cluster.kindhost import environment
from podchaos.cluster.kindhost.engine import BRIDGE, EngineLayout
from podchaos.report.json_report import load_report

CLUSTER = "podchaos-e2e"
CONTEXT = f"kind-{CLUSTER}"
# Every fault kind, among them a node drain, a traffic scenario and a StatefulSet with a claim.
SCENARIOS = (
    "sidecar-kill",
    "native-sidecar-kill",
    "oom-kill",
    "pod-delete-graceful",
    "pod-delete-force",
    "liveness-restart",
    "readiness-flap",
    "startup-probe-fail-restart",
    "container-freeze-resumes",
    "emptydir-fill-evicted",
    "node-cordon-reschedule",
    "node-drain-with-pdb",
    "traffic-graceful-shutdown",
    "statefulset-pod-delete-keeps-claim",
)
# The embedded cluster runs meanwhile: its pods' mounts, network namespaces and veths come and go.
EMBEDDED_CHURN_MOUNTS = ("/run/podchaos/", "/var/lib/podchaos/", "/run/netns/")
CHURN_DEVICES = ("veth",)
TIMINGS = Path("reports") / "kind-e2e-timings.json"


@dataclass(frozen=True)
class KindCluster:
    kubeconfig: Path
    environment: environment.KindEnvironment
    timings: dict[str, float]


def _say(message: str) -> None:
    print(f"kind e2e: {message}", flush=True)


@pytest.fixture(scope="module")
def host_before() -> HostState:
    return HostState.take(EMBEDDED_CHURN_MOUNTS, CHURN_DEVICES)


@pytest.fixture(scope="module")
def kind_cluster(host_before: HostState, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KindCluster]:
    timings: dict[str, float] = {}
    started = time.monotonic()
    env = environment.prepare(None, _say)
    timings["prepare_s"] = time.monotonic() - started
    config = tmp_path_factory.mktemp("kind") / "cluster.yaml"
    config.write_text(environment.cluster_config(env, CLUSTER, workers=2))
    (env.volumes / CLUSTER).mkdir(parents=True, exist_ok=True)
    try:
        started = time.monotonic()
        env.kind_command(
            "create", "cluster", "--name", CLUSTER, "--image", env.node_image,
            "--config", str(config), "--wait", "300s", "--retain",
            timeout=900,
        )  # fmt: skip
        timings["kind_create_s"] = time.monotonic() - started
        kubeconfig = config.with_name("kubeconfig")
        kubeconfig.write_text(environment.kubeconfig(env, CLUSTER))
        yield KindCluster(kubeconfig, env, timings)
    finally:
        environment.delete_cluster(env, CLUSTER)
        environment.shutdown(env)
        TIMINGS.parent.mkdir(parents=True, exist_ok=True)
        TIMINGS.write_text(json.dumps(timings, indent=2) + "\n")


def test_three_nodes_ready(kind_cluster: KindCluster) -> None:
    from kubernetes import client, config

    api = client.CoreV1Api(config.new_client_from_config(str(kind_cluster.kubeconfig)))
    nodes = api.list_node().items
    ready = {
        node.metadata.name: any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)
        for node in nodes
    }
    assert sorted(ready) == [f"{CLUSTER}-control-plane", f"{CLUSTER}-worker", f"{CLUSTER}-worker2"]
    assert all(ready.values()), ready
    versions = {node.status.node_info.kubelet_version for node in nodes}
    assert versions == {kind_cluster.environment.image.kubernetes_version}


def test_scenarios_pass_on_kind(kind_cluster: KindCluster, pytester: pytest.Pytester) -> None:
    started = time.monotonic()
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        *(f"--scenario={name}" for name in SCENARIOS),
        "--podchaos-cluster=existing",
        f"--podchaos-kubeconfig={kind_cluster.kubeconfig}",
        f"--podchaos-allow-context={CONTEXT}",
        "--podchaos-report-dir=out",
        "-n",
        "2",
        timeout=1800,
    )
    kind_cluster.timings["scenarios_s"] = time.monotonic() - started
    for report in (pytester.path / "out").glob("*/results.json"):
        for run in load_report(report).runs:
            kind_cluster.timings[f"scenario {run.result.scenario} s"] = run.result.duration_s
    result.assert_outcomes(passed=len(SCENARIOS))


def test_host_unchanged_after_delete(kind_cluster: KindCluster, host_before: HostState) -> None:
    """Runs last in this module: deletes the cluster and stops the engine itself, then compares."""
    env = kind_cluster.environment
    started = time.monotonic()
    environment.delete_cluster(env, CLUSTER)
    kind_cluster.timings["kind_delete_s"] = time.monotonic() - started
    environment.shutdown(env)
    after = HostState.take(EMBEDDED_CHURN_MOUNTS, CHURN_DEVICES)
    assert host_before.differences(after) == []
    # What the comparison leaves out, checked for kind's own: no mount of the engine, no kind device.
    engine = EngineLayout()
    mounts = Path("/proc/self/mountinfo").read_text()
    assert f" {engine.run}/" not in mounts
    assert f" {engine.base}/" not in mounts
    assert not Path(f"/sys/class/net/{BRIDGE}").exists()
