"""The files the local cluster's daemons read: certificates, kubeconfigs, the cluster DNS's Corefile
and access, and each node's kubelet, containerd and CNI configuration."""

from __future__ import annotations

from typing import Any

from podchaos.cluster.local import config
from podchaos.cluster.local.layout import CONTROL_PLANE_IP, SERVICE_IP, Layout
from podchaos.cluster.local.pki import CertificateAuthority, CertRequest

COREDNS_USER = "podchaos:coredns"


def coredns_access() -> list[tuple[str, dict[str, Any]]]:
    """(API collection, object): what the cluster DNS may read, as kubeadm grants its CoreDNS."""
    rbac = "/apis/rbac.authorization.k8s.io/v1"
    meta = {"name": COREDNS_USER}
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": meta,
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["endpoints", "services", "pods", "namespaces"],
                "verbs": ["list", "watch"],
            },
            {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": COREDNS_USER},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": COREDNS_USER}],
    }
    return [(f"{rbac}/clusterroles", role), (f"{rbac}/clusterrolebindings", binding)]


def prepare_files(layout: Layout, ca: CertificateAuthority) -> None:
    """Write what the daemons read: certificates, kubeconfigs, the DNS and node configurations."""
    for directory in (layout.logs, layout.pids, layout.control_plane):
        directory.mkdir(parents=True, exist_ok=True)
    ca.ensure()
    pki = layout.pki
    ca.issue(
        CertRequest(
            "apiserver",
            "kube-apiserver",
            server=True,
            ips=(CONTROL_PLANE_IP, SERVICE_IP, "127.0.0.1"),
            dns=(
                "localhost",
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
            ),
        )
    )
    ca.issue(
        CertRequest(
            "apiserver-kubelet-client", "kube-apiserver-kubelet-client", ("system:masters",), client=True
        )
    )
    users = {
        "admin": ("podchaos-admin", ("system:masters",), layout.kubeconfig),
        "controller-manager": (
            "system:kube-controller-manager",
            (),
            layout.control_plane / "controller-manager.kubeconfig",
        ),
        "scheduler": ("system:kube-scheduler", (), layout.control_plane / "scheduler.kubeconfig"),
        # Bound to the built-in role system:node-proxier by the apiserver's bootstrap policy.
        "kube-proxy": ("system:kube-proxy", (), layout.control_plane / "kube-proxy.kubeconfig"),
        "coredns": (COREDNS_USER, (), layout.control_plane / "coredns.kubeconfig"),
    }
    for stem, (user, groups, path) in users.items():
        cert, key = ca.issue(CertRequest(stem, user, groups, client=True))
        path.write_text(config.kubeconfig(layout.apiserver_url, pki / "ca.crt", cert, key, user))
        path.chmod(0o600)
    layout.corefile.write_text(config.corefile(layout.control_plane / "coredns.kubeconfig"))
    resolv = layout.control_plane / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions ndots:1\n")
    for node in layout.nodes:
        for directory in (node.dir, node.cni_conf_dir, node.kubelet_root, node.pod_logs_dir):
            directory.mkdir(parents=True, exist_ok=True)
        cert, key = ca.issue(
            CertRequest(f"kubelet-{node.name}", f"system:node:{node.name}", ("system:nodes",), client=True)
        )
        node.kubeconfig.write_text(
            config.kubeconfig(layout.apiserver_url, pki / "ca.crt", cert, key, f"system:node:{node.name}")
        )
        serving_cert, serving_key = ca.issue(
            CertRequest(
                f"kubelet-serving-{node.name}", node.name, server=True, ips=(node.ip,), dns=(node.name,)
            )
        )
        node.kubelet_config.write_text(
            config.kubelet(node, pki / "ca.crt", serving_cert, serving_key, resolv, layout.kubernetes_version)
        )
        node.containerd_config.write_text(config.containerd(node))
        (node.cni_conf_dir / "10-podchaos.conflist").write_text(config.cni(node))
