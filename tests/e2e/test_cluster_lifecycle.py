"""The embedded local cluster's own lifecycle: ``status``, an idempotent ``up``, and recovery from a crash.

These tests act on the cluster's daemons, so they are ``disruptive``: run them last and never alongside
other tests using the cluster. Every test leaves the cluster up and healthy, even when it fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from podchaos.cluster.local.cluster import LocalCluster, LocalStatus
from podchaos.cluster.provider import ClusterAccess

pytestmark = pytest.mark.disruptive

COMPONENTS = {
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "containerd-podchaos-node-1",
    "kubelet-podchaos-node-1",
    "containerd-podchaos-node-2",
    "kubelet-podchaos-node-2",
}
NODE_NAMES = {"podchaos-node-1", "podchaos-node-2"}
UP_WHEN_HEALTHY_LIMIT = 15.0
RECOVERY_LIMIT = 300.0


def progress(message: str) -> None:
    print(f"  up: {message}", flush=True)


def daemon_pids(status: LocalStatus) -> dict[str, int | None]:
    return {component.name: component.pid for component in status.components}


@dataclass
class Afterwards:
    """The local cluster, and namespaces to delete once it is healthy again."""

    cluster: LocalCluster
    namespaces: list[str] = field(default_factory=list)


@pytest.fixture
def healthy_afterwards(
    local_cluster: ClusterAccess, core: client.CoreV1Api, e2e: Any
) -> Iterator[Afterwards]:
    """Whatever the test did to the cluster, it is brought back up afterwards, then its namespaces go."""
    afterwards = Afterwards(LocalCluster(progress=progress))
    try:
        yield afterwards
    finally:
        status = afterwards.cluster.up()
        assert status.healthy, f"the cluster is not healthy after the test: {status}"
        for name in afterwards.namespaces:
            e2e.delete_namespace(core, name)  # a purged cluster has lost them already: fine


def test_status_lists_every_component_with_its_log_and_the_kubeconfig(
    local_cluster: ClusterAccess,
) -> None:
    status = LocalCluster().status()

    names = [component.name for component in status.components]
    assert sorted(names) == sorted(COMPONENTS), f"components: {names}"
    not_running = [c.name for c in status.components if c.pid is None]
    assert not not_running, f"components not running: {not_running}"
    no_log = [f"{c.name}: {c.log}" for c in status.components if not c.log.is_file()]
    assert not no_log, f"log files missing: {no_log}"
    empty = [c.name for c in status.components if c.log.stat().st_size == 0]
    assert not empty, f"empty logs: {empty}"

    assert status.kubeconfig == local_cluster.kubeconfig, (
        f"status names kubeconfig {status.kubeconfig}, the session uses {local_cluster.kubeconfig}"
    )
    assert status.kubeconfig.is_file(), f"kubeconfig {status.kubeconfig} does not exist"
    assert status.log_dir.is_dir(), f"log dir {status.log_dir} missing"
    assert status.state_dir.is_dir(), f"state dir {status.state_dir} missing"
    assert status.server_version == "v1.35.4", f"server version {status.server_version!r}"
    assert {n.name for n in status.nodes} == NODE_NAMES, f"nodes: {status.nodes}"
    assert status.healthy, f"status not healthy: {status}"


def test_up_on_a_healthy_cluster_is_quick_and_keeps_the_daemons(
    local_cluster: ClusterAccess,
) -> None:
    cluster = LocalCluster(progress=progress)
    before = daemon_pids(cluster.status())
    assert all(before.values()), f"cluster not fully running before the test: {before}"

    started = time.monotonic()
    status = cluster.up()
    elapsed = time.monotonic() - started
    print(f"up() on a healthy cluster took {elapsed:.2f}s")

    assert elapsed < UP_WHEN_HEALTHY_LIMIT, f"up() on a healthy cluster took {elapsed:.1f}s"
    assert status.healthy, f"up() returned an unhealthy status: {status}"
    after = daemon_pids(status)
    assert after == before, f"up() replaced daemons of a healthy cluster: before {before}, after {after}"
    assert daemon_pids(cluster.status()) == before, "daemon PIDs changed after up()"


def _gone(pid: int) -> bool:
    """True once ``pid`` no longer exists: exited and reaped (by us if our child, else by its parent)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    return not Path(f"/proc/{pid}").exists()


def _container_init_pid(container_id: str) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if container_id not in (entry / "cgroup").read_text():
                continue
            status = (entry / "status").read_text()
        except OSError:
            continue
        nspid = next((line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:")), [])
        if nspid and nspid[-1] == "1":
            return int(entry.name)
    return None


def test_up_recovers_from_a_killed_cluster(
    healthy_afterwards: LocalCluster, core: client.CoreV1Api, e2e: Any
) -> None:
    cluster = healthy_afterwards.cluster

    # A workload running at the time of the crash: its container, shim, mounts and network namespace
    # outlive the killed daemons and must be cleaned away by the next up().
    before_ns = e2e.namespace_name("crash-before")
    healthy_afterwards.namespaces.append(before_ns)
    e2e.create_namespace(core, before_ns)
    probe = e2e.ready_file_probe()
    container = e2e.busybox_container("main", "touch /tmp/ready; exec sleep 3600", readinessProbe=probe)
    core.create_namespaced_pod(before_ns, e2e.pod_manifest("survivor", [container]))
    pod = e2e.wait_pod_ready(core, before_ns, "survivor", 90)
    stale_pid = _container_init_pid(pod.status.container_statuses[0].container_id.split("://", 1)[1])
    assert stale_pid is not None, "could not find the pre-crash container's process"

    pids = daemon_pids(cluster.status())
    assert set(pids) == COMPONENTS, f"components: {sorted(pids)}"
    assert all(pids.values()), f"not every daemon runs before the crash: {pids}"
    for pid in pids.values():
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(_gone(pid) for pid in pids.values() if pid):
        time.sleep(0.1)
    alive = {name: pid for name, pid in pids.items() if pid and not _gone(pid)}
    assert not alive, f"daemons not gone 15s after SIGKILL: {alive}"
    crashed = cluster.status()
    assert not crashed.healthy, f"status still healthy after the crash: {crashed}"
    assert all(c.pid is None for c in crashed.components), f"status reports dead daemons running: {crashed}"
    assert not _gone(stale_pid), "the pre-crash container died with the daemons (nothing stale to clean)"

    started = time.monotonic()
    status = cluster.up()
    recovery = time.monotonic() - started
    print(f"recovery after SIGKILL of every daemon: up() took {recovery:.1f}s")

    assert recovery < RECOVERY_LIMIT, f"recovery took {recovery:.0f}s"
    assert status.healthy, f"up() after the crash returned an unhealthy cluster: {status}"
    new_pids = daemon_pids(status)
    reused = {name for name, pid in new_pids.items() if pid == pids[name]}
    assert not reused, f"daemons report their pre-crash PIDs: {reused}"
    assert _gone(stale_pid), f"the pre-crash container (PID {stale_pid}) still runs after up()"

    nodes = {n.metadata.name: n for n in core.list_node().items}
    assert set(nodes) == NODE_NAMES, f"nodes after recovery: {sorted(nodes)}"
    not_ready = [name for name, node in nodes.items() if not e2e.is_ready(node)]
    assert not not_ready, f"nodes not Ready after recovery: {not_ready}"

    after_ns = e2e.namespace_name("crash-after")
    healthy_afterwards.namespaces.append(after_ns)
    e2e.create_namespace(core, after_ns)
    core.create_namespaced_pod(after_ns, e2e.pod_manifest("fresh", [container]))
    fresh = e2e.wait_pod_ready(core, after_ns, "fresh", 90)
    print(f"new pod Ready on {fresh.spec.node_name} ({fresh.status.pod_ip}) after recovery")
