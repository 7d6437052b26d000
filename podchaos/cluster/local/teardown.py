"""Remove everything a local cluster node left on the machine, whether it stopped cleanly or was killed.

Order matters: the kubelet first (it would restart what we kill), then the containers and their
shims (they outlive containerd), then containerd, then mounts, network namespaces, the bridge and
the cgroups. Every step finds its targets by something only this cluster owns: the node's cgroup
root, its containerd socket path, its directories, its pod address range.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shlex
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.local.host import delete_link, run
from podchaos.cluster.local.layout import NodeLayout
from podchaos.cluster.local.process import pids_matching

CGROUP_BASE = Path("/sys/fs/cgroup")
NETNS_DIR = Path("/run/netns")
# Chains every kubelet adds to the host's tables (pkg/kubelet/kubelet_network_linux.go), per table.
KUBELET_CHAINS = {
    "filter": ("KUBE-FIREWALL", "KUBE-KUBELET-CANARY"),
    "nat": ("KUBE-KUBELET-CANARY",),
    "mangle": ("KUBE-IPTABLES-HINT", "KUBE-KUBELET-CANARY"),
}


def container_pids(cgroup_root: str) -> list[int]:
    """Processes inside a node's cgroup root (its pods' containers and sandboxes), in any hierarchy."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            lines = (entry / "cgroup").read_text().splitlines()
        except OSError:
            continue
        # Lines look like "12:memory:/podchaos-node-1/kubepods/..." (v1) or "0::/..." (v2).
        paths = (line.split(":", 2)[2] for line in lines if line.count(":") >= 2)
        if any(path == cgroup_root or path.startswith(cgroup_root + "/") for path in paths):
            found.append(int(entry.name))
    return found


def kill_all(pids: list[int]) -> None:
    """SIGKILL and wait briefly for the processes to disappear."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.1)


def kill_node_workloads(node: NodeLayout) -> None:
    """Kill the node's containers, then the containerd shims serving them."""
    kill_all(container_pids(node.cgroup_root))
    kill_all(pids_matching(["-address", str(node.containerd_socket)]))


def mounts_under(*roots: Path) -> list[str]:
    """Mount points below any of ``roots``, deepest first."""
    prefixes = tuple(str(root).rstrip("/") + "/" for root in roots)
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        # mountinfo escapes space, tab, newline and backslash as octal (a space is \040).
        point = re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), line.split()[4])
        if point.startswith(prefixes) or point in {p.rstrip("/") for p in prefixes}:
            points.append(point)
    return sorted(set(points), key=lambda p: p.count("/"), reverse=True)


def unmount_all(*roots: Path) -> None:
    """Unmount everything below ``roots`` (lazily if busy)."""
    for point in mounts_under(*roots):
        run(["umount", point], check=False)
        if point in mounts_under(*roots):
            run(["umount", "-l", point], check=False)


def pod_netns_of(node: NodeLayout) -> list[str]:
    """CNI network namespaces holding an address of the node's pod range."""
    network = ipaddress.ip_network(node.pod_cidr)
    owned: list[str] = []
    if not NETNS_DIR.is_dir():
        return owned
    for entry in NETNS_DIR.iterdir():
        if not entry.name.startswith("cni-"):
            continue
        listing = run(["ip", "-n", entry.name, "-4", "-o", "addr", "show"], check=False)
        for word in listing.split():
            if "/" in word and _in_network(word.split("/")[0], network):
                owned.append(entry.name)
                break
    return owned


def _in_network(text: str, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        return ipaddress.ip_address(text) in network
    except ValueError:
        return False


def remove_pod_netns(node: NodeLayout) -> None:
    for name in pod_netns_of(node):
        run(["ip", "netns", "delete", name], check=False)


def remove_cgroups(cgroup_root: str) -> None:
    """Remove the node's cgroup tree in every hierarchy, leaves first."""
    relative = cgroup_root.strip("/")
    for hierarchy in [CGROUP_BASE, *sorted(p for p in CGROUP_BASE.iterdir() if p.is_dir())]:
        top = hierarchy / relative
        if not top.is_dir():
            continue
        for directory in sorted(
            (p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
        ):
            _rmdir(directory)
        _rmdir(top)


def _rmdir(path: Path) -> None:
    # A cgroup still holding a process cannot be removed; the next teardown tries again.
    with contextlib.suppress(OSError):
        path.rmdir()


def clean_node(node: NodeLayout) -> None:
    """Everything after the daemons are stopped: mounts, namespaces, bridge, cgroups."""
    unmount_all(node.dir, node.run / node.name)
    remove_pod_netns(node)
    delete_link(node.bridge)
    remove_cgroups(node.cgroup_root)


def ensure_cgroup_root(cgroup_root: str) -> None:
    """Create the node's cgroup root in every cgroup v1 hierarchy (kubelet expects it to exist)."""
    relative = cgroup_root.strip("/")
    if (CGROUP_BASE / "cgroup.controllers").exists():
        (CGROUP_BASE / relative).mkdir(exist_ok=True)
        return
    for hierarchy in sorted(p for p in CGROUP_BASE.iterdir() if p.is_dir() and not p.is_symlink()):
        (hierarchy / relative).mkdir(exist_ok=True)


def process_running(command: str) -> bool:
    """True while a process of this command name runs on this machine (ours or another's)."""
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == command:
                return True
    return False


def kubelet_running() -> bool:
    """True while any kubelet runs on this machine (ours or another's)."""
    return process_running("kubelet")


@dataclass(frozen=True)
class KubeletChains:
    """The kubelet chains present in one table, with that table's rules as ``-S`` prints them."""

    binary: str
    table: str
    chains: tuple[str, ...]
    rules: tuple[str, ...]


def kubelet_chains() -> list[KubeletChains]:
    """The tables of iptables and ip6tables that hold kubelet chains."""
    present = []
    for binary in ("iptables", "ip6tables"):
        if shutil.which(binary) is None:
            continue
        for table, chains in KUBELET_CHAINS.items():
            rules = tuple(run([binary, "-t", table, "-S"], check=False).splitlines())
            found = tuple(chain for chain in chains if f"-N {chain}" in rules)
            if found:
                present.append(KubeletChains(binary, table, found, rules))
    return present


def remove_kubelet_chains() -> None:
    """Remove the kubelet chains (and the jumps to them) once no kubelet runs: the host's tables are
    left as they were before the cluster started. Another kubelet on the machine keeps its chains."""
    if kubelet_running():
        return
    for found in kubelet_chains():
        command = [found.binary, "-t", found.table]
        for rule in found.rules:
            words = shlex.split(rule)
            jumps_to_ours = words[-2:-1] == ["-j"] and words[-1] in found.chains
            if words[:1] == ["-A"] and words[1] not in found.chains and jumps_to_ours:
                run([*command, "-D", *words[1:]], check=False)
        for chain in found.chains:
            run([*command, "-F", chain], check=False)
            run([*command, "-X", chain], check=False)
