"""The local cluster's network configuration keeps every packet on this machine, and pods find the DNS."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from podchaos.cluster.local import components, config, network
from podchaos.cluster.local.layout import ADDRESS_DEVICE, DNS_IP, OWN_NETWORKS, Layout

LAYOUT = Layout(Path("/nonexistent/state"), Path("/nonexistent/run"), Path("/nonexistent/cache"))


def _value(rule: list[str], flag: str) -> str | None:
    return rule[rule.index(flag) + 1] if flag in rule else None


def test_forwarding_accepts_pod_to_pod_between_the_bridges_only() -> None:
    rules = network.forward_rules(LAYOUT)
    accepted = [rule for rule in rules if rule[-1] == "ACCEPT"]
    bridges = {node.bridge for node in LAYOUT.nodes}
    assert {(_value(r, "-i"), _value(r, "-o")) for r in accepted} == {
        (a, b) for a in bridges for b in bridges
    }
    for rule in accepted:
        for flag in ("-s", "-d"):
            address = _value(rule, flag)
            assert address is not None, f"an ACCEPT rule without {flag}: {rule}"
            assert any(
                ipaddress.IPv4Network(address).subnet_of(ipaddress.IPv4Network(n)) for n in OWN_NETWORKS
            )
    assert rules[: len(accepted)] == accepted, "every ACCEPT comes before the DROPs"


def test_everything_else_touching_the_cluster_is_dropped() -> None:
    dropped = [rule for rule in network.forward_rules(LAYOUT) if rule[-1] == "DROP"]
    devices = {node.bridge for node in LAYOUT.nodes} | {ADDRESS_DEVICE}
    for flag, wanted in (
        ("-i", devices),
        ("-o", devices),
        ("-s", set(OWN_NETWORKS)),
        ("-d", set(OWN_NETWORKS)),
    ):
        assert {_value(rule, flag) for rule in dropped} >= wanted, f"{flag}: {dropped}"


def test_pods_get_routes_to_the_cluster_networks_and_no_default_route() -> None:
    for node in LAYOUT.nodes:
        ipam = json.loads(config.cni(node))["plugins"][0]["ipam"]
        routes = ipam["routes"]
        assert {route["dst"] for route in routes} == set(OWN_NETWORKS), routes
        assert all(route["gw"] == node.pod_gateway for route in routes), routes


def test_kubelets_point_pods_at_the_cluster_dns() -> None:
    node = LAYOUT.nodes[0]
    kubelet = json.loads(config.kubelet(node, Path("ca"), Path("crt"), Path("key"), Path("resolv")))
    assert kubelet["clusterDNS"] == [DNS_IP]
    assert kubelet["clusterDomain"] == "cluster.local"


def test_the_cluster_dns_answers_only_for_the_cluster() -> None:
    corefile = config.corefile(Path("/state/coredns.kubeconfig"))
    assert f"bind {DNS_IP}" in corefile
    assert "kubernetes cluster.local" in corefile
    assert "forward" not in corefile, "a forward would send queries off this machine"


def test_kube_proxy_never_opens_node_ports_beyond_the_node_addresses() -> None:
    argv = components.kube_proxy(LAYOUT).argv
    assert "--nodeport-addresses=10.250.0.0/24" in argv
    assert f"--proxy-mode={components.PROXY_MODE}" in argv
    assert "--cluster-cidr=10.251.0.0/16" in argv


def test_each_pod_bridge_has_its_own_locally_administered_unicast_address() -> None:
    macs = [network.bridge_mac(node.pod_gateway) for node in LAYOUT.nodes]
    assert len(set(macs)) == len(macs), macs
    for mac in macs:
        octets = [int(part, 16) for part in mac.split(":")]
        assert len(octets) == 6, mac
        assert all(0 <= octet <= 255 for octet in octets), mac
        assert octets[0] & 0x02, f"{mac} is not locally administered"
        assert not octets[0] & 0x01, f"{mac} is a multicast address"
    assert network.bridge_mac("10.251.1.1") == "02:50:43:fb:01:01"


def _device(sys_net: Path, name: str, address: str, assign_type: int) -> None:
    (sys_net / name).mkdir(parents=True)
    (sys_net / name / "address").write_text(address + "\n")
    (sys_net / name / "addr_assign_type").write_text(f"{assign_type}\n")


def test_a_bridge_address_counts_as_fixed_only_when_it_was_set(tmp_path: Path) -> None:
    mac = network.bridge_mac("10.251.1.1")
    _device(tmp_path, "set", mac, network.NET_ADDR_SET)
    # Equal by chance but taken from a port (NET_ADDR_STOLEN) or random: it would change with the ports.
    _device(tmp_path, "stolen", mac, 2)
    _device(tmp_path, "random", mac, 1)
    _device(tmp_path, "other", "02:50:43:fb:02:01", network.NET_ADDR_SET)
    assert network.bridge_mac_fixed("set", mac, tmp_path)
    for name in ("stolen", "random", "other", "missing"):
        assert not network.bridge_mac_fixed(name, mac, tmp_path), name


def test_bridges_get_their_fixed_address_once_and_announce_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys_net, sysctl = tmp_path / "net", tmp_path / "sys"
    first, second = LAYOUT.nodes[0], LAYOUT.nodes[1]
    _device(sys_net, first.bridge, "5a:00:00:00:00:07", 2)
    _device(sys_net, second.bridge, network.bridge_mac(second.pod_gateway), network.NET_ADDR_SET)
    for node in (first, second):
        (sysctl / f"net/ipv4/conf/{node.bridge}").mkdir(parents=True)
    ran: list[list[str]] = []
    monkeypatch.setattr(network, "SYS_NET", sys_net)
    monkeypatch.setattr(network, "SYSCTL", sysctl)

    def run(argv: Sequence[str], **_: object) -> str:
        ran.append(list(argv))
        return ""

    monkeypatch.setattr(network, "run", run)
    assert network.fix_bridge_addresses(LAYOUT) == [first.bridge]
    assert ran == [
        ["ip", "link", "set", "dev", first.bridge, "address", network.bridge_mac(first.pod_gateway)]
    ]
    for node in (first, second):
        assert (sysctl / f"net/ipv4/conf/{node.bridge}/arp_notify").read_text() == "1\n"
