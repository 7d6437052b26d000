"""The command lines of the local cluster's daemons. Pure: built from the layout only."""

from __future__ import annotations

from podchaos.cluster.local.layout import (
    APISERVER_PORT,
    CLUSTER_CIDR,
    CONTROL_PLANE_IP,
    CONTROLLER_MANAGER_PORT,
    ETCD_CLIENT_PORT,
    ETCD_PEER_PORT,
    KUBE_PROXY_HEALTHZ_PORT,
    KUBE_PROXY_METRICS_PORT,
    NODE_CIDR,
    SCHEDULER_PORT,
    SERVICE_CIDR,
    Layout,
    NodeLayout,
)
from podchaos.cluster.local.process import Daemon
from podchaos.cluster.local.storage import CONTROLLER_MANAGER_FLAG


def _daemon(layout: Layout, name: str, argv: list[str]) -> Daemon:
    return Daemon(
        name=name,
        argv=tuple(argv),
        pid_file=layout.pids / f"{name}.pid",
        log_file=layout.logs / f"{name}.log",
    )


def etcd(layout: Layout) -> Daemon:
    client = f"http://127.0.0.1:{ETCD_CLIENT_PORT}"
    peer = f"http://127.0.0.1:{ETCD_PEER_PORT}"
    return _daemon(
        layout,
        "etcd",
        [
            str(layout.etcd_binary),
            "--name=podchaos",
            f"--data-dir={layout.etcd_data}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=podchaos={peer}",
            # A throw-away test cluster: durability is not worth the fsync latency on a shared disk.
            "--unsafe-no-fsync",
            "--log-level=warn",
        ],
    )


def apiserver(layout: Layout) -> Daemon:
    pki = layout.pki
    return _daemon(
        layout,
        "kube-apiserver",
        [
            str(layout.kube_binary.parent / "kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{ETCD_CLIENT_PORT}",
            f"--bind-address={CONTROL_PLANE_IP}",
            f"--advertise-address={CONTROL_PLANE_IP}",
            f"--secure-port={APISERVER_PORT}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki / 'service-account.pub'}",
            f"--service-account-signing-key-file={pki / 'service-account.key'}",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction",
            f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
            f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
            "--kubelet-preferred-address-types=InternalIP",
            "--allow-privileged=true",
            "--profiling=false",
            "--v=1",
        ],
    )


def controller_manager(layout: Layout) -> Daemon:
    pki = layout.pki
    kubeconfig = layout.control_plane / "controller-manager.kubeconfig"
    return _daemon(
        layout,
        "kube-controller-manager",
        [
            str(layout.kube_binary.parent / "kube-controller-manager"),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={CONTROLLER_MANAGER_PORT}",
            f"--service-account-private-key-file={pki / 'service-account.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}",
            f"--cluster-signing-key-file={pki / 'ca.key'}",
            "--use-service-account-credentials=true",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            # Claims of the default StorageClass become hostPath volumes (see storage.py).
            CONTROLLER_MANAGER_FLAG,
            "--leader-elect=false",
            "--profiling=false",
            "--v=1",
        ],
    )


def scheduler(layout: Layout) -> Daemon:
    kubeconfig = layout.control_plane / "scheduler.kubeconfig"
    return _daemon(
        layout,
        "kube-scheduler",
        [
            str(layout.kube_binary.parent / "kube-scheduler"),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={SCHEDULER_PORT}",
            "--leader-elect=false",
            "--profiling=false",
            "--v=1",
        ],
    )


def containerd(layout: Layout, node: NodeLayout) -> Daemon:
    return _daemon(layout, f"containerd-{node.name}", ["containerd", f"--config={node.containerd_config}"])


def kubelet(layout: Layout, node: NodeLayout) -> Daemon:
    return _daemon(
        layout,
        f"kubelet-{node.name}",
        [
            str(layout.kube_binary.parent / "kubelet"),
            f"--config={node.kubelet_config}",
            f"--kubeconfig={node.kubeconfig}",
            f"--root-dir={node.kubelet_root}",
            f"--cert-dir={node.dir / 'kubelet-pki'}",
            f"--hostname-override={node.name}",
            f"--node-ip={node.ip}",
            "--v=1",
        ],
    )


# The nodes share this machine's network namespace, so one kube-proxy programs Services for both;
# it acts for the first node (the node name matters only for node-local traffic policies).
PROXY_MODE = "nftables"


def kube_proxy(layout: Layout) -> Daemon:
    node = layout.nodes[0]
    return _daemon(
        layout,
        "kube-proxy",
        [
            str(layout.kube_binary.parent / "kube-proxy"),
            f"--kubeconfig={layout.control_plane / 'kube-proxy.kubeconfig'}",
            f"--proxy-mode={PROXY_MODE}",
            f"--hostname-override={node.name}",
            f"--bind-address={node.ip}",
            f"--cluster-cidr={CLUSTER_CIDR}",
            # NodePorts only on the node addresses: never on an interface that reaches other machines.
            f"--nodeport-addresses={NODE_CIDR}",
            f"--healthz-bind-address=127.0.0.1:{KUBE_PROXY_HEALTHZ_PORT}",
            f"--metrics-bind-address=127.0.0.1:{KUBE_PROXY_METRICS_PORT}",
            # 0 leaves the host's conntrack sysctls as they are: they are shared with everything else.
            "--conntrack-max-per-core=0",
            "--conntrack-tcp-timeout-established=0s",
            "--conntrack-tcp-timeout-close-wait=0s",
            # Lowering its own OOM score needs CAP_SYS_RESOURCE, which this sandbox may lack.
            "--oom-score-adj=0",
            "--profiling=false",
            "--v=1",
        ],
    )


def coredns(layout: Layout) -> Daemon:
    return _daemon(layout, "coredns", [str(layout.coredns_binary), f"-conf={layout.corefile}"])
