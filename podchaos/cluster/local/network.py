"""The host side of the cluster network: pod bridges, routes, forwarding rules, and their removal.

The nodes share this machine's network namespace, each with a bridge for its pods. Pods reach the
other node's pods, Services and the cluster DNS through this host, so the host forwards between the
pod bridges. That forwarding is held to the cluster's own networks by a chain of ours at the top of
the ``FORWARD`` chain: pod to pod is accepted, anything else entering or leaving a cluster device or
network is dropped. The cluster's address ranges are routed to the port-less address device, so a
packet for an unused cluster address is dropped here instead of following the default route away.

Each bridge has an address of its own. A Linux bridge without one takes the lowest address of its
ports and changes it whenever the pod holding that one is deleted (or a pod with a lower one starts);
pods keep the gateway's old address in their ARP cache for up to a minute, and their packets to it are
flooded instead of delivered to this host. Service traffic survives that (the bridge rewrites the
destination of packets kube-proxy translated), but nothing else does: DNS queries to the cluster DNS
and pod to pod across nodes are lost for 5 to 15 s after each such change while pods come and go.

Everything added is found again by name: the chain, the devices (their routes go with them), the
kube-proxy tables, and the forwarding switches (saved before the first change, restored by ``down``).
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from podchaos.cluster.local.host import run, succeeds
from podchaos.cluster.local.layout import ADDRESS_DEVICE, CLUSTER_CIDR, OWN_NETWORKS, Layout

FORWARD_CHAIN = "PODCHAOS-FORWARD"
# The tables kube-proxy's nftables mode keeps all of its rules in (pkg/proxy/nftables/proxier.go).
PROXY_TABLES = (("ip", "kube-proxy"), ("ip6", "kube-proxy"))
SYSCTL = Path("/proc/sys")
SYS_NET = Path("/sys/class/net")
IP_FORWARD = "net/ipv4/ip_forward"


def forward_rules(layout: Layout) -> list[list[str]]:
    """The rules of our ``FORWARD`` chain, in order: pod to pod accepted, the rest of ours dropped.

    Other traffic returns to ``FORWARD`` untouched: the machine's own forwarding is not ours to judge.
    """
    bridges = [node.bridge for node in layout.nodes]
    rules = [
        [
            "-i",
            source,
            "-o",
            target,
            "-s",
            CLUSTER_CIDR,
            "-d",
            CLUSTER_CIDR,
            "-m",
            "comment",
            "--comment",
            "podchaos: pod to pod",
            "-j",
            "ACCEPT",
        ]
        for source in bridges
        for target in bridges
    ]
    why = ["-m", "comment", "--comment", "podchaos: nothing else in or out", "-j", "DROP"]
    for device in [*bridges, ADDRESS_DEVICE]:
        rules += [["-i", device, *why], ["-o", device, *why]]
    for network in OWN_NETWORKS:
        rules += [["-s", network, *why], ["-d", network, *why]]
    return rules


def bridge_mac(gateway: str) -> str:
    """The fixed, locally administered unicast address of the pod bridge whose address is ``gateway``.

    ``02:50:43`` then the gateway's last three bytes: one per node, and never a veth's (the kernel
    gives those random addresses, which could collide with it once in 2**40).
    """
    octets = [int(part) for part in gateway.split(".")]
    return "02:50:43:" + ":".join(f"{octet:02x}" for octet in octets[1:])


def _sysctl(name: str) -> Path:
    return SYSCTL / name


# /sys/class/net/<device>/addr_assign_type of an address set by hand (linux/netdevice.h NET_ADDR_SET):
# the only kind a bridge keeps when its ports change.
NET_ADDR_SET = 3


def bridge_mac_fixed(bridge: str, mac: str, sys_net: Path | None = None) -> bool:
    """True when ``bridge`` has the address ``mac`` and it was set, so it stays when ports come and go."""
    device = (SYS_NET if sys_net is None else sys_net) / bridge
    try:
        address = (device / "address").read_text().strip()
        assign_type = int((device / "addr_assign_type").read_text())
    except (OSError, ValueError):
        return False
    return address == mac and assign_type == NET_ADDR_SET


def _forwarding_saved(layout: Layout) -> Path:
    return layout.state / "ip-forward.before"


def ensure(layout: Layout) -> None:
    """Bridges, routes and forwarding rules for the pods of every node (idempotent).

    The bridges are made here rather than by the CNI plugin at the first pod, so that forwarding is
    switched on for them (and only them) before any pod sends a packet.
    """
    saved = _forwarding_saved(layout)
    if not saved.exists():
        # The CNI bridge plugin switches on forwarding for the whole machine; down puts it back.
        saved.write_text(_sysctl(IP_FORWARD).read_text())
    for node in layout.nodes:
        if run(["ip", "-o", "link", "show", node.bridge], check=False).strip() == "":
            run(["ip", "link", "add", node.bridge, "address", bridge_mac(node.pod_gateway), "type", "bridge"])
        present = run(["ip", "-o", "-4", "addr", "show", "dev", node.bridge])
        if f" {node.pod_gateway}/" not in present:
            run(["ip", "addr", "add", f"{node.pod_gateway}/24", "dev", node.bridge])
        run(["ip", "link", "set", node.bridge, "up"])
        _sysctl(f"net/ipv4/conf/{node.bridge}/forwarding").write_text("1\n")
    fix_bridge_addresses(layout)
    for network in OWN_NETWORKS:
        run(["ip", "route", "replace", network, "dev", ADDRESS_DEVICE])
    if not succeeds(["iptables", "-t", "filter", "-n", "-L", FORWARD_CHAIN]):
        run(["iptables", "-t", "filter", "-N", FORWARD_CHAIN])
    run(["iptables", "-t", "filter", "-F", FORWARD_CHAIN])
    for rule in forward_rules(layout):
        run(["iptables", "-t", "filter", "-A", FORWARD_CHAIN, *rule])
    if not succeeds(["iptables", "-t", "filter", "-C", "FORWARD", "-j", FORWARD_CHAIN]):
        run(["iptables", "-t", "filter", "-I", "FORWARD", "1", "-j", FORWARD_CHAIN])


def fix_bridge_addresses(layout: Layout) -> list[str]:
    """Give every existing pod bridge its fixed address (idempotent); returns the bridges changed.

    A bridge of a cluster started before the addresses were fixed changes once, here; arp_notify has
    the kernel announce the change with a gratuitous ARP, so that its pods take the new address at once.
    """
    changed = []
    for node in layout.nodes:
        if not (SYS_NET / node.bridge).exists():
            continue
        _sysctl(f"net/ipv4/conf/{node.bridge}/arp_notify").write_text("1\n")
        mac = bridge_mac(node.pod_gateway)
        if not bridge_mac_fixed(node.bridge, mac):
            run(["ip", "link", "set", "dev", node.bridge, "address", mac])
            changed.append(node.bridge)
    return changed


@dataclass(frozen=True)
class HostNetworkState:
    """What the cluster has added to the host's packet filter: our chain's rules, kube-proxy's tables."""

    forward_chain: tuple[str, ...]
    forward_jumps: tuple[str, ...]
    proxy_tables: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.forward_chain or self.forward_jumps or self.proxy_tables)


def proxy_tables() -> list[str]:
    """The kube-proxy nftables tables present, as ``family name``."""
    if shutil.which("nft") is None:
        return []
    listed = run(["nft", "list", "tables"], check=False).splitlines()
    present = {" ".join(line.split()[1:3]) for line in listed if line.startswith("table ")}
    return [f"{family} {name}" for family, name in PROXY_TABLES if f"{family} {name}" in present]


def host_state() -> HostNetworkState:
    """Our forward chain, the jumps to it, and kube-proxy's tables, as present now."""
    rules = run(["iptables", "-t", "filter", "-S"], check=False).splitlines()
    chain = tuple(rule for rule in rules if rule.split()[1:2] == [FORWARD_CHAIN])
    jumps = tuple(rule for rule in rules if rule.endswith(f"-j {FORWARD_CHAIN}"))
    return HostNetworkState(chain, jumps, tuple(proxy_tables()))


def remove(layout: Layout, proxy_running: bool) -> None:
    """Remove our chain and, unless a kube-proxy still runs, kube-proxy's tables; restore forwarding."""
    for jump in host_state().forward_jumps:
        run(["iptables", "-t", "filter", "-D", *shlex.split(jump)[1:]], check=False)
    if succeeds(["iptables", "-t", "filter", "-n", "-L", FORWARD_CHAIN]):
        run(["iptables", "-t", "filter", "-F", FORWARD_CHAIN], check=False)
        run(["iptables", "-t", "filter", "-X", FORWARD_CHAIN], check=False)
    if not proxy_running:
        for table in proxy_tables():
            run(["nft", "delete", "table", *table.split()], check=False)
    saved = _forwarding_saved(layout)
    with contextlib.suppress(FileNotFoundError):
        _sysctl(IP_FORWARD).write_text(saved.read_text())
        saved.unlink()
