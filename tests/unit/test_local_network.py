"""The local cluster's network configuration keeps every packet on this machine, and pods find the DNS."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

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
