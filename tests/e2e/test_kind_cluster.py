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
from podchaos.cluster.kindhost.engine import EngineLayout
from podchaos.report.json_report import load_report

CLUSTER = "podchaos-e2e"
CONTEXT = f"kind-{CLUSTER}"
SCENARIOS = (
    "sidecar-kill",
    "node-drain-with-pdb",
    "traffic-graceful-shutdown",
    "statefulset-pod-delete-keeps-claim",
)
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
    return HostState.take(ignore_mounts_under=(str(EngineLayout().run),))


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
        started = time.monotonic()
        env.kind_command("delete", "cluster", "--name", CLUSTER, timeout=300)
        timings["kind_delete_s"] = time.monotonic() - started
        if env.engine is not None:
            env.engine.stop()
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
        timeout=1200,
    )
    kind_cluster.timings["scenarios_s"] = time.monotonic() - started
    report = pytester.path / "out" / "results.json"
    if report.exists():
        for run in load_report(report).runs:
            kind_cluster.timings[f"scenario {run.result.scenario} s"] = run.result.duration_s
    result.assert_outcomes(passed=len(SCENARIOS))


def test_host_unchanged_after_delete(kind_cluster: KindCluster, host_before: HostState) -> None:
    """Runs last in this module: deletes the cluster and stops the engine itself, then compares."""
    env = kind_cluster.environment
    env.kind_command("delete", "cluster", "--name", CLUSTER, timeout=300)
    if env.engine is not None:
        env.engine.stop()
    after = HostState.take(ignore_mounts_under=(str(EngineLayout().run),))
    assert host_before.differences(after) == []
