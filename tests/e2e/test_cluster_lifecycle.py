"""The embedded local cluster's own lifecycle: ``status``, an idempotent ``up``, and recovery from a crash.

These tests act on the cluster's daemons, so they are ``disruptive``: run them last and never alongside
other tests using the cluster. Every test leaves the cluster up and healthy, even when it fails.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from podchaos.cluster.local import network, teardown
from podchaos.cluster.local.cluster import LocalCluster
from podchaos.cluster.local.layout import ADDRESS_DEVICE, OWN_NETWORKS, Layout
from podchaos.cluster.local.status import LocalStatus
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
    "kube-proxy",
    "coredns",
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
    wanted = LocalCluster().layout.kubernetes_version
    assert status.server_version == wanted, f"server version {status.server_version!r}, not {wanted}"
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


def _kill_every_daemon(cluster: LocalCluster) -> dict[str, int | None]:
    """SIGKILL every daemon of the cluster, as a crash would; returns their PIDs."""
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
    return pids


def test_up_recovers_from_a_killed_cluster(
    healthy_afterwards: Afterwards, core: client.CoreV1Api, e2e: Any
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
    stale_container = pod.status.container_statuses[0].container_id
    stale_pid = _container_init_pid(stale_container.split("://", 1)[1])
    assert stale_pid is not None, "could not find the pre-crash container's process"
    stale_netns = _netns_of(stale_pid)
    assert stale_netns, f"the pre-crash pod's network namespace is not under {NETNS_DIR}"

    pids = _kill_every_daemon(cluster)
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
    left = stale_netns & {entry.name for entry in NETNS_DIR.iterdir()}
    assert not left, f"the pre-crash pod's network namespace {sorted(left)} is still there after up()"

    # The restart keeps the cluster's data, as a rebooted machine would: the pod object survives
    # (same UID) and its kubelet runs it again in a new container.
    def rerun(waiter: Any) -> Any:
        now = core.read_namespaced_pod("survivor", before_ns)  # 404 here: the data was purged
        waiter.last_seen = e2e.describe_pod(now)
        statuses = (now.status and now.status.container_statuses) or []
        renewed = bool(statuses) and statuses[0].container_id != stale_container
        return now if renewed and e2e.is_ready(now) else None

    back = e2e.wait("the pre-crash pod to run again in a new container", 120).until(rerun)
    assert back.metadata.uid == pod.metadata.uid, "the pre-crash pod object was replaced"

    nodes = {e2e.name_of(n): n for n in core.list_node().items}
    assert set(nodes) == NODE_NAMES, f"nodes after recovery: {sorted(nodes)}"
    not_ready = [name for name, node in nodes.items() if not e2e.is_ready(node)]
    assert not not_ready, f"nodes not Ready after recovery: {not_ready}"

    after_ns = e2e.namespace_name("crash-after")
    healthy_afterwards.namespaces.append(after_ns)
    e2e.create_namespace(core, after_ns)
    core.create_namespaced_pod(after_ns, e2e.pod_manifest("fresh", [container]))
    fresh = e2e.wait_pod_ready(core, after_ns, "fresh", 90)
    print(f"new pod Ready on {fresh.spec.node_name} ({fresh.status.pod_ip}) after recovery")

    _assert_routing_and_dns(core, e2e, after_ns, "fresh")


def _assert_routing_and_dns(core: client.CoreV1Api, e2e: Any, namespace: str, pod: str) -> None:
    """Routing and DNS are back: the forwarding rules, kube-proxy's tables, the cluster's routes, and
    the kubernetes Service's name resolved and answered through kube-proxy from a new pod."""
    _assert_host_network_complete()
    name = "kubernetes.default.svc.cluster.local"
    lookup = e2e.exec_in(core, namespace, pod, ["nslookup", name])
    assert lookup.exit_code == 0, f"nslookup {name} after recovery: {lookup}"
    assert "10.252.0.1" in lookup.stdout, f"nslookup {name} after recovery: {lookup}"
    connect = e2e.exec_in(core, namespace, pod, ["sh", "-c", "echo | timeout 5 nc kubernetes.default 443"])
    assert connect.exit_code == 0, f"the kubernetes Service does not answer after recovery: {connect}"


# --- down ----------------------------------------------------------------------------------------------


def _cluster_routes() -> list[str]:
    """Routes of the host's main table to the cluster's own networks (or inside them)."""
    listed = subprocess.run(["ip", "-4", "route", "show"], capture_output=True, text=True, check=True).stdout
    ours = [ipaddress.IPv4Network(network) for network in OWN_NETWORKS]
    found = []
    for line in listed.splitlines():
        destination = line.split()[0]
        with contextlib.suppress(ValueError):
            if any(ipaddress.IPv4Network(destination).subnet_of(network) for network in ours):
                found.append(line)
    return found


def _assert_host_network_complete() -> None:
    state = network.host_state()
    assert state.forward_jumps, f"no jump to {network.FORWARD_CHAIN} in FORWARD: {state}"
    assert len(state.forward_chain) > 1, f"{network.FORWARD_CHAIN} has no rules: {state}"
    assert "ip kube-proxy" in state.proxy_tables, f"kube-proxy's nftables table is missing: {state}"
    routes = " | ".join(_cluster_routes())
    for destination in OWN_NETWORKS:
        assert f"{destination} dev {ADDRESS_DEVICE}" in routes, f"no route {destination}: {routes}"


NETNS_DIR = Path("/run/netns")
NET_DEVICES = Path("/sys/class/net")
CGROUP_BASE = Path("/sys/fs/cgroup")
KERNEL_CLEANUP_TIMEOUT = 15.0


def _alive(pid: int, started: str) -> bool:
    """True while ``pid`` is the same process (same start time) and not a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] not in {"Z", "X"} and fields[19] == started


def _start_time(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]


def _own_lineage() -> set[int]:
    """This process and its ancestors: their command lines may name the state dir, yet are not the cluster."""
    lineage, pid = set(), os.getpid()
    while pid > 0 and pid not in lineage:
        lineage.add(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            break
    return lineage


def _processes_naming(*roots: Path) -> dict[int, str]:
    """Live processes (not this test's lineage) whose command line names a path under ``roots``."""
    needles = tuple(str(root) for root in roots)
    mine = _own_lineage()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(needle in cmdline for needle in needles):
            found[int(entry.name)] = cmdline.strip()
    return found


def _mounts_under(*roots: Path) -> list[str]:
    """Mount points at or below ``roots``, from this mount namespace's mountinfo (octal escapes decoded)."""
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
        if any(point == str(root) or point.startswith(f"{root}/") for root in roots):
            points.append(point)
    return points


def _netns_with_pod_address(layout: Layout) -> set[str]:
    """Named network namespaces holding an address of a node's pod range (the cluster's pod sandboxes)."""
    ranges = [ipaddress.ip_network(node.pod_cidr) for node in layout.nodes]
    owned = set()
    for entry in NETNS_DIR.iterdir() if NETNS_DIR.is_dir() else ():
        listing = subprocess.run(
            ["ip", "-n", entry.name, "-4", "-o", "addr", "show"], capture_output=True, text=True, check=False
        ).stdout
        addresses = re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", listing)
        if any(ipaddress.ip_address(a) in net for a in addresses for net in ranges):
            owned.add(entry.name)
    return owned


def _netns_of(pid: int) -> set[str]:
    """The /run/netns names bound to the network namespace of ``pid`` (same nsfs inode)."""
    inode = os.stat(f"/proc/{pid}/ns/net").st_ino
    return {entry.name for entry in NETNS_DIR.iterdir() if entry.stat().st_ino == inode}


def _cgroup_processes(cgroup_root: str) -> dict[str, list[str]]:
    """Non-empty ``cgroup.procs`` files below ``cgroup_root`` in every hierarchy (v1 and v2)."""
    hierarchies = [CGROUP_BASE, *(p for p in CGROUP_BASE.iterdir() if p.is_dir() and not p.is_symlink())]
    busy = {}
    for hierarchy in hierarchies:
        top = hierarchy / cgroup_root.strip("/")
        if not top.is_dir():
            continue
        for procs in top.rglob("cgroup.procs"):
            with contextlib.suppress(OSError):
                if pids := procs.read_text().split():
                    busy[str(procs)] = pids
    return busy


@dataclass
class BeforeDown:
    """What the running cluster has on this machine, recorded before ``down`` to check it is gone after."""

    daemons: dict[str, tuple[int, str]]  # component -> (PID, start time)
    workload: dict[int, str]  # containers' and shims' PID -> start time
    pod_netns: set[str]
    veths: set[str]
    ip_forward: str  # the machine's forwarding switch before the cluster first changed it


def _pod_on_each_node(layout: Layout, namespace: str, core: client.CoreV1Api, e2e: Any) -> dict[int, str]:
    """Start a Ready pod on every node; returns its container's PID -> start time."""
    probe = e2e.ready_file_probe()
    container = e2e.busybox_container("main", "touch /tmp/ready; exec sleep 3600", readinessProbe=probe)
    pids = {}
    for node in layout.nodes:
        name = f"on-{node.index}"
        core.create_namespaced_pod(namespace, e2e.pod_manifest(name, [container], nodeName=node.name))
        pod = e2e.wait_pod_ready(core, namespace, name, 90)
        pid = _container_init_pid(pod.status.container_statuses[0].container_id.split("://", 1)[1])
        assert pid is not None, f"could not find the process of pod {name} on {node.name}"
        pids[pid] = _start_time(pid)
    return pids


def _record_before_down(cluster: LocalCluster, containers: dict[int, str]) -> BeforeDown:
    """Snapshot what down must remove; each part must be non-empty or its check after down proves nothing."""
    layout = cluster.layout
    daemons = {c.name: c.pid for c in cluster.status().components}
    assert set(daemons) == COMPONENTS, f"components: {sorted(daemons)}"
    assert all(daemons.values()), f"not every daemon runs: {daemons}"
    naming = _processes_naming(layout.state, layout.run)
    shims = {pid: _start_time(pid) for pid, cmd in naming.items() if "containerd-shim" in cmd}
    assert shims, f"no containerd shim names {layout.run}: {naming}"
    assert _mounts_under(layout.state, layout.run), f"no mounts under {layout.state} or {layout.run}"
    pod_netns = {name for pid in containers for name in _netns_of(pid)}
    assert len(pod_netns) == len(layout.nodes), f"pods' network namespaces in {NETNS_DIR}: {pod_netns}"
    assert pod_netns <= _netns_with_pod_address(layout), f"pod netns {pod_netns} hold no pod address"
    veths = {port.name for node in layout.nodes for port in (NET_DEVICES / node.bridge / "brif").iterdir()}
    assert veths, "no veth attached to the node bridges"
    empty = [node.cgroup_root for node in layout.nodes if not _cgroup_processes(node.cgroup_root)]
    assert not empty, f"node cgroup roots without processes before down: {empty}"
    tables = teardown.kubelet_chains()
    filter_chains = {
        chain for t in tables if (t.binary, t.table) == ("iptables", "filter") for chain in t.chains
    }
    assert "KUBE-FIREWALL" in filter_chains, f"no kubelet chains: {tables}"
    _assert_host_network_complete()
    saved = layout.state / "ip-forward.before"
    assert saved.is_file(), f"{saved} does not hold the forwarding switch from before the cluster"
    return BeforeDown(
        daemons={name: (pid, _start_time(pid)) for name, pid in daemons.items() if pid},
        workload={**containers, **shims},
        pod_netns=pod_netns,
        veths=veths,
        ip_forward=saved.read_text(),
    )


def _assert_nothing_left(layout: Layout, before: BeforeDown, e2e: Any) -> None:
    alive = {name: pid for name, (pid, start) in before.daemons.items() if _alive(pid, start)}
    assert not alive, f"daemons still running after down: {alive}"
    pid_files = sorted(str(p) for p in layout.pids.glob("*")) if layout.pids.is_dir() else []
    assert not pid_files, f"pid files left: {pid_files}"
    survivors = sorted(pid for pid, start in before.workload.items() if _alive(pid, start))
    assert not survivors, f"containers or shims still running after down: {survivors}"
    naming = _processes_naming(layout.state, layout.run)
    assert not naming, f"processes naming {layout.state} or {layout.run} after down: {naming}"

    roots = (layout.state, layout.run, *(node.kubelet_root for node in layout.nodes))
    mounts = _mounts_under(*roots, *(NETNS_DIR / name for name in before.pod_netns))
    assert not mounts, f"mounts left after down: {mounts}"

    devices = {ADDRESS_DEVICE, *(node.bridge for node in layout.nodes), *before.veths}

    # Veths vanish once the kernel has released the pods' network namespaces: that is asynchronous.
    def network_gone(waiter: Any) -> bool | None:
        present = sorted(name for name in devices if (NET_DEVICES / name).exists())
        named = {entry.name for entry in NETNS_DIR.iterdir()} if NETNS_DIR.is_dir() else set()
        namespaces = sorted((before.pod_netns & named) | _netns_with_pod_address(layout))
        waiter.last_seen = f"devices {present}, network namespaces {namespaces}"
        return True if not present and not namespaces else None

    e2e.wait("down's network devices and namespaces to be gone", KERNEL_CLEANUP_TIMEOUT).until(network_gone)

    busy = {node.cgroup_root: _cgroup_processes(node.cgroup_root) for node in layout.nodes}
    assert not any(busy.values()), f"processes left in node cgroups after down: {busy}"
    chains = teardown.kubelet_chains()
    assert not chains, f"kubelet iptables chains left after down: {chains}"
    state = network.host_state()
    assert state.empty, f"forwarding rules or kube-proxy tables left after down: {state}"
    routes = _cluster_routes()
    assert not routes, f"routes to the cluster's networks left after down: {routes}"
    forwarding = Path("/proc/sys/net/ipv4/ip_forward").read_text()
    assert forwarding == before.ip_forward, (
        f"ip_forward {forwarding!r} after down, {before.ip_forward!r} before"
    )


def test_down_leaves_no_process_mount_device_namespace_or_cgroup_behind(
    healthy_afterwards: Afterwards, core: client.CoreV1Api, e2e: Any
) -> None:
    cluster = healthy_afterwards.cluster
    namespace = e2e.namespace_name("down-cleans")
    healthy_afterwards.namespaces.append(namespace)
    e2e.create_namespace(core, namespace)
    # A pod on each node, so that down has containers, shims, mounts, veths and namespaces to remove.
    containers = _pod_on_each_node(cluster.layout, namespace, core, e2e)
    before = _record_before_down(cluster, containers)

    started = time.monotonic()
    cluster.down()
    print(f"down() took {time.monotonic() - started:.1f}s")
    _assert_nothing_left(cluster.layout, before, e2e)

    started = time.monotonic()
    status = cluster.up()
    print(f"up() after down took {time.monotonic() - started:.1f}s")
    assert status.healthy, f"up() after down returned an unhealthy cluster: {status}"
    ready = {node.name for node in status.nodes if node.ready}
    assert ready == NODE_NAMES, f"Ready nodes after up: {sorted(ready)}; status: {status.nodes}"
    nodes = {e2e.name_of(n): e2e.is_ready(n) for n in core.list_node().items}
    assert nodes == dict.fromkeys(NODE_NAMES, True), f"nodes seen through the session's client: {nodes}"
